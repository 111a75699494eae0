// pmeta graph contract, second version (DESIGN.md section 3, docs/graph.md):
// every node a workspace owns is keyed "<workspace>/<local key>" and carries
// a `workspace` property; times are datetime values; step keys whose whole
// value is a number or true/false are typed. One statement per request;
// every statement is safe to run again.
//
// Schedules were unique by name, runs by id: now by key, as the others.
DROP CONSTRAINT schedule_name IF EXISTS;
DROP CONSTRAINT run_id IF EXISTS;
CREATE CONSTRAINT schedule_key IF NOT EXISTS FOR (n:Schedule) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT run_key IF NOT EXISTS FOR (n:Run) REQUIRE n.key IS UNIQUE;
CREATE INDEX schedule_name_index IF NOT EXISTS FOR (n:Schedule) ON (n.name);
CREATE INDEX run_id_index IF NOT EXISTS FOR (n:Run) ON (n.id);
CREATE INDEX schedule_workspace IF NOT EXISTS FOR (n:Schedule) ON (n.workspace);
CREATE INDEX process_workspace IF NOT EXISTS FOR (n:Process) ON (n.workspace);
CREATE INDEX step_workspace IF NOT EXISTS FOR (n:Step) ON (n.workspace);
CREATE INDEX procedure_workspace IF NOT EXISTS FOR (n:Procedure) ON (n.workspace);
CREATE INDEX dataset_workspace IF NOT EXISTS FOR (n:Dataset) ON (n.workspace);
CREATE INDEX run_workspace IF NOT EXISTS FOR (n:Run) ON (n.workspace);
CREATE INDEX jobrun_workspace IF NOT EXISTS FOR (n:JobRun) ON (n.workspace);
//
// An earlier pmeta kept the workspace's path in Run.workspace: it is Run.root now.
MATCH (r:Run) WHERE r.key IS NULL AND r.workspace IS NOT NULL
CALL (r) { SET r.root = r.workspace REMOVE r.workspace } IN TRANSACTIONS OF 10000 ROWS;
//
// Nodes without a workspace were written by an earlier pmeta: they wait for
// `pmeta sync` in their workspace, which claims them (cypher/sync_claim.cypher).
MATCH (n:Schedule|Process|Step|Procedure|Dataset|Run|JobRun) WHERE n.workspace IS NULL
CALL (n) { SET n:Unclaimed } IN TRANSACTIONS OF 10000 ROWS;
//
// Times: ISO 8601 text -> datetime.
MATCH (n:Run|JobRun) WHERE n.started_at IS :: STRING OR n.finished_at IS :: STRING
CALL (n) {
  SET n.started_at = datetime(n.started_at), n.finished_at = datetime(n.finished_at)
} IN TRANSACTIONS OF 10000 ROWS;
MATCH ()-[f:FORKED_FROM]->() WHERE f.at IS :: STRING
CALL (f) { SET f.at = datetime(f.at) } IN TRANSACTIONS OF 10000 ROWS;
//
// Step keys: text that is wholly an integer, a float or true/false becomes
// one (graph/value.c). The text stays in raw_values ("threshold=0.50") when
// the typed value prints otherwise, and for every float (Neo4j prints floats
// its own way), so commands made from a template do not change.
MATCH (s:Step)
WITH s, [k IN keys(s) WHERE NOT k IN ['key', 'name', 'process', 'workspace', 'line', 'order', 'raw_values']
  AND s[k] IS :: STRING
  AND (toLower(s[k]) IN ['true', 'false'] OR s[k] =~ '[-+]?[0-9]+'
       OR s[k] =~ '[-+]?([0-9]+[.][0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+')] AS typed
WHERE size(typed) > 0
CALL (s, typed) {
  UNWIND typed AS k
  WITH s, k, s[k] AS text,
    CASE WHEN toLower(s[k]) IN ['true', 'false'] THEN toLower(s[k]) = 'true'
         WHEN s[k] =~ '[-+]?[0-9]+' THEN toIntegerOrNull(s[k])
         ELSE toFloatOrNull(s[k]) END AS value
  WHERE value IS NOT NULL
  SET s[k] = value
  WITH s, k, text, value
  WHERE value IS :: FLOAT OR toString(value) <> text
  SET s.raw_values = coalesce(s.raw_values, []) + [k + '=' + text]
} IN TRANSACTIONS OF 1000 ROWS;
