// The fork lineage of one version, one row per version: its ancestors
// (depth < 0), itself (depth 0) and its descendants (depth > 0), each with
// the version it was forked from and how.
// :param key => 'sche_001/proc_004_v_000'
// :param up => true
// :param down => true
// :param depth => 1000000
MATCH (v:Procedure|Process {key: $key})
CALL {
  WITH v
  RETURN v AS n, 0 AS depth
  UNION
  WITH v
  MATCH p = (v)-[:FORKED_FROM*1..]->(a)
  WHERE $up AND length(p) <= $depth
  RETURN a AS n, -length(p) AS depth
  UNION
  WITH v
  MATCH p = (d)-[:FORKED_FROM*1..]->(v)
  WHERE $down AND length(p) <= $depth
  RETURN d AS n, length(p) AS depth
}
OPTIONAL MATCH (n)-[f:FORKED_FROM]->(parent)
RETURN n.key AS key, n.name AS name, CASE WHEN n:Process THEN 'process' ELSE 'procedure' END AS kind,
  n.path AS path, n.blob AS blob, n.commit AS commit, depth,
  parent.key AS parent, f.bump AS bump, f.commit AS fork_commit, f.at AS at
ORDER BY depth, key
