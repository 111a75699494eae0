// The run plan's subgraph: one row for the process, then one row per step,
// each a list; rows come in any order (the planner sorts steps by order):
//   [-1, key, name, schedule, config, config_hash, inputs]
//   [order, name, line, max_shard, timeout, retries,
//    procedure (its `procedure =` key; null: the step's name),
//    runs_after: [orders of the steps it runs after],
//    [[key, text] of each step key named in $params that the step has],
//    priority, [the key saying whether it runs, its value] or null]
// One node per current step (HAS_STEP; a retired step has HAD_STEP, a
// step an import is still writing neither), and nothing expanded from it:
// import writes what a plan needs onto the step (the orders of the steps it
// runs after, priority, enabled, every step key, cypher/import_*.cypher; a
// job's script is hashed when the job starts, vcs/provenance.h, so no
// procedure is read; --latest-patch is cypher/plan_patches.cypher). A step
// key's text is its config text when the typed value would print otherwise
// (raw_values: "threshold=0.50"), else the typed value for pmeta to print.
// Only the keys some step of the process has are looked at (the process's
// step_keys, written by import; a process imported before it had them: all
// of $params): most plans ask for none, and a row then carries [].
//   :param process => "ws/sche_001/p_002_v_000"
//   :param params => []
MATCH (p:Process {key: $process})
WITH p, CASE WHEN p.step_keys IS NULL THEN $params
             ELSE [k IN $params WHERE k IN p.step_keys] END AS ks
CALL (p, ks) {
  RETURN [-1, p.key, p.name, p.schedule, p.config, p.config_hash, p.inputs] AS row
  UNION ALL
  MATCH (p)-[:HAS_STEP]->(s)
  RETURN [s.order, s.name, s.line, s.max_shard, s.timeout, s.retries,
    s.procedure, s.runs_after,
    [k IN ks WHERE s[k] IS NOT NULL | [k, coalesce(
        head([r IN coalesce(s.raw_values, []) WHERE r STARTS WITH k + '=' | substring(r, size(k) + 1)]),
        s[k])]],
    s.priority,
    CASE WHEN s.enabled IS NOT NULL THEN ['enabled', s.enabled]
         WHEN s.is_enable IS NOT NULL THEN ['is_enable', s.is_enable] END] AS row
}
RETURN row
