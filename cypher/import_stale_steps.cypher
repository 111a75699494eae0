// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, 2/6: steps the config no longer has leave the process, but
// never the graph: their HAS_STEP edge becomes HAD_STEP {retired_at}, so
// their past JobRuns keep their OF links; their dataset and order edges go
// (they describe the config as it is now). A step the config has again
// loses its HAD_STEP here and gets its HAS_STEP back in import_steps, on the
// same node (same key): no duplicate.
// $process: process key; $names: the step (section) names the config has now.
// The examples change nothing:
// :param process => null
// :param names => []
MATCH (p:Process {key: $process})
CALL (p) {
  MATCH (p)-[h:HAD_STEP]->(s:Step)
  WHERE s.name IN $names
  DELETE h
}
CALL (p) {
  MATCH (p)-[h:HAS_STEP]->(s:Step)
  WHERE NOT s.name IN $names
  MERGE (p)-[r:HAD_STEP]->(s)
    ON CREATE SET r.retired_at = datetime()
  DELETE h
  WITH DISTINCT s
  MATCH (s)-[e:READS|WRITES|DELETES|AFTER]-()
  DELETE e
}
