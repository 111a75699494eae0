// Where procedure versions are used: the steps that run them and their
// processes; for each step the datasets it reads, writes or deletes, with
// the other steps that write them (producers) and read them (consumers).
// :param keys => ['ws/sche_001/proc_004_v_000']
UNWIND $keys AS key
MATCH (p:Process)-[:HAS_STEP]->(s:Step)-[:RUNS]->(v:Procedure {key: key})
RETURN key, p.key AS process_key, p.name AS process, s.key AS step_key, s.name AS step,
  COLLECT {
    MATCH (s)-[io:READS|WRITES|DELETES]->(d:Dataset)
    RETURN {rel: type(io), dataset: d.name, key: d.key,
      producers: COLLECT { MATCH (w:Step)-[:WRITES]->(d) WHERE w <> s RETURN w.key ORDER BY w.key },
      consumers: COLLECT { MATCH (r:Step)-[:READS]->(d) WHERE r <> s RETURN r.key ORDER BY r.key }}
    ORDER BY CASE type(io) WHEN 'READS' THEN 0 WHEN 'WRITES' THEN 1 ELSE 2 END, d.name
  } AS datasets
ORDER BY key, process_key, step_key
