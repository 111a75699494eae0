// The run plan's subgraph: one row for the process, then one row per step,
// each a list; rows come in any order (the planner sorts steps by order):
//   [-1, key, name, schedule, config, config_hash, inputs]
//   [order, name, line, max_shard, timeout, retries,
//    procedure name (null when it is the step's name),
//    script path (null when it is <schedule>/pys/<procedure>.py), blob,
//    [orders of the steps it runs after],
//    [text of the step keys named in $params],
//    [patch forks of its procedure, with $latest_patch]]
// Only the current steps (HAS_STEP; a retired step has HAD_STEP). A step
// key's text is its config text when the typed value would print otherwise
// (raw_values: "threshold=0.50"), else the typed value for pmeta to print.
// Patch forks: same workspace, schedule and family, same major and minor
// digit (the graph's part of `pmeta plan --latest-patch`; the planner adds
// the scripts on disk).
//   :param process => "ws/sche_001/p_002_v_000"
//   :param params => []
//   :param latest_patch => false
MATCH (p:Process {key: $process})
CALL {
  WITH p
  RETURN [-1, p.key, p.name, p.schedule, p.config, p.config_hash, p.inputs] AS row
  UNION ALL
  WITH p
  // No label tests: HAS_STEP, RUNS and AFTER only join steps and procedures,
  // and each test read every step again (300,000 db hits at 100,000 steps).
  MATCH (p)-[:HAS_STEP]->(s)-[:RUNS]->(pr)
  RETURN [s.order, s.name, s.line, s.max_shard, s.timeout, s.retries,
    CASE WHEN pr.name = s.name THEN null ELSE pr.name END,
    CASE WHEN pr.path = p.schedule + '/pys/' + pr.name + '.py' THEN null ELSE pr.path END,
    pr.blob,
    [(s)-[:AFTER]->(d) WHERE d.process = p.key | d.order],
    [k IN $params | coalesce(
        head([r IN coalesce(s.raw_values, []) WHERE r STARTS WITH k + '=' | substring(r, size(k) + 1)]),
        s[k])],
    CASE WHEN $latest_patch AND size(pr.version) = 3 THEN COLLECT {
        MATCH (x:Procedure {family: pr.family})
        WHERE x.workspace = pr.workspace AND x.schedule = pr.schedule AND size(x.version) = 3
          AND substring(x.version, 0, 2) = substring(pr.version, 0, 2)
        RETURN [x.name, x.path, x.blob]
      } ELSE [] END] AS row
}
RETURN row
