// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, first (its own transactions): steps of this process that an
// earlier import wrote but never made current, because it was killed or
// another import of the process superseded it: no HAS_STEP, no HAD_STEP,
// no run. Nothing links to such a step but its own edges (and, for a process
// the graph did not have, the HAS_STEP of its draft: import_draft.cypher,
// which goes once its steps have gone). (A step with runs stays: its process
// was deleted by hand; the import links it again.)
// The examples write nothing:
// :param process => null
MATCH (s:Step {process: $process})
WHERE NOT EXISTS { (:Process)-[:HAS_STEP|HAD_STEP]->(s) } AND NOT EXISTS { (:JobRun)-[:OF]->(s) }
CALL (s) { DETACH DELETE s } IN TRANSACTIONS OF 5000 ROWS
WITH count(*) AS steps
OPTIONAL MATCH (d:ProcessDraft {key: $process})
FOREACH (x IN CASE WHEN d IS NULL THEN [] ELSE [d] END | DETACH DELETE x)
