-- modify "pipeline_triggers" table
ALTER TABLE "pipeline_triggers" ADD COLUMN "receiver" character varying NOT NULL DEFAULT 'kickoff';
