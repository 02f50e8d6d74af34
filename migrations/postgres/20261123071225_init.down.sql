-- reverse: create index "ref_project_id_name_type" to table: "refs"
DROP INDEX "ref_project_id_name_type";
-- reverse: create "refs" table
DROP TABLE "refs";
-- reverse: create index "projectmember_user_id" to table: "project_members"
DROP INDEX "projectmember_user_id";
-- reverse: create index "projectmember_project_id_user_id" to table: "project_members"
DROP INDEX "projectmember_project_id_user_id";
-- reverse: create "project_members" table
DROP TABLE "project_members";
-- reverse: create index "pipelinevariable_pipeline_id_key" to table: "pipeline_variables"
DROP INDEX "pipelinevariable_pipeline_id_key";
-- reverse: create "pipeline_variables" table
DROP TABLE "pipeline_variables";
-- reverse: create index "personal_access_tokens_token_digest_key" to table: "personal_access_tokens"
DROP INDEX "personal_access_tokens_token_digest_key";
-- reverse: create "personal_access_tokens" table
DROP TABLE "personal_access_tokens";
-- reverse: create index "idempotencykey_token_digest_key" to table: "idempotency_keys"
DROP INDEX "idempotencykey_token_digest_key";
-- reverse: create index "idempotencykey_created_at" to table: "idempotency_keys"
DROP INDEX "idempotencykey_created_at";
-- reverse: create "idempotency_keys" table
DROP TABLE "idempotency_keys";
-- reverse: create index "pipelines_job_token_digest_key" to table: "pipelines"
DROP INDEX "pipelines_job_token_digest_key";
-- reverse: create index "pipeline_upstream_id" to table: "pipelines"
DROP INDEX "pipeline_upstream_id";
-- reverse: create index "pipeline_trigger_id" to table: "pipelines"
DROP INDEX "pipeline_trigger_id";
-- reverse: create index "pipeline_status_created_at" to table: "pipelines"
DROP INDEX "pipeline_status_created_at";
-- reverse: create index "pipeline_project_id_updated_at" to table: "pipelines"
DROP INDEX "pipeline_project_id_updated_at";
-- reverse: create index "pipeline_project_id_status_created_at" to table: "pipelines"
DROP INDEX "pipeline_project_id_status_created_at";
-- reverse: create index "pipeline_project_id_iid" to table: "pipelines"
DROP INDEX "pipeline_project_id_iid";
-- reverse: create "pipelines" table
DROP TABLE "pipelines";
-- reverse: create index "runners_token_digest_key" to table: "runners"
DROP INDEX "runners_token_digest_key";
-- reverse: create "runners" table
DROP TABLE "runners";
-- reverse: create index "pipelinetrigger_project_id_revoked_at" to table: "pipeline_triggers"
DROP INDEX "pipelinetrigger_project_id_revoked_at";
-- reverse: create index "pipelinetrigger_owner_id" to table: "pipeline_triggers"
DROP INDEX "pipelinetrigger_owner_id";
-- reverse: create index "pipeline_triggers_token_digest_key" to table: "pipeline_triggers"
DROP INDEX "pipeline_triggers_token_digest_key";
-- reverse: create index "pipeline_triggers_previous_token_digest_key" to table: "pipeline_triggers"
DROP INDEX "pipeline_triggers_previous_token_digest_key";
-- reverse: create "pipeline_triggers" table
DROP TABLE "pipeline_triggers";
-- reverse: create index "auditevent_project_id_created_at" to table: "audit_events"
DROP INDEX "auditevent_project_id_created_at";
-- reverse: create index "auditevent_created_at" to table: "audit_events"
DROP INDEX "auditevent_created_at";
-- reverse: create "audit_events" table
DROP TABLE "audit_events";
-- reverse: create index "users_username_key" to table: "users"
DROP INDEX "users_username_key";
-- reverse: create index "users_email_key" to table: "users"
DROP INDEX "users_email_key";
-- reverse: create "users" table
DROP TABLE "users";
-- reverse: create index "projects_full_path_key" to table: "projects"
DROP INDEX "projects_full_path_key";
-- reverse: create "projects" table
DROP TABLE "projects";
