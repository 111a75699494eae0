#ifndef PMETA_LINEAGE_H
#define PMETA_LINEAGE_H

/*
 * Fork lineage in the graph: writing the version nodes and FORKED_FROM
 * edges that git's fork commits record (pmeta fork, pmeta sync), and
 * reading a version's ancestry, descendants and usage (pmeta lineage).
 */

#include <stddef.h>

#include <jansson.h>

struct neo4j;
struct fork_record;

/* Rows per UNWIND statement when writing many forks. */
#define LINEAGE_BATCH 500

struct lineage_stats {
	long forks;           /* rows written */
	long nodes_created;
	long edges_created;   /* relationships of any type */
	long properties_set;
};

/*
 * Upserts the versions and FORKED_FROM edges of recs (procedures and
 * processes) of workspace ws in one transaction, in batches of
 * LINEAGE_BATCH rows. stats may be NULL. 0, or -1 with a PM_ENEO4J error.
 */
int lineage_write_forks(struct neo4j *db, const char *ws, const struct fork_record *recs, size_t n,
			struct lineage_stats *stats);

/*
 * The properties every version node carries (new reference): key,
 * workspace, name, schedule, family, version (null when NULL) and path.
 * kind is a vcs/version.h enum version_kind. Fork rows (lineage) and
 * registry rows both start from it.
 */
json_t *version_node_props(const char *ws, int kind, const char *schedule, const char *name,
			   const char *family, const char *version, const char *path);

/* The parameter row the sync_*_forks queries take for one record (new reference). */
json_t *lineage_fork_row(const char *ws, const struct fork_record *rec);

/*
 * Resolves a version name ("proc_004_v_000" or "sche_001/proc_004_v_000")
 * to the key of workspace ws's node; *key and *kind ("procedure"/"process")
 * are the caller's to free. PM_EGIT error when the workspace's graph does
 * not know it or when the bare name is in several schedules.
 */
int lineage_resolve(struct neo4j *db, const char *ws, const char *name, char **key, char **kind);

struct lineage_query {
	const char *key;
	int up, down;      /* directions wanted (both when neither is set) */
	long depth;        /* generations each way; < 0 = all */
	int usage;         /* also where each version is used */
};

/*
 * The lineage as a new JSON object:
 *   {"key", "kind", "nodes": [{"key","name","kind","path","blob","commit","depth",
 *     "parent","bump","fork_commit","at","used_by":[{"process","process_key","step",
 *     "step_key","datasets":[{"rel","dataset","key","producers","consumers"}]}],
 *     "steps":[{"step","step_key","procedure"}]}]}
 * nodes ordered by depth (ancestors negative), then key. Every node has
 * every field (docs/schema/lineage.schema.json): a procedure's "steps" and
 * a process's "used_by" are null.
 */
int lineage_load(json_t **out, struct neo4j *db, const struct lineage_query *q);

#endif
