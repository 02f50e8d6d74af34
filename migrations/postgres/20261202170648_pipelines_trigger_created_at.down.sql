-- reverse: create index "pipeline_trigger_id_created_at" to table: "pipelines"
DROP INDEX "pipeline_trigger_id_created_at";
-- reverse: drop index "pipeline_trigger_id" from table: "pipelines"
CREATE INDEX "pipeline_trigger_id" ON "pipelines" ("trigger_id");
