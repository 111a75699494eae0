// pmeta graph contract, third version (docs/graph.md, docs/run.md): a run
// keeps the text of the config it ran, once per distinct content hash and
// workspace, in (:ConfigText {key, workspace, hash, text}) linked from the
// Run by USED_CONFIG; a count is named n<thing> (Run.njobs), a list by the
// plural (status --json "jobs"). One statement per request; every statement
// is safe to run again.
CREATE CONSTRAINT config_text_key IF NOT EXISTS FOR (n:ConfigText) REQUIRE n.key IS UNIQUE;
CREATE INDEX config_text_workspace IF NOT EXISTS FOR (n:ConfigText) ON (n.workspace);
//
// Run.jobs held the number of jobs a run recorded: it is Run.njobs now.
MATCH (r:Run) WHERE r.jobs IS NOT NULL AND r.njobs IS NULL
CALL (r) { SET r.njobs = r.jobs REMOVE r.jobs } IN TRANSACTIONS OF 10000 ROWS;
