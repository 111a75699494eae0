// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, final transaction: steps the config no longer has leave the
// process, but never the graph: their HAS_STEP edge becomes HAD_STEP
// {retired_at}, so their past JobRuns keep their OF links; their dataset and
// order edges go (they describe the config as it is now). A step the config
// has again loses its HAD_STEP in import_steps.cypher, on the same node
// (same key): no duplicate. Every lookup before any write (see
// import_procedures.cypher).
// $names: a slice of the current steps the config no longer has
// (import_scan.cypher).
// The examples write nothing:
// :param process => null
// :param names => []
// :param step_prefix => 'ws/sche_001/p_002_v_000/'
MATCH (p:Process {key: $process})
UNWIND $names AS name
MATCH (p)-[h:HAS_STEP]->(s:Step {key: $step_prefix + name})
WITH p, collect([h, s]) AS rows
UNWIND rows AS r
WITH p, r[0] AS h, r[1] AS s
MERGE (p)-[x:HAD_STEP]->(s)
  ON CREATE SET x.retired_at = datetime()
DELETE h
WITH DISTINCT s
CALL (s) {
  MATCH (s)-[e:READS|WRITES|DELETES|AFTER]-()
  DELETE e
}
