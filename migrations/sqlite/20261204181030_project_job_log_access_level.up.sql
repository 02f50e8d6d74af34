-- add column "job_log_access_level" to table "projects" (written by hand: atlas rebuilds the
-- table, and dropping "projects" would touch every table that references it)
ALTER TABLE `projects` ADD COLUMN `job_log_access_level` integer NOT NULL DEFAULT (40);
