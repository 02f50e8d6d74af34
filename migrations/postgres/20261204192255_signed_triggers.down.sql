-- reverse: create index "triggersignature_trigger_id_digest" to table: "trigger_signatures"
DROP INDEX "triggersignature_trigger_id_digest";
-- reverse: create index "triggersignature_trigger_id_created_at" to table: "trigger_signatures"
DROP INDEX "triggersignature_trigger_id_created_at";
-- reverse: create "trigger_signatures" table
DROP TABLE "trigger_signatures";
-- reverse: modify "pipeline_triggers" table
ALTER TABLE "pipeline_triggers" DROP COLUMN "previous_signing_secret_expires_at", DROP COLUMN "previous_signing_secret_sealed", DROP COLUMN "signing_secret_sealed";
