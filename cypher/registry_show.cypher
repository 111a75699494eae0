// pmeta show: one version's card. Its properties (registry facts included),
// the version it was forked from and the forks made from it, where it is
// used (steps running a procedure; a process's own steps) and its last runs:
// a procedure's JobRuns (whichever step ran it), a process's Runs.
// :param key => 'ws/sche_001/proc_004_v_001'
// :param runs => 5
CALL () {
  MATCH (v:Procedure {key: $key}) RETURN v
  UNION
  MATCH (v:Process {key: $key}) RETURN v
}
RETURN CASE WHEN v:Process THEN 'process' ELSE 'procedure' END AS kind,
  properties(v) AS version,
  [(v)-[f:FORKED_FROM]->(s) | {name: s.name, key: s.key, bump: f.bump, at: f.at, commit: f.commit}] AS forked_from,
  COLLECT {
    MATCH (c)-[f:FORKED_FROM]->(v)
    RETURN {name: c.name, key: c.key, bump: f.bump, at: f.at} ORDER BY f.at, c.name
  } AS forks,
  COLLECT {
    MATCH (p:Process)-[:HAS_STEP]->(s:Step)-[:RUNS]->(v)
    RETURN {process: p.name, process_key: p.key, step: s.name} ORDER BY p.key, s.name
  } AS used_by,
  COLLECT {
    MATCH (v)-[:HAS_STEP]->(s:Step)-[:RUNS]->(pr:Procedure)
    RETURN {step: s.name, procedure: pr.name} ORDER BY s.order
  } AS steps,
  CASE WHEN v:Process THEN COLLECT {
    MATCH (r:Run)-[:OF]->(v)
    RETURN {run: r.id, status: r.status, started_at: r.started_at, finished_at: r.finished_at}
    ORDER BY r.id DESC LIMIT $runs
  } ELSE COLLECT {
    MATCH (j:JobRun {workspace: v.workspace}) WHERE j.procedure_key = v.key
    RETURN {run: j.run, step: j.step, shard: j.shard, status: j.status, started_at: j.started_at,
            finished_at: j.finished_at, blob: j.blob}
    ORDER BY j.run DESC, j.step, j.shard LIMIT $runs
  } END AS runs
