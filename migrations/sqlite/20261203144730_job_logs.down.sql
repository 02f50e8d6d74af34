-- reverse: create index "pipelinelogchunk_pipeline_id_offset" to table: "pipeline_log_chunks"
DROP INDEX `pipelinelogchunk_pipeline_id_offset`;
-- reverse: create "pipeline_log_chunks" table
DROP TABLE `pipeline_log_chunks`;
-- reverse: create index "pipeline_logs_pipeline_id_key" to table: "pipeline_logs"
DROP INDEX `pipeline_logs_pipeline_id_key`;
-- reverse: create "pipeline_logs" table
DROP TABLE `pipeline_logs`;
-- reverse: create index "pipelinevariable_pipeline_id_key" to table: "pipeline_variables"
DROP INDEX `pipelinevariable_pipeline_id_key`;
-- reverse: create "new_pipeline_variables" table
DROP TABLE `new_pipeline_variables`;
