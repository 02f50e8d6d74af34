-- add column "hmac" to table: "pipeline_triggers"
ALTER TABLE `pipeline_triggers` ADD COLUMN `hmac` json NULL;
