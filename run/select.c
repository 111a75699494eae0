/*
 * Partial reruns: --from, --to, --only and --resume (see run/select.h).
 * Everything here is step-level graph walking on plan.steps[].deps, except
 * --resume, which looks at the earlier run job by job.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/plan.h"
#include "run/select.h"
#include "util/err.h"
#include "util/strbuf.h"

long plan_step_find(const struct plan *plan, const char *name)
{
	size_t i;

	for (i = 0; i < plan->nsteps; i++)
		if (!strcmp(plan->steps[i].name, name))
			return (long)i;
	return -1;
}

/* Marks in mark[] (value 2) every step reachable from the marked ones (value 1). */
static void walk(const struct plan *plan, unsigned char *mark, int downstream)
{
	size_t i, j;
	int changed = 1;

	/* Steps are few next to jobs; a fixpoint over the dep lists is enough
	 * and needs no reverse index. The plan is a DAG, so it ends. */
	while (changed) {
		changed = 0;
		for (i = 0; i < plan->nsteps; i++)
			for (j = 0; j < plan->steps[i].ndeps; j++) {
				size_t d = plan->steps[i].deps[j];

				if (downstream && mark[d] && !mark[i]) {
					mark[i] = 2;
					changed = 1;
				} else if (!downstream && mark[i] && !mark[d]) {
					mark[d] = 2;
					changed = 1;
				}
			}
	}
}

static int find_step(size_t *out, const struct plan *plan, const char *name, const char *opt)
{
	long s = plan_step_find(plan, name);
	size_t i;

	for (i = 0; s < 0 && i < plan->nleft_out; i++)
		if (!strcmp(plan->left_out[i].step, name))
			return pm_error(PM_EUSAGE, "%s: step '%s' is left out of the plan (%s)", opt, name,
					plan->left_out[i].reason);
	if (s < 0)
		return pm_error(PM_EUSAGE, "%s: no step '%s' in process %s/%s", opt, name,
				plan->schedule ? plan->schedule : "?", plan->process ? plan->process : "?");
	*out = (size_t)s;
	return 0;
}

/* The earlier run's jobs sorted by (step, shard) for bsearch; shard -1 = none. */
struct old_entry {
	const char *step;
	long shard;
	const json_t *job;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct old_entry *x = a, *y = b;
	int c = strcmp(x->step, y->step);

	if (c)
		return c;
	return (x->shard > y->shard) - (x->shard < y->shard);
}

static struct old_entry *index_old(const json_t *jobs, size_t *n)
{
	struct old_entry *e = xcalloc(json_array_size(jobs) + 1, sizeof(*e));
	size_t i;

	*n = 0;
	for (i = 0; i < json_array_size(jobs); i++) {
		const json_t *job = json_array_get(jobs, i);
		const json_t *sh = json_object_get(job, "shard");
		const char *step = json_string_value(json_object_get(job, "step"));

		if (!step)
			continue;
		e[*n].step = step;
		e[*n].shard = json_is_integer(sh) ? (long)json_integer_value(sh) : -1;
		e[*n].job = job;
		(*n)++;
	}
	qsort(e, *n, sizeof(*e), cmp_entry);
	return e;
}

static const json_t *old_job(const struct old_entry *e, size_t n, const char *step, int shard)
{
	struct old_entry key = { step, shard < 0 ? -1 : shard, NULL };
	const struct old_entry *hit = bsearch(&key, e, n, sizeof(*e), cmp_entry);

	return hit ? hit->job : NULL;
}

