-- drop index "pipeline_trigger_id" from table: "pipelines"
DROP INDEX `pipeline_trigger_id`;
-- create index "pipeline_trigger_id_created_at" to table: "pipelines"
CREATE INDEX `pipeline_trigger_id_created_at` ON `pipelines` (`trigger_id`, `created_at`);
