// The naive plan pmeta does not use: every step's stage as the longest
// AFTER path below it, found by asking Neo4j for every path ([:AFTER*]).
// Exponential in the depth of the DAG; bench/plan/run.sh bounds it.
MATCH (:Process {key: $process})-[:HAS_STEP]->(s:Step)
OPTIONAL MATCH path = (s)-[:AFTER*]->(:Step)
WITH s, max(length(path)) AS depth
RETURN s.name AS step, coalesce(depth, 0) AS stage
ORDER BY stage, s.order
