// One run with its jobs in plan order.
MATCH (r:Run {id: $id})
OPTIONAL MATCH (r)-[:HAS_JOB]->(j:JobRun)
WITH r, j ORDER BY j.index
RETURN properties(r) AS run, [x IN collect(j) | properties(x)] AS jobs
