-- reverse: create index "jobtokenallowlistentry_allowed_project_id" to table: "job_token_allowlist_entries"
DROP INDEX `jobtokenallowlistentry_allowed_project_id`;
-- reverse: create index "jobtokenallowlistentry_project_id_allowed_project_id" to table: "job_token_allowlist_entries"
DROP INDEX `jobtokenallowlistentry_project_id_allowed_project_id`;
-- reverse: set sequence for "job_token_allowlist_entries" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "job_token_allowlist_entries";
-- reverse: create "job_token_allowlist_entries" table
DROP TABLE `job_token_allowlist_entries`;
