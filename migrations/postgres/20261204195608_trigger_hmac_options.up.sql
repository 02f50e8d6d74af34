-- modify "pipeline_triggers" table
ALTER TABLE "pipeline_triggers" ADD COLUMN "hmac" jsonb NULL;
