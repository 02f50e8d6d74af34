-- Written by hand: atlas's reverse of the up file's table rebuild drops the
-- rebuilt table instead of the column.
DROP INDEX `pipelinelogchunk_pipeline_id_offset`;
DROP TABLE `pipeline_log_chunks`;
DROP INDEX `pipeline_logs_pipeline_id_key`;
DROP TABLE `pipeline_logs`;
ALTER TABLE `pipeline_variables` DROP COLUMN `masked`;
