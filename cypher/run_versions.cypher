// pmeta status: who wrote each version a run ran. One row per procedure
// version of the run's jobs, with the blob that ran (hashed at start) and
// the registry's facts about the version (graph/registry.h).
// :param key => 'ws/20261121T101500Z-a3f9'
MATCH (:Run {key: $key})-[:HAS_JOB]->(j:JobRun)
WITH j.procedure_key AS key, j.procedure AS name, collect(DISTINCT j.blob) AS blobs,
  collect(DISTINCT j.step) AS steps
OPTIONAL MATCH (v:Procedure {key: key})
RETURN name, key, blobs, steps, v.author AS author, v.author_email AS author_email,
  v.created_at AS created_at, v.forked_from AS forked_from, v.blob AS blob
ORDER BY name
