// A batch of job records of one run: $jobs is a list of maps of plain values
// (key, step, step_key, shard, status, exit_code, attempts, started_at, ...).
MATCH (r:Run {id: $run})
UNWIND $jobs AS j
MERGE (jr:JobRun {key: j.key})
SET jr += j
MERGE (r)-[:HAS_JOB]->(jr)
WITH jr, j
OPTIONAL MATCH (s:Step {key: j.step_key})
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | MERGE (jr)-[:OF]->(s))
RETURN count(jr) AS jobs
