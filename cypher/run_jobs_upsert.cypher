// pmeta's own write query, not to be pasted: pmeta run, status and sync run it.
// A batch of job records of one run ($run: its key): $jobs is a list of maps
// of plain values (key, workspace, step, step_key, shard, status, exit_code,
// attempts, started_at, ...); times arrive as ISO 8601 text and are stored
// as datetime values.
// The examples write nothing:
// :param run => null
// :param jobs => []
MATCH (r:Run {key: $run})
UNWIND $jobs AS j
MERGE (jr:JobRun {key: j.key})
SET jr += j
SET jr.started_at = datetime(jr.started_at), jr.finished_at = datetime(jr.finished_at)
MERGE (r)-[:HAS_JOB]->(jr)
WITH jr, j
OPTIONAL MATCH (s:Step {key: j.step_key})
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | MERGE (jr)-[:OF]->(s))
RETURN count(jr) AS jobs
