// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, 3/6: upsert the steps, the procedures they run and their
// dataset edges, one row per step (the step node is found once).
// A step's properties are replaced (a key removed from the config goes) but
// only when they differ. A procedure's blob is the git blob id of its script
// when the file exists; its commit belongs to `pmeta fork` and stays.
// Keys are a prefix from graph/keys.c and a name: $step_prefix + step,
// $procedure_prefix + procedure, $dataset_prefix + dataset.
// Two steps may run one procedure (`procedure =`): both MERGE the same node.
// $steps: [[name, {key, name, process, workspace, line, order, caption, ...params}, family,
//           version, blob, [reads], [writes], [deletes], [after], procedure or null], ...]
//           (null: the procedure is named like the step)
// $captions: {dataset or procedure name: its Browser caption} (graph/caption.h).
// The examples write nothing (no process, no steps):
// :param process => null
// :param workspace => 'ws'
// :param schedule => 'sche_001'
// :param step_prefix => 'ws/sche_001/p_002_v_000/'
// :param procedure_prefix => 'ws/sche_001/'
// :param dataset_prefix => 'ws/sche_001/'
// :param steps => []
// :param captions => {}
MATCH (p:Process {key: $process})
UNWIND $steps AS st
WITH p, st, coalesce(st[9], st[0]) AS proc
MERGE (s:Step {key: $step_prefix + st[0]})
FOREACH (_ IN CASE WHEN properties(s) <> st[1] THEN [1] ELSE [] END | SET s = st[1])
MERGE (p)-[:HAS_STEP]->(s)
MERGE (pr:Procedure {key: $procedure_prefix + proc})
WITH s, pr, st, {name: proc, schedule: $schedule, workspace: $workspace, family: st[2], version: st[3],
                 path: $schedule + '/pys/' + proc + '.py', blob: coalesce(st[4], pr.blob),
                 caption: $captions[proc]} AS want
FOREACH (_ IN CASE WHEN any(k IN keys(want) WHERE (pr[k] IS NULL) <> (want[k] IS NULL) OR pr[k] <> want[k])
                   THEN [1] ELSE [] END | SET pr += want)
MERGE (s)-[:RUNS]->(pr)
FOREACH (name IN st[5] |
  MERGE (d:Dataset {key: $dataset_prefix + name})
    ON CREATE SET d.name = name, d.schedule = $schedule, d.workspace = $workspace, d.caption = $captions[name]
  MERGE (s)-[:READS]->(d))
FOREACH (name IN st[6] |
  MERGE (d:Dataset {key: $dataset_prefix + name})
    ON CREATE SET d.name = name, d.schedule = $schedule, d.workspace = $workspace, d.caption = $captions[name]
  MERGE (s)-[:WRITES]->(d))
FOREACH (name IN st[7] |
  MERGE (d:Dataset {key: $dataset_prefix + name})
    ON CREATE SET d.name = name, d.schedule = $schedule, d.workspace = $workspace, d.caption = $captions[name]
  MERGE (s)-[:DELETES]->(d))
