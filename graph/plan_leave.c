/*
 * Steps a plan leaves out (`enabled = false`, docs/config.md): they are
 * taken out of the step graph before it is layered, and the steps that ran
 * after them wait for their predecessors instead, so switching a step off
 * never lets its dependents start early. The graph in Neo4j keeps the
 * config's own order (AFTER edges): only plans skip the step.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/plan.h"
#include "util/strbuf.h"

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The deps of step s with every left-out step replaced by its own deps,
 * transitively: a walk over deps that crosses left-out steps only. mark
 * holds the walk's stamp per step (so each walk needs no clearing).
 */
static void bypass(const struct plan *plan, size_t s, size_t *mark, size_t stamp, size_t *stack,
		   size_t **out, size_t *nout)
{
	const struct plan_step *st = &plan->steps[s];
	size_t top = 0, i, n = 0, alloc = st->ndeps + 1;

	for (i = 0; i < st->ndeps; i++)
		stack[top++] = st->deps[i];
	*out = xmalloc(alloc * sizeof(size_t));
	while (top) {
		size_t d = stack[--top];

		if (d >= plan->nsteps || mark[d] == stamp)
			continue;
		mark[d] = stamp;
		if (!plan->steps[d].left_out) {
			if (n == alloc) {
				alloc *= 2;
				*out = xrealloc(*out, alloc * sizeof(size_t));
			}
			(*out)[n++] = d;
			continue;
		}
		for (i = 0; i < plan->steps[d].ndeps; i++)
			if (mark[plan->steps[d].deps[i]] != stamp)
				stack[top++] = plan->steps[d].deps[i];
	}
	qsort(*out, n, sizeof(size_t), cmp_size);
	*nout = n;
}

void plan_leave_out(struct plan *plan, json_t *params)
{
	size_t n = plan->nsteps, i, j, kept = 0, nout = 0, nedges = 0;
	size_t *mark, *stack, *newidx, **deps, *ndeps;

	for (i = 0; i < n; i++) {
		nout += plan->steps[i].left_out != NULL;
		nedges += plan->steps[i].ndeps;
	}
	if (!nout)
		return;
	mark = xcalloc(n + 1, sizeof(size_t));
	/* A walk pushes the step's deps, then each left-out step's deps once. */
	stack = xmalloc((2 * nedges + 1) * sizeof(size_t));
	newidx = xmalloc((n + 1) * sizeof(size_t));
	deps = xcalloc(n + 1, sizeof(*deps));
	ndeps = xcalloc(n + 1, sizeof(*ndeps));
	/* Every walk reads the old deps: the new ones are set after all of them. */
	for (i = 0; i < n; i++)
		if (!plan->steps[i].left_out)
			bypass(plan, i, mark, i + 1, stack, &deps[i], &ndeps[i]);
	plan->left_out = xrealloc(plan->left_out, (plan->nleft_out + nout) * sizeof(*plan->left_out));
	for (i = 0; i < n; i++) {
		struct plan_step *st = &plan->steps[i];
		struct plan_left_out *lo;

		free(st->deps);
		st->deps = deps[i];
		st->ndeps = ndeps[i];
		if (!st->left_out) {
			newidx[i] = kept++;
			continue;
		}
		newidx[i] = (size_t)-1;
		lo = &plan->left_out[plan->nleft_out++];
		lo->step = st->name;
		lo->procedure = st->procedure;
		lo->reason = st->left_out;
		st->name = st->procedure = st->left_out = NULL;
		free(st->key);
		free(st->procedure_key);
		free(st->script);
		for (size_t k = 0; st->pass_env && st->pass_env[k]; k++)
			free(st->pass_env[k]);
		free(st->pass_env);
		st->pass_env = NULL;
	}
	/* Compact the steps (and their params) and renumber the deps. */
	for (i = 0, j = 0; i < n; i++) {
		if (newidx[i] == (size_t)-1) {
			if (params)
				json_array_remove(params, j);
			continue;
		}
		plan->steps[j++] = plan->steps[i];
	}
	plan->nsteps = kept;
	for (i = 0; i < kept; i++)
		for (j = 0; j < plan->steps[i].ndeps; j++)
			plan->steps[i].deps[j] = newidx[plan->steps[i].deps[j]];
	free(mark);
	free(stack);
	free(newidx);
	free(deps);
	free(ndeps);
}