int run_select(struct run_choice *out, const struct plan *plan, const struct run_selection *sel)
{
	unsigned char *from = NULL, *to = NULL, *only = NULL, *failed = NULL, *down = NULL;
	const json_t **old = NULL;
	size_t i, s = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->njobs = plan->njobs;
	out->selected = xcalloc(plan->njobs, 1);
	out->reuse = xcalloc(plan->njobs, sizeof(*out->reuse));
	out->why = xcalloc(plan->njobs, sizeof(*out->why));

	if (sel->from) {
		from = xcalloc(plan->nsteps, 1);
		if (find_step(&s, plan, sel->from, "--from") < 0)
			goto out;
		from[s] = 1;
		walk(plan, from, 1);
	}
	if (sel->to) {
		to = xcalloc(plan->nsteps, 1);
		if (find_step(&s, plan, sel->to, "--to") < 0)
			goto out;
		to[s] = 1;
		walk(plan, to, 0);
	}
	if (sel->nonly) {
		only = xcalloc(plan->nsteps, 1);
		for (i = 0; i < sel->nonly; i++) {
			if (find_step(&s, plan, sel->only[i], "--only") < 0)
				goto out;
			only[s] = 1;
		}
	}
	if (sel->resume_id) {
		/* failed[s]: a job of s did not succeed in R; down[s]: s runs after
		 * such a step (transitively), so all of its jobs rerun. */
		size_t nentries, j;
		struct old_entry *entries = index_old(sel->resume_jobs, &nentries);
		int changed = 1;

		failed = xcalloc(plan->nsteps, 1);
		down = xcalloc(plan->nsteps, 1);
		old = xcalloc(plan->njobs, sizeof(*old));
		for (i = 0; i < plan->njobs; i++) {
			const struct plan_job *pj = &plan->jobs[i];
			const char *st;

			old[i] = old_job(entries, nentries, plan->steps[pj->step].name, pj->shard);
			st = json_string_value(json_object_get(old[i], "status"));
			if (old[i] && (!st || strcmp(st, "succeeded")))
				failed[pj->step] = 1;
		}
		free(entries);
		while (changed) {
			changed = 0;
			for (i = 0; i < plan->nsteps; i++)
				for (j = 0; j < plan->steps[i].ndeps && !down[i]; j++) {
					size_t d = plan->steps[i].deps[j];

					if (failed[d] || down[d]) {
						down[i] = 1;
						changed = 1;
					}
				}
		}
	}

	for (i = 0; i < plan->njobs; i++) {
		const struct plan_job *pj = &plan->jobs[i];
		const char *name = plan->steps[pj->step].name;
		struct strbuf why = STRBUF_INIT;
		int in = 1;

		if (from && !from[pj->step]) {
			in = 0;
			strbuf_addf(&why, "not after --from %s", sel->from);
		}
		if (in && to && !to[pj->step]) {
			in = 0;
			strbuf_addf(&why, "not needed by --to %s", sel->to);
		}
		if (in && only && !only[pj->step]) {
			in = 0;
			strbuf_addstr(&why, "not named by --only");
		}
		if (sel->resume_id) {
			const char *st = json_string_value(json_object_get(old[i], "status"));

			if (!old[i]) {
				if (in)
					strbuf_addf(&why, "not in run %s", sel->resume_id);
				in = 0;
			} else if (st && !strcmp(st, "succeeded") && !down[pj->step]) {
				if (in) {
					out->reuse[i] = old[i];
					out->nreused++;
					strbuf_addf(&why, "reused: succeeded in %s", sel->resume_id);
				}
				in = 0;
			} else if (in) {
				if (st && strcmp(st, "succeeded"))
					strbuf_addf(&why, "%s in %s", st, sel->resume_id);
				else
					strbuf_addf(&why, "downstream of a job to rerun from %s",
						    sel->resume_id);
			}
		}
		if (in && !why.len) {
			if (from && (size_t)plan_step_find(plan, sel->from) == pj->step)
				strbuf_addstr(&why, "--from");
			else if (from)
				strbuf_addf(&why, "after --from %s", sel->from);
			else if (to && (size_t)plan_step_find(plan, sel->to) == pj->step)
				strbuf_addstr(&why, "--to");
			else if (to)
				strbuf_addf(&why, "needed by --to %s", sel->to);
			else if (only)
				strbuf_addstr(&why, "--only");
			else
				strbuf_addstr(&why, "in the plan");
		}
		(void)name;
		out->selected[i] = (unsigned char)in;
		out->nselected += (size_t)in;
		out->why[i] = strbuf_detach(&why, NULL);
	}
	ret = 0;
out:
	free(from);
	free(to);
	free(only);
	free(failed);
	free(down);
	free(old);
	if (ret < 0)
		run_choice_release(out);
	return ret;
}

void run_choice_release(struct run_choice *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; c->why && i < c->njobs; i++)
		free(c->why[i]);
	free(c->why);
	free(c->selected);
	free(c->reuse);
	memset(c, 0, sizeof(*c));
}
