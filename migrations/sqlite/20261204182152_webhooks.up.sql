-- create "webhooks" table
CREATE TABLE `webhooks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `uuid` text NOT NULL, `name` text NOT NULL DEFAULT (''), `description` text NOT NULL DEFAULT (''), `url_sealed` blob NOT NULL, `url` text NOT NULL, `token_sealed` blob NULL, `custom_headers_sealed` blob NULL, `custom_header_names` json NULL, `signing_secret_sealed` blob NOT NULL, `previous_signing_secret_sealed` blob NULL, `previous_signing_secret_expires_at` datetime NULL, `pipeline_events` bool NOT NULL DEFAULT (true), `enable_ssl_verification` bool NOT NULL DEFAULT (true), `statuses` json NULL, `ref_globs` json NULL, `consecutive_failures` integer NOT NULL DEFAULT (0), `disabled_at` datetime NULL, `disabled_reason` text NOT NULL DEFAULT (''), `project_id` integer NOT NULL, `creator_id` integer NOT NULL, CONSTRAINT `webhooks_projects_webhooks` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `webhooks_users_created_webhooks` FOREIGN KEY (`creator_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- create index "webhooks_uuid_key" to table: "webhooks"
CREATE UNIQUE INDEX `webhooks_uuid_key` ON `webhooks` (`uuid`);
-- create index "webhook_project_id" to table: "webhooks"
CREATE INDEX `webhook_project_id` ON `webhooks` (`project_id`);
-- create "webhook_deliveries" table
CREATE TABLE `webhook_deliveries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `uuid` text NOT NULL, `kind` text NOT NULL, `pipeline_id` integer NULL, `status` text NOT NULL, `payload` blob NOT NULL, `state` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `locked_until` datetime NULL, `last_attempt_at` datetime NULL, `response_status` integer NULL, `response_body` text NOT NULL DEFAULT (''), `error` text NOT NULL DEFAULT (''), `duration_ms` integer NULL, `request_headers` json NULL, `resent_from_id` integer NULL, `created_at` datetime NOT NULL, `webhook_id` integer NOT NULL, CONSTRAINT `webhook_deliveries_webhooks_deliveries` FOREIGN KEY (`webhook_id`) REFERENCES `webhooks` (`id`) ON DELETE NO ACTION);
-- create index "webhook_deliveries_uuid_key" to table: "webhook_deliveries"
CREATE UNIQUE INDEX `webhook_deliveries_uuid_key` ON `webhook_deliveries` (`uuid`);
-- create index "webhookdelivery_state_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_state_next_attempt_at` ON `webhook_deliveries` (`state`, `next_attempt_at`);
-- create index "webhookdelivery_webhook_id_pipeline_id_state" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_webhook_id_pipeline_id_state` ON `webhook_deliveries` (`webhook_id`, `pipeline_id`, `state`);
-- create index "webhookdelivery_created_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_created_at` ON `webhook_deliveries` (`created_at`);
