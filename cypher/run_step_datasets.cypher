// pmeta run --openlineage: the datasets each step of a process reads, writes
// and deletes (dataset names; the OpenLineage events' inputs and outputs).
// :param process => 'ws/sche_001/p_002_v_000'
MATCH (:Process {key: $process})-[:HAS_STEP]->(s:Step)
RETURN s.name AS step,
  COLLECT { MATCH (s)-[:READS]->(d:Dataset) RETURN d.name ORDER BY d.name } AS reads,
  COLLECT { MATCH (s)-[:WRITES]->(d:Dataset) RETURN d.name ORDER BY d.name } AS writes,
  COLLECT { MATCH (s)-[:DELETES]->(d:Dataset) RETURN d.name ORDER BY d.name } AS deletes
ORDER BY step
