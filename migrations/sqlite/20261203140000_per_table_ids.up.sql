-- Per-table IDs (issue 10). Until now every table's IDs lived in its own
-- range of 2^32 values (ent's global IDs). Each row keeps its place within
-- its table's range, so the table's first row becomes 1
-- (its first was n<<32 + 1, now id % 2^32); every foreign key and the audit log's
-- target_id follow, and each table's sequence continues past its largest ID.

-- Checked at COMMIT, when every reference has moved with its row.
PRAGMA defer_foreign_keys = ON;
UPDATE `audit_events` SET `id` = `id` % 4294967296, `project_id` = `project_id` % 4294967296, `actor_user_id` = `actor_user_id` % 4294967296, `target_id` = `target_id` % 4294967296;
UPDATE `idempotency_keys` SET `id` = `id` % 4294967296, `pipeline_id` = `pipeline_id` % 4294967296;
UPDATE `personal_access_tokens` SET `id` = `id` % 4294967296, `user_id` = `user_id` % 4294967296;
UPDATE `pipelines` SET `id` = `id` % 4294967296, `trigger_id` = `trigger_id` % 4294967296, `upstream_id` = `upstream_id` % 4294967296, `project_id` = `project_id` % 4294967296, `runner_id` = `runner_id` % 4294967296, `user_id` = `user_id` % 4294967296;
UPDATE `pipeline_triggers` SET `id` = `id` % 4294967296, `project_id` = `project_id` % 4294967296, `owner_id` = `owner_id` % 4294967296;
UPDATE `pipeline_variables` SET `id` = `id` % 4294967296, `pipeline_id` = `pipeline_id` % 4294967296;
UPDATE `projects` SET `id` = `id` % 4294967296;
UPDATE `project_members` SET `id` = `id` % 4294967296, `project_id` = `project_id` % 4294967296, `user_id` = `user_id` % 4294967296;
UPDATE `refs` SET `id` = `id` % 4294967296, `project_id` = `project_id` % 4294967296;
UPDATE `runners` SET `id` = `id` % 4294967296, `project_id` = `project_id` % 4294967296, `creator_id` = `creator_id` % 4294967296;
UPDATE `users` SET `id` = `id` % 4294967296;
UPDATE `sessions` SET `id` = `id` % 4294967296, `user_id` = `user_id` % 4294967296;
UPDATE `job_token_allowlist_entries` SET `id` = `id` % 4294967296, `allowed_project_id` = `allowed_project_id` % 4294967296, `project_id` = `project_id` % 4294967296, `created_by_id` = `created_by_id` % 4294967296;
UPDATE `sign_in_failures` SET `id` = `id` % 4294967296;
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `audit_events`) WHERE `name` = 'audit_events';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `idempotency_keys`) WHERE `name` = 'idempotency_keys';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `personal_access_tokens`) WHERE `name` = 'personal_access_tokens';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `pipelines`) WHERE `name` = 'pipelines';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `pipeline_triggers`) WHERE `name` = 'pipeline_triggers';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `pipeline_variables`) WHERE `name` = 'pipeline_variables';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `projects`) WHERE `name` = 'projects';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `project_members`) WHERE `name` = 'project_members';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `refs`) WHERE `name` = 'refs';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `runners`) WHERE `name` = 'runners';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `users`) WHERE `name` = 'users';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `sessions`) WHERE `name` = 'sessions';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `job_token_allowlist_entries`) WHERE `name` = 'job_token_allowlist_entries';
UPDATE `sqlite_sequence` SET `seq` = (SELECT COALESCE(MAX(`id`), 0) FROM `sign_in_failures`) WHERE `name` = 'sign_in_failures';
