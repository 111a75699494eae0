// Neo4j Browser: the fork lineage of a version as a graph, its ancestors and
// descendants, the steps and processes that use each of them and the
// datasets those steps read and write. `pmeta lineage NAME --format url`
// opens this with the parameter set. Style: `:style` then drop cypher/pmeta.grass.
// :param key => 'sche_001/proc_004_v_000'
MATCH (v:Procedure|Process {key: $key})
OPTIONAL MATCH up = (v)-[:FORKED_FROM*1..]->()
WITH v, collect(up) AS ups
OPTIONAL MATCH down = ()-[:FORKED_FROM*1..]->(v)
WITH v, ups, collect(down) AS downs
UNWIND [v] + [p IN ups | last(nodes(p))] + [p IN downs | head(nodes(p))] AS x
OPTIONAL MATCH use = (:Process)-[:HAS_STEP]->(s:Step)-[:RUNS]->(x)
OPTIONAL MATCH io = (s)-[:READS|WRITES]->(:Dataset)
RETURN v, ups, downs, collect(DISTINCT use) AS uses, collect(DISTINCT io) AS datasets
