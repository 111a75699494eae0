#ifndef PMETA_IMPORT_H
#define PMETA_IMPORT_H

/*
 * Writes a compiled config into the graph: schedule, process, steps,
 * procedures, datasets and the READS / WRITES / DELETES / AFTER edges, in
 * ONE transaction of UNWIND-batched statements (cypher/import_*.cypher).
 * Steps and edges the config no longer has are removed; other processes'
 * nodes are left alone. Running it twice creates nothing the second time.
 *
 * Unless forced, one small query first asks whether the graph already holds
 * what the import would write: the process keeps a digest of the last
 * import's inputs (config path and text, script blobs, import statements).
 * When it matches and the process still has as many steps, nothing is sent
 * and stats->unchanged is set. An edge, a dataset or procedure node or a
 * property edited by hand in the graph is not seen: force rewrites everything.
 */

struct neo4j;
struct config;

struct import_stats {
	long nodes_created;
	long nodes_deleted;
	long rels_created;
	long rels_deleted;
	long props_set;
	int unchanged;      /* the graph already held it: nothing was written */
};

/* cfg must have compiled without errors and come from config_load. */
int import_config(struct neo4j *db, const struct config *cfg, int force,
		  struct import_stats *stats);

#endif
