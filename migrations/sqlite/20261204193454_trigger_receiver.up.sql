-- add column "receiver" to table "pipeline_triggers" (written by hand: atlas rebuilds the
-- table, and dropping "pipeline_triggers" would touch the pipelines that reference it)
ALTER TABLE `pipeline_triggers` ADD COLUMN `receiver` text NOT NULL DEFAULT ('kickoff');
