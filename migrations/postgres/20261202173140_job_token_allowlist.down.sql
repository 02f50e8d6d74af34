-- reverse: create index "jobtokenallowlistentry_project_id_allowed_project_id" to table: "job_token_allowlist_entries"
DROP INDEX "jobtokenallowlistentry_project_id_allowed_project_id";
-- reverse: create index "jobtokenallowlistentry_allowed_project_id" to table: "job_token_allowlist_entries"
DROP INDEX "jobtokenallowlistentry_allowed_project_id";
-- reverse: create "job_token_allowlist_entries" table
DROP TABLE "job_token_allowlist_entries";
