-- reverse: create index "triggersignature_trigger_id_created_at" to table: "trigger_signatures"
DROP INDEX `triggersignature_trigger_id_created_at`;
-- reverse: create index "triggersignature_trigger_id_digest" to table: "trigger_signatures"
DROP INDEX `triggersignature_trigger_id_digest`;
-- reverse: create "trigger_signatures" table
DROP TABLE `trigger_signatures`;
-- reverse: add column "previous_signing_secret_expires_at" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` DROP COLUMN `previous_signing_secret_expires_at`;
-- reverse: add column "previous_signing_secret_sealed" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` DROP COLUMN `previous_signing_secret_sealed`;
-- reverse: add column "signing_secret_sealed" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` DROP COLUMN `signing_secret_sealed`;
