#ifndef PMETA_SELECT_H
#define PMETA_SELECT_H

/*
 * Which jobs of a plan a run runs, and why (for --dry-run).
 *
 *   --from S    S and every step after it (transitively)
 *   --to S      S and every step it needs (transitively)
 *   --only S... exactly those steps (their predecessors are taken as done)
 *   --resume R  the jobs of run R that did not succeed, and every job of R
 *               in a step after theirs; R's other successes (sibling shards
 *               included) are reused (recorded in the new run as succeeded,
 *               with reused_from = R)
 *
 * Given together, the selections intersect.
 */

#include <stddef.h>

#include <jansson.h>

struct plan;

struct run_selection {
	const char *from;          /* step name or NULL */
	const char *to;
	const char **only;         /* step names */
	size_t nonly;
	const char *resume_id;     /* run id or NULL */
	const json_t *resume_jobs; /* that run's job objects (journal_load), borrowed */
};

struct run_choice {
	unsigned char *selected;   /* per plan job: runs now */
	const json_t **reuse;      /* per plan job: the earlier job object reused, or NULL */
	char **why;                /* per plan job: the reason, for --dry-run */
	size_t njobs;
	size_t nselected, nreused;
};

/* Unknown step names are PM_EUSAGE errors. */
int run_select(struct run_choice *out, const struct plan *plan, const struct run_selection *sel);
void run_choice_release(struct run_choice *c);

/* Index of the step called name, or -1. */
long plan_step_find(const struct plan *plan, const char *name);

#endif
