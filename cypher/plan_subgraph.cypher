// The run plan's subgraph: one process, its steps in config order, the
// procedure each runs, the steps each runs after (by their config order),
// and with $latest_patch the patch forks of each procedure (same family,
// same major and minor digit) the graph knows.
//   :param process => "sche_001/p_002_v_000"
//   :param latest_patch => false
MATCH (p:Process {key: $process})
OPTIONAL MATCH (p)-[:HAS_STEP]->(s:Step)
OPTIONAL MATCH (s)-[:RUNS]->(pr:Procedure)
WITH p, s, pr
ORDER BY s.order
WITH p, collect({
    step: s {.*},
    procedure: pr {.key, .name, .family, .version, .path, .blob},
    deps: [(s)-[:AFTER]->(d:Step)<-[:HAS_STEP]-(p) | d.order],
    patches: CASE WHEN $latest_patch AND size(pr.version) = 3 THEN COLLECT {
        MATCH (x:Procedure {family: pr.family})
        WHERE x.schedule = pr.schedule AND size(x.version) = 3
          AND substring(x.version, 0, 2) = substring(pr.version, 0, 2)
        RETURN x {.key, .name, .version, .path, .blob}
      } ELSE [] END
  }) AS rows
RETURN p {.key, .name, .schedule, .prname, .version, .config, .config_hash, .inputs} AS process,
       [r IN rows WHERE r.step IS NOT NULL] AS steps
