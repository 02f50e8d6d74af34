-- reverse: add column "hmac" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` DROP COLUMN `hmac`;
