#ifndef PMETA_IMPORT_H
#define PMETA_IMPORT_H

/*
 * Writes a compiled config into the graph: schedule, process, steps,
 * procedures, datasets and the READS / WRITES / DELETES / AFTER edges, in
 * ONE transaction of UNWIND-batched statements (cypher/import_*.cypher).
 * Edges the config no longer has are removed, steps it no longer has are
 * retired; other processes' nodes are left alone. Running it twice creates nothing the second time.
 *
 * Unless forced, one small query first asks whether the graph already holds
 * what the import would write: the process keeps a digest of the last
 * import's inputs (process key, config path and text, script blobs, import
 * statements). When it matches and the process still has as many steps,
 * nothing is sent and stats->unchanged is set. An edge, a dataset or
 * procedure node or a property edited by hand in the graph is not seen:
 * force rewrites everything.
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

/*
 * cfg must have compiled without errors and come from config_load. ws is
 * the workspace that owns what is written (graph/keys.h); nodes of other
 * workspaces are never read, changed or deleted. A step the config no
 * longer has is retired, not deleted: its HAS_STEP edge becomes HAD_STEP
 * {retired_at}, and its past JobRuns keep their OF links (docs/graph.md).
 */
int import_config(struct neo4j *db, const char *ws, const struct config *cfg, int force,
		  struct import_stats *stats);

#endif
