#ifndef PMETA_ITEMS_H
#define PMETA_ITEMS_H

/*
 * Incremental steps in a run (docs/run.md, "Only what is new"): which
 * steps of a plan have items, the gate that computes a job's gap when it
 * becomes ready and hands it its items (or settles it up_to_date), and
 * what a finished job processed, written to the step's ledger
 * (run/ledger.h, the local truth) and from there to the graph.
 *
 *   items_plan_load(&ip, db, plan, root)     the plan's incremental steps (one query)
 *   items_run_init(&ir, ip, plan, opts)      ledgers load lazily
 *   items_up_to_date(ir, selected)           before a run: is there anything to do?
 *   runner options .gate = items_gate, .settled = items_settled, .gate_data = ir
 *   ... run ...
 *   items_run_sync(ir, db)                   the new lineage to Neo4j; compaction
 *   items_run_free(ir); items_plan_free(ip)
 *
 * A job of an incremental step gets its items in <run dir>/<step>[.<shard>]
 * .items (PMETA_ITEMS), and may name the ones it really finished in
 * <run dir>/<step>[.<shard>].done (PMETA_DONE). Only a job that succeeded
 * processed anything.
 */

#include <stddef.h>

#include "run/gap.h"

struct neo4j;
struct plan;
struct runner;

struct items_plan {
	char *root;                 /* workspace root */
	char *data_root;            /* absolute: where the schedule's datasets live */
	struct items_step *steps;   /* the incremental steps, in the graph's order */
	size_t nsteps;
	struct items_step **by_step;  /* per plan step: its settings, or NULL */
	size_t nplan_steps;
};

/*
 * The incremental steps of plan (cypher/items_steps.cypher) and the data
 * root (base.conf). *out has nsteps == 0 for a process without any.
 */
int items_plan_load(struct items_plan **out, struct neo4j *db, const struct plan *plan,
		    const char *root);
void items_plan_free(struct items_plan *ip);

struct items_run_options {
	const char *run_id;         /* NULL for a check that runs nothing */
	const char *run_dir;        /* absolute; where items files go */
	int force;                  /* --run-mode force: every incremental step runs with every item */
	int read_only;              /* look only (pmeta items --pending): never write a ledger */
};

struct items_run;

int items_run_init(struct items_run **out, const struct items_plan *ip, const struct plan *plan,
		   const struct items_run_options *opts);
/* The run's id and folder, known only once the run is made. */
void items_run_set_dir(struct items_run *ir, const char *run_id, const char *run_dir);
void items_run_free(struct items_run *ir);

/*
 * 1 when no selected job has anything to do: every one is of an
 * incremental step, none is forced, and every gap is empty (then nothing
 * the run would start could make a gap either). 0 when something would
 * run, -1 with an error recorded. *nitems (may be NULL): the items looked at.
 */
int items_up_to_date(struct items_run *ir, const unsigned char *selected, size_t *nitems);

/* The gap of plan step `step` now (appended to *gap); -1 when it is not incremental or on error. */
int items_pending(struct items_run *ir, size_t step, struct item_list *gap);
/* The settings of plan step `step`, or NULL when it is not incremental. */
const struct items_step *items_run_step(const struct items_run *ir, size_t step);

/* The runner's gate and settle hooks (run/runner.h); data is the items_run. */
int items_gate(void *data, struct runner *r, size_t job);
void items_settled(void *data, struct runner *r, size_t job);

/* A job left items for a later run (its batch was full): --drain goes on. */
int items_run_left(const struct items_run *ir);
/* Problems that did not stop the run (a ledger write, PMETA_DONE lines naming nothing), or NULL. */
const char *items_run_warning(const struct items_run *ir);

/*
 * Writes what this run's jobs processed to Neo4j (ledger_sync of each
 * step it touched), then compacts those ledgers when they may. -1 with an
 * error recorded: the ledgers keep it for `pmeta sync`.
 */
int items_run_sync(struct items_run *ir, struct neo4j *db, const char *ws, size_t *nitems);

/*
 * Forgets the looks kept between cycles (with watch_end, at the end of a
 * loop). A look that found nothing new vouches for the next cycle while
 * the step's folders are unchanged (run/watch.h, when watch_enable was
 * called) and its ledger is the same file, for at most 5 minutes.
 */
void items_looks_forget(void);

/*
 * The light record of a cycle that found nothing new: the process's
 * local check count (<root>/.pmeta/items/<schedule>/<process>/checks) is
 * bumped, and Process.checked_at / Process.checks set in Neo4j. *checks
 * gets the count. -1 with an error recorded when Neo4j did not take it
 * (the local count stays; the next check writes it).
 */
int items_record_check(struct neo4j *db, const struct plan *plan, const char *root,
		       long long *checks);

#endif
