// The run plan's subgraph: one process and, per step, a compact row
//   [order, name, line, max_shard, timeout, retries,
//    procedure name, script path, blob, [orders of the steps it runs after],
//    [text of the step keys named in $params],
//    [patch forks of its procedure, with $latest_patch],
//    priority, [the key saying whether it runs, its value] or null]
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
OPTIONAL MATCH (p)-[:HAS_STEP]->(s:Step)-[:RUNS]->(pr:Procedure)
WITH p, collect([s.order, s.name, s.line, s.max_shard, s.timeout, s.retries,
    pr.name, pr.path, pr.blob,
    [(s)-[:AFTER]->(d:Step) WHERE d.process = p.key | d.order],
    [k IN $params | coalesce(
        head([r IN coalesce(s.raw_values, []) WHERE r STARTS WITH k + '=' | substring(r, size(k) + 1)]),
        s[k])],
    CASE WHEN $latest_patch AND size(pr.version) = 3 THEN COLLECT {
        MATCH (x:Procedure {family: pr.family})
        WHERE x.workspace = pr.workspace AND x.schedule = pr.schedule AND size(x.version) = 3
          AND substring(x.version, 0, 2) = substring(pr.version, 0, 2)
        RETURN [x.name, x.path, x.blob]
      } ELSE [] END,
    s.priority,
    CASE WHEN s.enabled IS NOT NULL THEN ['enabled', s.enabled]
         WHEN s.is_enable IS NOT NULL THEN ['is_enable', s.is_enable] END]) AS steps
RETURN p {.key, .name, .schedule, .workspace, .config, .config_hash, .inputs} AS process, steps
