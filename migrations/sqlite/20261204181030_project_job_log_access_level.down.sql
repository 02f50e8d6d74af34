-- reverse: add column "job_log_access_level" to table "projects"
ALTER TABLE `projects` DROP COLUMN `job_log_access_level`;
