// Neo4j Browser: the fork lineage of a version as a graph: its ancestors and
// descendants with their FORKED_FROM edges, the steps and processes that use
// each of them, and the datasets those steps read and write.
// `pmeta lineage NAME --format url` opens this with the key filled in.
// Style: run `:style`, then drop cypher/pmeta.grass on the Browser.
// :param key => 'ws/sche_001/proc_004_v_000'
MATCH (v:Procedure|Process {key: $key})
CALL (v) {
  MATCH (v)-[:FORKED_FROM*]->(a)
  RETURN DISTINCT a AS n
  UNION
  MATCH (d)-[:FORKED_FROM*]->(v)
  RETURN DISTINCT d AS n
  UNION
  RETURN v AS n
}
OPTIONAL MATCH fork = (n)-[:FORKED_FROM]->()
OPTIONAL MATCH use = (:Process)-[:HAS_STEP]->(s:Step)-[:RUNS]->(n)
OPTIONAL MATCH io = (s)-[:READS|WRITES]->(:Dataset)
RETURN n, fork, use, io
