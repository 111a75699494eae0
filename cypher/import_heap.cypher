// pmeta import, before writing many new steps: the most heap Neo4j's JVM may
// use, in bytes. The final transaction holds one HAS_STEP edge per new step
// until it commits; pmeta refuses an import that would make more new steps
// current at once than that heap holds (docs/config.md, "Large configs,
// atomically"), since a commit that runs out of heap can leave the server
// unable to write until it restarts. Reads nothing of the graph.
CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
RETURN attributes.HeapMemoryUsage.value.properties.max AS heap
