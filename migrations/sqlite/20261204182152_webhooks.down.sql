-- reverse: create index "webhookdelivery_created_at" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_created_at`;
-- reverse: create index "webhookdelivery_webhook_id_pipeline_id_state" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_webhook_id_pipeline_id_state`;
-- reverse: create index "webhookdelivery_state_next_attempt_at" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_state_next_attempt_at`;
-- reverse: create index "webhook_deliveries_uuid_key" to table: "webhook_deliveries"
DROP INDEX `webhook_deliveries_uuid_key`;
-- reverse: create "webhook_deliveries" table
DROP TABLE `webhook_deliveries`;
-- reverse: create index "webhook_project_id" to table: "webhooks"
DROP INDEX `webhook_project_id`;
-- reverse: create index "webhooks_uuid_key" to table: "webhooks"
DROP INDEX `webhooks_uuid_key`;
-- reverse: create "webhooks" table
DROP TABLE `webhooks`;
