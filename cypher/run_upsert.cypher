// One run: its properties, the process it ran and the run it resumed.
// $run is a map of plain values (id, status, started_at, finished_at, process, ...).
MERGE (r:Run {id: $run.id})
SET r += $run
WITH r
OPTIONAL MATCH (p:Process {key: $run.process})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (r)-[:OF]->(p))
WITH r
OPTIONAL MATCH (o:Run {id: $run.resume_of})
FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | MERGE (r)-[:RESUMES]->(o))
RETURN r.id AS id
