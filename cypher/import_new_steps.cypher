// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import: steps the graph does not have yet, one transaction per batch,
// with their RUNS, dataset and AFTER edges (their procedures and datasets
// exist: import_procedures and import_datasets come first). No reader sees
// them (plans, lineage and every "current" query follow
// (:Process)-[:HAS_STEP]->) until the import's final transaction makes them
// current: a process the graph has links them there (import_link.cypher); a
// process it does not have yet links them here to its draft
// (import_draft.cypher), a node no reader follows, which the final
// transaction relabels (import_promote.cypher). A killed import leaves them
// behind; the next one removes them (import_cleanup.cypher).
// Every lookup comes before any write (the first collect; see
// import_procedures.cypher), and a step of the same batch is found by its
// place in the batch, not looked up.
// $steps: [[name, props, [reads], [writes], [deletes], [after], [after_here]], ...];
// props: {line, order, runs_after, ...step keys, raw_values}; a step key
// `procedure` names the procedure it runs, else the step's name does.
// after: the steps it runs after that exist already (the graph's, earlier
// batches'), by name; after_here: those of this batch, by their index in
// $steps (later batches: import_new_after.cypher). Keys are a prefix from
// graph/keys.c and a name.
// The examples write nothing:
// :param steps => []
// :param process => 'ws/sche_001/p_002_v_000'
// :param workspace => 'ws'
// :param step_prefix => 'ws/sche_001/p_002_v_000/'
// :param procedure_prefix => 'ws/sche_001/'
// :param dataset_prefix => 'ws/sche_001/'
OPTIONAL MATCH (draft:ProcessDraft {key: $process})
UNWIND $steps AS st
MATCH (pr:Procedure {key: $procedure_prefix + coalesce(st[1].procedure, st[0])})
CALL (st) {
  UNWIND [n IN st[2] | [0, n]] + [n IN st[3] | [1, n]] + [n IN st[4] | [2, n]] AS io
  MATCH (d:Dataset {key: $dataset_prefix + io[1]})
  RETURN collect([io[0], d]) AS io
}
CALL (st) {
  UNWIND st[5] AS name
  MATCH (a:Step {key: $step_prefix + name})
  RETURN collect(a) AS after
}
// Something another import removed meanwhile drops the row: pmeta compares
// `written` with what it sent.
WITH draft, st, pr, io, after
WHERE size(io) = size(st[2]) + size(st[3]) + size(st[4]) AND size(after) = size(st[5])
WITH draft, collect([st, pr, io, after]) AS rows
UNWIND rows AS r
WITH draft, r, r[0] AS st, r[1] AS pr
CREATE (s:Step)-[:RUNS]->(pr)
SET s = st[1], s.key = $step_prefix + st[0], s.name = st[0], s.process = $process,
    s.workspace = $workspace
FOREACH (d IN [x IN r[2] WHERE x[0] = 0 | x[1]] | CREATE (s)-[:READS]->(d))
FOREACH (d IN [x IN r[2] WHERE x[0] = 1 | x[1]] | CREATE (s)-[:WRITES]->(d))
FOREACH (d IN [x IN r[2] WHERE x[0] = 2 | x[1]] | CREATE (s)-[:DELETES]->(d))
FOREACH (a IN r[3] | CREATE (s)-[:AFTER]->(a))
FOREACH (d IN CASE WHEN draft IS NULL THEN [] ELSE [draft] END | CREATE (d)-[:HAS_STEP]->(s))
// The batch's own order: steps made in the order of $steps.
WITH collect([s, st[6]]) AS made
UNWIND made AS m
WITH made, m[0] AS s, m[1] AS here
FOREACH (a IN [i IN here | made[i][0]] | CREATE (s)-[:AFTER]->(a))
RETURN count(s) AS written
