// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, final transaction: the config's steps the graph has already,
// a slice of them per request. A step's properties are replaced (a key
// removed from the config goes) but only when they differ; it becomes
// current (HAS_STEP; a HAD_STEP from an earlier retirement goes); edges it
// no longer has go, edges it has now come. Two steps may run one procedure
// (`procedure =`); a step whose procedure changed moves its RUNS edge. Its
// procedure and datasets exist (import_procedures, import_datasets). Every
// lookup before any write (the collect; see import_procedures.cypher).
// $steps: rows as in import_new_steps.cypher.
// The examples write nothing:
// :param process => null
// :param steps => []
// :param workspace => 'ws'
// :param step_prefix => 'ws/sche_001/p_002_v_000/'
// :param procedure_prefix => 'ws/sche_001/'
// :param dataset_prefix => 'ws/sche_001/'
MATCH (p:Process {key: $process})
UNWIND $steps AS st
MATCH (s:Step {key: $step_prefix + st[0]})
MATCH (pr:Procedure {key: $procedure_prefix + coalesce(st[1].procedure, st[0])})
CALL (st) {
  UNWIND st[2] AS name
  MATCH (d:Dataset {key: $dataset_prefix + name})
  RETURN collect(d) AS reads
}
CALL (st) {
  UNWIND st[3] AS name
  MATCH (d:Dataset {key: $dataset_prefix + name})
  RETURN collect(d) AS writes
}
CALL (st) {
  UNWIND st[4] AS name
  MATCH (d:Dataset {key: $dataset_prefix + name})
  RETURN collect(d) AS deletes
}
CALL (st) {
  UNWIND st[5] AS name
  MATCH (a:Step {key: $step_prefix + name})
  RETURN collect(a) AS after
}
// Something another import removed meanwhile drops the row: pmeta compares
// `written` with what it sent.
WITH p, s, st, pr, reads, writes, deletes, after
WHERE size(reads) = size(st[2]) AND size(writes) = size(st[3]) AND size(deletes) = size(st[4])
  AND size(after) = size(st[5])
WITH p, collect({s: s, st: st, pr: pr, reads: reads, writes: writes, deletes: deletes,
                 after: after}) AS rows
UNWIND rows AS r
WITH p, r, r.s AS s, r.pr AS pr, r.st[1] AS given
WITH p, r, s, pr,
     given {.*, key: s.key, name: r.st[0], process: $process, workspace: $workspace} AS want
FOREACH (_ IN CASE WHEN properties(s) <> want THEN [1] ELSE [] END | SET s = want)
MERGE (p)-[:HAS_STEP]->(s)
WITH p, r, s, pr
CALL (p, s) {
  MATCH (p)-[h:HAD_STEP]->(s)
  DELETE h
}
CALL (r, s, pr) {
  MATCH (s)-[e:READS|WRITES|DELETES|AFTER|RUNS]->(x)
  WHERE CASE type(e)
          WHEN 'RUNS' THEN x <> pr
          WHEN 'READS' THEN NOT x IN r.reads
          WHEN 'WRITES' THEN NOT x IN r.writes
          WHEN 'DELETES' THEN NOT x IN r.deletes
          ELSE NOT x IN r.after END
  DELETE e
}
MERGE (s)-[:RUNS]->(pr)
FOREACH (d IN r.reads | MERGE (s)-[:READS]->(d))
FOREACH (d IN r.writes | MERGE (s)-[:WRITES]->(d))
FOREACH (d IN r.deletes | MERGE (s)-[:DELETES]->(d))
FOREACH (a IN r.after | MERGE (s)-[:AFTER]->(a))
RETURN count(s) AS written
