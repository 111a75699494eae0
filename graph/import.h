#ifndef PMETA_IMPORT_H
#define PMETA_IMPORT_H

/*
 * Writes a compiled config into the graph: schedule, process, steps,
 * procedures, datasets and the READS / WRITES / DELETES / AFTER edges, in
 * ONE transaction of UNWIND-batched statements (cypher/import_*.cypher).
 * Edges the config no longer has are removed, steps it no longer has are
 * retired; other processes' nodes are left alone. Running it twice creates nothing the second time.
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

/*
 * cfg must have compiled without errors and come from config_load. ws is
 * the workspace that owns what is written (graph/keys.h); nodes of other
 * workspaces are never read, changed or deleted. A step the config no
 * longer has is retired, not deleted: its HAS_STEP edge becomes HAD_STEP
 * {retired_at}, and its past JobRuns keep their OF links (docs/graph.md).
 */
int import_config(struct neo4j *db, const char *ws, const struct config *cfg,
		  struct import_stats *stats);

#endif
