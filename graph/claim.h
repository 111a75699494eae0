#ifndef PMETA_CLAIM_H
#define PMETA_CLAIM_H

/*
 * Nodes an earlier pmeta wrote have no workspace; migration V0002 labels
 * them :Unclaimed. `pmeta sync` in a workspace claims those that are its
 * own (cypher/sync_claim.cypher, docs/graph.md): the nodes of the schedules
 * it holds and the runs it recorded get its keys and workspace property, in
 * one transaction.
 */

#include <stddef.h>

struct neo4j;

struct claim_stats {
	long schedules, datasets, procedures, steps, processes, runs;
	long merged;        /* old nodes folded into one the workspace had already */
};

/*
 * ws: the workspace's identity; root: its path (an earlier pmeta recorded
 * it on each Run); schedules and runs (ids): what it holds. 0, or -1 with a
 * PM_ENEO4J error.
 */
int claim_legacy(struct neo4j *db, const char *ws, const char *root,
		 char *const *schedules, size_t nschedules, char *const *runs, size_t nruns,
		 struct claim_stats *st);

#endif
