-- modify "projects" table
ALTER TABLE "projects" ADD COLUMN "job_log_access_level" bigint NOT NULL DEFAULT 40;
