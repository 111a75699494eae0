// pmeta's own write query, not to be pasted: pmeta run, status and sync run it.
// One run: its properties, the process it ran and the run it resumed.
// $run is a map of plain values (key, id, workspace, status, started_at,
// finished_at, process, ...); times arrive as ISO 8601 text and are stored
// as datetime values. $resume_key: the key of the run it resumes, or null.
// The examples write nothing (a null key is refused):
// :param run => null
// :param resume_key => null
MERGE (r:Run {key: $run.key})
SET r += $run
SET r.started_at = datetime(r.started_at), r.finished_at = datetime(r.finished_at)
WITH r
OPTIONAL MATCH (p:Process {key: $run.process})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (r)-[:OF]->(p))
WITH r
OPTIONAL MATCH (o:Run {key: $resume_key})
FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | MERGE (r)-[:RESUMES]->(o))
RETURN r.id AS id
