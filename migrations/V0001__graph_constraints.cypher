// pmeta graph contract (DESIGN.md section 3): every node is found by its key.
// One schema statement per request; IF NOT EXISTS keeps a re-run harmless.
CREATE CONSTRAINT schedule_name IF NOT EXISTS FOR (n:Schedule) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT process_key IF NOT EXISTS FOR (n:Process) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT step_key IF NOT EXISTS FOR (n:Step) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT procedure_key IF NOT EXISTS FOR (n:Procedure) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT dataset_key IF NOT EXISTS FOR (n:Dataset) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (n:Run) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT jobrun_key IF NOT EXISTS FOR (n:JobRun) REQUIRE n.key IS UNIQUE;
CREATE INDEX procedure_family IF NOT EXISTS FOR (n:Procedure) ON (n.family);
CREATE INDEX procedure_name IF NOT EXISTS FOR (n:Procedure) ON (n.name);
CREATE INDEX process_name IF NOT EXISTS FOR (n:Process) ON (n.name);
CREATE INDEX step_name IF NOT EXISTS FOR (n:Step) ON (n.name);
CREATE INDEX run_started_at IF NOT EXISTS FOR (n:Run) ON (n.started_at);
