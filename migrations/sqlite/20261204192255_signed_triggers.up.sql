-- add column "signing_secret_sealed" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` ADD COLUMN `signing_secret_sealed` blob NULL;
-- add column "previous_signing_secret_sealed" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` ADD COLUMN `previous_signing_secret_sealed` blob NULL;
-- add column "previous_signing_secret_expires_at" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` ADD COLUMN `previous_signing_secret_expires_at` datetime NULL;
-- create "trigger_signatures" table
CREATE TABLE `trigger_signatures` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `trigger_id` integer NOT NULL, `digest` blob NOT NULL, `created_at` datetime NOT NULL);
-- create index "triggersignature_trigger_id_digest" to table: "trigger_signatures"
CREATE UNIQUE INDEX `triggersignature_trigger_id_digest` ON `trigger_signatures` (`trigger_id`, `digest`);
-- create index "triggersignature_trigger_id_created_at" to table: "trigger_signatures"
CREATE INDEX `triggersignature_trigger_id_created_at` ON `trigger_signatures` (`trigger_id`, `created_at`);
