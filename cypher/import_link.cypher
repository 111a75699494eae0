// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, final transaction: the new steps, written by
// import_new_steps.cypher and seen by no reader so far, become current:
// HAS_STEP, in the same transaction as every other change of the process, so
// a reader sees the process as it was or as it is now, never half of it.
// Nothing but the edge is written here, and every lookup comes first (see
// import_procedures.cypher): 100,000 of them fit Neo4j's default heap.
// pmeta checks that `linked` is the number it sends (another import of the
// same process at the same time removes them: then this one rolls back).
// $names: a slice of the new steps.
// The examples write nothing:
// :param process => null
// :param names => []
// :param step_prefix => 'ws/sche_001/p_002_v_000/'
MATCH (p:Process {key: $process})
UNWIND $names AS name
MATCH (s:Step {key: $step_prefix + name})
WHERE NOT EXISTS { (:Process)-[:HAS_STEP|HAD_STEP]->(s) }
WITH p, collect(s) AS steps
UNWIND steps AS s
CREATE (p)-[:HAS_STEP]->(s)
RETURN count(s) AS linked
