-- reverse: modify "pipeline_triggers" table
ALTER TABLE "pipeline_triggers" DROP COLUMN "hmac";
