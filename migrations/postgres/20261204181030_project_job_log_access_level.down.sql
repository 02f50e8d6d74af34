-- reverse: modify "projects" table
ALTER TABLE "projects" DROP COLUMN "job_log_access_level";
