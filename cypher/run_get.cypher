// One run (by its key: graph/keys.h) with its jobs in plan order.
// :param key => 'ws/20261121T101500Z-1f4a'
MATCH (r:Run {key: $key})
OPTIONAL MATCH (r)-[:HAS_JOB]->(j:JobRun)
WITH r, j ORDER BY j.index
RETURN properties(r) AS run, [x IN collect(j) | properties(x)] AS jobs
