-- reverse: add column "receiver" to table "pipeline_triggers"
ALTER TABLE `pipeline_triggers` DROP COLUMN `receiver`;
