-- create "job_token_allowlist_entries" table
CREATE TABLE `job_token_allowlist_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `project_id` integer NOT NULL, `allowed_project_id` integer NOT NULL, `created_by_id` integer NOT NULL, CONSTRAINT `job_token_allowlist_entries_projects_job_token_allowlist` FOREIGN KEY (`project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `job_token_allowlist_entries_projects_job_token_allowed_in` FOREIGN KEY (`allowed_project_id`) REFERENCES `projects` (`id`) ON DELETE NO ACTION, CONSTRAINT `job_token_allowlist_entries_users_job_token_allowlist_entries` FOREIGN KEY (`created_by_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- set sequence for "job_token_allowlist_entries" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("job_token_allowlist_entries", 51539607552);
-- create index "jobtokenallowlistentry_project_id_allowed_project_id" to table: "job_token_allowlist_entries"
CREATE UNIQUE INDEX `jobtokenallowlistentry_project_id_allowed_project_id` ON `job_token_allowlist_entries` (`project_id`, `allowed_project_id`);
-- create index "jobtokenallowlistentry_allowed_project_id" to table: "job_token_allowlist_entries"
CREATE INDEX `jobtokenallowlistentry_allowed_project_id` ON `job_token_allowlist_entries` (`allowed_project_id`);
