// pmeta's own write query, not to be pasted: pmeta run runs it.
// The first write of a live run's job records ($run: its key): JobRun nodes
// no earlier request wrote (run/recorder.c sends a job here once, and after
// a failed request run_jobs_upsert.cypher instead, since a commit whose
// reply was lost may have written it). CREATE, not MERGE: a fifth less work
// for Neo4j than the upsert, on the request a run of 1,000 jobs waits for
// most. $jobs as in run_jobs_upsert.cypher.
// The examples write nothing:
// :param run => null
// :param jobs => []
MATCH (r:Run {key: $run})
UNWIND $jobs AS j
CREATE (jr:JobRun)
SET jr = j
SET jr.started_at = datetime(jr.started_at), jr.finished_at = datetime(jr.finished_at)
CREATE (r)-[:HAS_JOB]->(jr)
WITH jr, j
OPTIONAL MATCH (s:Step {key: j.step_key})
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | CREATE (jr)-[:OF]->(s))
RETURN count(jr) AS jobs
