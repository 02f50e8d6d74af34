-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_pipeline_variables" table
CREATE TABLE `new_pipeline_variables` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `value` text NOT NULL, `file` bool NOT NULL DEFAULT (false), `masked` bool NOT NULL DEFAULT (false), `pipeline_id` integer NOT NULL, CONSTRAINT `pipeline_variables_pipelines_variables` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "pipeline_variables" to new temporary table "new_pipeline_variables"
INSERT INTO `new_pipeline_variables` (`id`, `key`, `value`, `file`, `pipeline_id`) SELECT `id`, `key`, `value`, `file`, `pipeline_id` FROM `pipeline_variables`;
-- drop "pipeline_variables" table after copying rows
DROP TABLE `pipeline_variables`;
-- rename temporary table "new_pipeline_variables" to "pipeline_variables"
ALTER TABLE `new_pipeline_variables` RENAME TO `pipeline_variables`;
-- create index "pipelinevariable_pipeline_id_key" to table: "pipeline_variables"
CREATE UNIQUE INDEX `pipelinevariable_pipeline_id_key` ON `pipeline_variables` (`pipeline_id`, `key`);
-- create "pipeline_logs" table
CREATE TABLE `pipeline_logs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `received` integer NOT NULL DEFAULT (0), `size` integer NOT NULL DEFAULT (0), `pending` blob NULL, `truncated` bool NOT NULL DEFAULT (false), `updated_at` datetime NOT NULL, `pipeline_id` integer NOT NULL, CONSTRAINT `pipeline_logs_pipelines_log` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE NO ACTION);
-- create index "pipeline_logs_pipeline_id_key" to table: "pipeline_logs"
CREATE UNIQUE INDEX `pipeline_logs_pipeline_id_key` ON `pipeline_logs` (`pipeline_id`);
-- create "pipeline_log_chunks" table
CREATE TABLE `pipeline_log_chunks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `offset` integer NOT NULL, `data` blob NOT NULL, `pipeline_id` integer NOT NULL, CONSTRAINT `pipeline_log_chunks_pipelines_log_chunks` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines` (`id`) ON DELETE NO ACTION);
-- create index "pipelinelogchunk_pipeline_id_offset" to table: "pipeline_log_chunks"
CREATE UNIQUE INDEX `pipelinelogchunk_pipeline_id_offset` ON `pipeline_log_chunks` (`pipeline_id`, `offset`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
