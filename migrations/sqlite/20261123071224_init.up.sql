-- create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `action` text NOT NULL, `outcome` text NOT NULL, `reason` text NOT NULL DEFAULT (''), `actor_token_kind` text NOT NULL DEFAULT (''), `actor_short_token` text NOT NULL DEFAULT (''), `ip_address` text NOT NULL DEFAULT (''), `user_agent` text NOT NULL DEFAULT (''), `target_type` text NOT NULL DEFAULT (''), `target_id` integer NULL, `project_id` integer NULL, `actor_user_id` integer NULL, CONSTRAINT `audit_events_projects_audit_events` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE SET NULL, CONSTRAINT `audit_events_users_audit_events` FOREIGN KEY (`actor_user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- create index "auditevent_project_id_created_at" to table: "audit_events"
CREATE INDEX `auditevent_project_id_created_at` ON `audit_events` (`project_id`, `created_at`);
-- create index "auditevent_created_at" to table: "audit_events"
CREATE INDEX `auditevent_created_at` ON `audit_events` (`created_at`);
-- create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `key` text NOT NULL, `token_digest` blob NOT NULL, `pipeline_id` integer NOT NULL, CONSTRAINT `idempotency_keys_pipelines_pipeline` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE NO ACTION);
-- set sequence for "idempotency_keys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("idempotency_keys", 4294967296);
-- create index "idempotencykey_token_digest_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_token_digest_key` ON `idempotency_keys` (`token_digest`, `key`);
-- create index "idempotencykey_created_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_created_at` ON `idempotency_keys` (`created_at`);
-- create "personal_access_tokens" table
CREATE TABLE `personal_access_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `name` text NOT NULL, `token_digest` blob NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL, `user_id` integer NOT NULL, CONSTRAINT `personal_access_tokens_users_personal_access_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "personal_access_tokens" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("personal_access_tokens", 8589934592);
-- create index "personal_access_tokens_token_digest_key" to table: "personal_access_tokens"
CREATE UNIQUE INDEX `personal_access_tokens_token_digest_key` ON `personal_access_tokens` (`token_digest`);
-- create "pipelines" table
CREATE TABLE `pipelines` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `iid` integer NOT NULL, `ref` text NOT NULL, `sha` text NULL, `before_sha` text NOT NULL DEFAULT ('0000000000000000000000000000000000000000'), `tag` bool NOT NULL DEFAULT (false), `status` text NOT NULL DEFAULT ('created'), `source` text NOT NULL, `failure_reason` text NULL, `trigger_short_token` text NULL, `job_token_digest` blob NULL, `started_at` datetime NULL, `finished_at` datetime NULL, `claimed_at` datetime NULL, `upstream_id` integer NULL, `trigger_id` integer NULL, `project_id` integer NOT NULL, `runner_id` integer NULL, `user_id` integer NULL, CONSTRAINT `pipelines_pipelines_downstream` FOREIGN KEY (`upstream_id`) REFERENCES `pipelines` (`id`) ON DELETE SET NULL, CONSTRAINT `pipelines_pipeline_triggers_pipelines` FOREIGN KEY (`trigger_id`) REFERENCES `pipeline_triggers` (`id`) ON DELETE SET NULL, CONSTRAINT `pipelines_projects_pipelines` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `pipelines_runners_pipelines` FOREIGN KEY (`runner_id`) REFERENCES `runners` (`id`) ON DELETE SET NULL, CONSTRAINT `pipelines_users_pipelines` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- set sequence for "pipelines" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("pipelines", 12884901888);
-- create index "pipelines_job_token_digest_key" to table: "pipelines"
CREATE UNIQUE INDEX `pipelines_job_token_digest_key` ON `pipelines` (`job_token_digest`);
-- create index "pipeline_project_id_iid" to table: "pipelines"
CREATE UNIQUE INDEX `pipeline_project_id_iid` ON `pipelines` (`project_id`, `iid`);
-- create index "pipeline_project_id_status_created_at" to table: "pipelines"
CREATE INDEX `pipeline_project_id_status_created_at` ON `pipelines` (`project_id`, `status`, `created_at`);
-- create index "pipeline_project_id_updated_at" to table: "pipelines"
CREATE INDEX `pipeline_project_id_updated_at` ON `pipelines` (`project_id`, `updated_at`);
-- create index "pipeline_status_created_at" to table: "pipelines"
CREATE INDEX `pipeline_status_created_at` ON `pipelines` (`status`, `created_at`);
-- create index "pipeline_trigger_id" to table: "pipelines"
CREATE INDEX `pipeline_trigger_id` ON `pipelines` (`trigger_id`);
-- create index "pipeline_upstream_id" to table: "pipelines"
CREATE INDEX `pipeline_upstream_id` ON `pipelines` (`upstream_id`);
-- create "pipeline_triggers" table
CREATE TABLE `pipeline_triggers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `description` text NOT NULL, `token_digest` blob NOT NULL, `token_sealed` blob NOT NULL, `short_token` text NOT NULL, `previous_token_digest` blob NULL, `previous_token_expires_at` datetime NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL, `allowed_refs` json NULL, `allowed_variables` json NULL, `allowed_cidrs` json NULL, `rate_limit_per_minute` integer NULL, `project_id` integer NOT NULL, `owner_id` integer NOT NULL, CONSTRAINT `pipeline_triggers_projects_pipeline_triggers` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `pipeline_triggers_users_owned_triggers` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "pipeline_triggers" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("pipeline_triggers", 17179869184);
-- create index "pipeline_triggers_token_digest_key" to table: "pipeline_triggers"
CREATE UNIQUE INDEX `pipeline_triggers_token_digest_key` ON `pipeline_triggers` (`token_digest`);
-- create index "pipeline_triggers_previous_token_digest_key" to table: "pipeline_triggers"
CREATE UNIQUE INDEX `pipeline_triggers_previous_token_digest_key` ON `pipeline_triggers` (`previous_token_digest`);
-- create index "pipelinetrigger_project_id_revoked_at" to table: "pipeline_triggers"
CREATE INDEX `pipelinetrigger_project_id_revoked_at` ON `pipeline_triggers` (`project_id`, `revoked_at`);
-- create index "pipelinetrigger_owner_id" to table: "pipeline_triggers"
CREATE INDEX `pipelinetrigger_owner_id` ON `pipeline_triggers` (`owner_id`);
-- create "pipeline_variables" table
CREATE TABLE `pipeline_variables` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `value` text NOT NULL, `file` bool NOT NULL DEFAULT (false), `pipeline_id` integer NOT NULL, CONSTRAINT `pipeline_variables_pipelines_variables` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE NO ACTION);
-- set sequence for "pipeline_variables" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("pipeline_variables", 21474836480);
-- create index "pipelinevariable_pipeline_id_key" to table: "pipeline_variables"
CREATE UNIQUE INDEX `pipelinevariable_pipeline_id_key` ON `pipeline_variables` (`pipeline_id`, `key`);
-- create "projects" table
CREATE TABLE `projects` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `full_path` text NOT NULL, `description` text NOT NULL DEFAULT (''), `default_branch` text NOT NULL DEFAULT ('main'), `last_pipeline_iid` integer NOT NULL DEFAULT (0));
-- set sequence for "projects" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("projects", 25769803776);
-- create index "projects_full_path_key" to table: "projects"
CREATE UNIQUE INDEX `projects_full_path_key` ON `projects` (`full_path`);
-- create "project_members" table
CREATE TABLE `project_members` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `access_level` integer NOT NULL, `project_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `project_members_projects_members` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `project_members_users_memberships` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "project_members" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("project_members", 30064771072);
-- create index "projectmember_project_id_user_id" to table: "project_members"
CREATE UNIQUE INDEX `projectmember_project_id_user_id` ON `project_members` (`project_id`, `user_id`);
-- create index "projectmember_user_id" to table: "project_members"
CREATE INDEX `projectmember_user_id` ON `project_members` (`user_id`);
-- create "refs" table
CREATE TABLE `refs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `type` text NOT NULL, `sha` text NULL, `project_id` integer NOT NULL, CONSTRAINT `refs_projects_refs` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION);
-- set sequence for "refs" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("refs", 34359738368);
-- create index "ref_project_id_name_type" to table: "refs"
CREATE UNIQUE INDEX `ref_project_id_name_type` ON `refs` (`project_id`, `name`, `type`);
-- create "runners" table
CREATE TABLE `runners` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `description` text NOT NULL DEFAULT (''), `token_digest` blob NOT NULL, `short_token` text NOT NULL, `contacted_at` datetime NULL, `project_id` integer NULL, `creator_id` integer NULL, CONSTRAINT `runners_projects_runners` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE SET NULL, CONSTRAINT `runners_users_created_runners` FOREIGN KEY (`creator_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- set sequence for "runners" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("runners", 38654705664);
-- create index "runners_token_digest_key" to table: "runners"
CREATE UNIQUE INDEX `runners_token_digest_key` ON `runners` (`token_digest`);
-- create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `username` text NOT NULL, `name` text NOT NULL DEFAULT (''), `email` text NOT NULL, `password_hash` text NOT NULL, `admin` bool NOT NULL DEFAULT (false), `state` text NOT NULL DEFAULT ('active'));
-- set sequence for "users" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("users", 42949672960);
-- create index "users_username_key" to table: "users"
CREATE UNIQUE INDEX `users_username_key` ON `users` (`username`);
-- create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
