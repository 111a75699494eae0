// The incremental steps that read a dataset (`pmeta items --dataset D
// --pending`): current steps with an `items` key, with their process.
//   :param key => "lab-ana/sche_001/proc_001_v_000"
MATCH (d:Dataset {key: $key})<-[:READS]-(s:Step)<-[:HAS_STEP]-(p:Process)
WHERE s.items IS NOT NULL
RETURN p.schedule AS schedule, p.name AS process, s.name AS step
ORDER BY process, step
