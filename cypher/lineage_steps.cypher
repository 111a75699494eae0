// The steps of process versions, in config order, with the procedure each runs.
// :param keys => ['ws/sche_001/p_002_v_000']
UNWIND $keys AS key
MATCH (p:Process {key: key})-[:HAS_STEP]->(s:Step)
OPTIONAL MATCH (s)-[:RUNS]->(pr:Procedure)
RETURN key, s.key AS step_key, s.name AS step, pr.key AS procedure
ORDER BY key, s.order, step_key
