// The fork lineage of one version, one row per version: its ancestors ($up),
// itself, and its descendants ($down), each with the version it was forked
// from and how. RETURN DISTINCT lets Neo4j expand the FORKED_FROM chains
// breadth-first with pruning instead of enumerating every path (a 1,000-deep
// chain: ~10 ms instead of seconds); pmeta works out each version's depth
// from the parent links and applies --depth itself.
// :param key => 'ws/sche_001/proc_004_v_000'
// :param up => true
// :param down => true
MATCH (v:Procedure|Process {key: $key})
CALL (v) {
  MATCH (v)-[:FORKED_FROM*]->(a)
  WHERE $up
  RETURN DISTINCT a AS n
  UNION
  MATCH (d)-[:FORKED_FROM*]->(v)
  WHERE $down
  RETURN DISTINCT d AS n
  UNION
  RETURN v AS n
}
OPTIONAL MATCH (n)-[f:FORKED_FROM]->(parent)
RETURN n.key AS key, n.name AS name, CASE WHEN n:Process THEN 'process' ELSE 'procedure' END AS kind,
  n.path AS path, n.blob AS blob, n.commit AS commit,
  parent.key AS parent, f.bump AS bump, f.commit AS fork_commit, f.at AS at
