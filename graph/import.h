#ifndef PMETA_IMPORT_H
#define PMETA_IMPORT_H

/*
 * Writes a compiled config into the graph: schedule, process, steps,
 * procedures, datasets and the READS / WRITES / DELETES / AFTER edges, in
 * ONE transaction of UNWIND-batched statements (cypher/import_*.cypher).
 * Steps and edges the config no longer has are removed; other processes'
 * nodes are left alone. Running it twice creates nothing the second time.
 */

struct neo4j;
struct config;

struct import_stats {
	long nodes_created;
	long nodes_deleted;
	long rels_created;
	long rels_deleted;
	long props_set;
};

/* cfg must have compiled without errors and come from config_load. */
int import_config(struct neo4j *db, const struct config *cfg, struct import_stats *stats);

#endif
