/*
 * The order between steps, derived from what the keys said each step
 * reads, writes and deletes (DESIGN.md section 2): the amend convention
 * (rule 2), readers after writers (rule 1), deleters last (rule 3), the
 * deps of every step, the first cycle named with its reasons (rule 6) and
 * the external inputs (rule 5). `after =` edges (rule 4) come from
 * config_keys.c. Works on the model only, whichever reader filled it.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/config_build.h"
#include "util/strbuf.h"

/* Steps using each dataset, as compressed rows (CSR) per io kind. */
struct users {
	size_t *start;      /* ndatasets + 1 */
	size_t *step;
	size_t *line;
};

static void users_build(struct users *u, const struct config *cfg, int kinds)
{
	size_t i, j, *fill;

	u->start = xcalloc(cfg->ndatasets + 1, sizeof(size_t));
	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nio; j++)
			if (kinds & (1 << cfg->steps[i].io[j].kind))
				u->start[cfg->steps[i].io[j].dataset + 1]++;
	for (i = 0; i < cfg->ndatasets; i++)
		u->start[i + 1] += u->start[i];
	u->step = xmalloc((u->start[cfg->ndatasets] + 1) * sizeof(size_t));
	u->line = xmalloc((u->start[cfg->ndatasets] + 1) * sizeof(size_t));
	fill = xmalloc((cfg->ndatasets + 1) * sizeof(size_t));
	memcpy(fill, u->start, cfg->ndatasets * sizeof(size_t));
	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nio; j++) {
			const struct config_io *io = &cfg->steps[i].io[j];

			if (kinds & (1 << io->kind)) {
				u->step[fill[io->dataset]] = i;
				u->line[fill[io->dataset]++] = io->line;
			}
		}
	free(fill);
}

static void users_release(struct users *u)
{
	free(u->start);
	free(u->step);
	free(u->line);
}

#define BIT(k) (1 << (k))

/* Rule 2: X/A that no step writes is written by the steps that read X. */
static void amend_writers(struct config *cfg)
{
	struct users readers;
	size_t d, n = cfg->ndatasets, k;

	for (d = 0; d < n; d++) {
		const char *slash = strrchr(cfg->datasets[d].name, '/');
		char *x;

		if (slash) {
			x = xstrndup(cfg->datasets[d].name, (size_t)(slash - cfg->datasets[d].name));
			if (!strmap_get(&cfg->dataset_index, x, &cfg->datasets[d].parent))
				cfg->datasets[d].parent = CONFIG_NONE;
			free(x);
		}
	}
	users_build(&readers, cfg, BIT(CONFIG_READS));
	for (d = 0; d < n; d++) {
		size_t x = cfg->datasets[d].parent;

		if (x == CONFIG_NONE || cfg->datasets[d].written)
			continue;
		for (k = readers.start[x]; k < readers.start[x + 1]; k++)
			config_add_io(cfg, readers.step[k], cfg->datasets[d].name, CONFIG_WRITES, 1,
				      readers.line[k]);
	}
	users_release(&readers);
}

static void derive_edges(struct config *cfg)
{
	struct users writers, readers, deleters, users;
	size_t d, a, b, k;

	users_build(&writers, cfg, BIT(CONFIG_WRITES));
	users_build(&readers, cfg, BIT(CONFIG_READS));
	users_build(&deleters, cfg, BIT(CONFIG_DELETES));
	users_build(&users, cfg, BIT(CONFIG_READS) | BIT(CONFIG_WRITES));
	for (d = 0; d < cfg->ndatasets; d++) {
		const char *name = cfg->datasets[d].name;
		size_t cut;

		/* Rule 1: readers after writers. */
		for (a = readers.start[d]; a < readers.start[d + 1]; a++)
			for (b = writers.start[d]; b < writers.start[d + 1]; b++)
				config_add_edge(cfg, readers.step[a], writers.step[b], CONFIG_BY_DATA, d,
						readers.line[a]);
		/* Rule 3: deleters of d, or of a folder holding d, after its users. */
		for (cut = strlen(name);;) {
			size_t owner;
			char *prefix = xstrndup(name, cut);
			int found = strmap_get(&cfg->dataset_index, prefix, &owner);
			const char *slash;

			free(prefix);
			if (found)
				for (a = deleters.start[owner]; a < deleters.start[owner + 1]; a++)
					for (k = users.start[d]; k < users.start[d + 1]; k++)
						config_add_edge(cfg, deleters.step[a], users.step[k],
								CONFIG_BY_DELETE, d, deleters.line[a]);
			slash = memrchr(name, '/', cut);
			if (!slash)
				break;
			cut = (size_t)(slash - name);
		}
	}
	users_release(&writers);
	users_release(&readers);
	users_release(&deleters);
	users_release(&users);
}

static int cmp_edge(const void *a, const void *b)
{
	const struct config_edge *x = a, *y = b;

	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->after != y->after)
		return x->after < y->after ? -1 : 1;
	/* Stable enough for messages: the earliest reason first. */
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void build_deps(struct config *cfg)
{
	size_t i, s;

	if (cfg->nedges)
		qsort(cfg->edges, cfg->nedges, sizeof(*cfg->edges), cmp_edge);
	for (i = 0; i < cfg->nedges; i = s) {
		struct config_step *st = &cfg->steps[cfg->edges[i].step];

		for (s = i; s < cfg->nedges && cfg->edges[s].step == cfg->edges[i].step; s++)
			if (s == i || cfg->edges[s].after != cfg->edges[s - 1].after) {
				st->deps = xrealloc(st->deps, (st->ndeps + 1) * sizeof(size_t));
				st->deps[st->ndeps++] = cfg->edges[s].after;
			}
	}
}

static const struct config_edge *find_edge(const struct config *cfg, size_t step, size_t after)
{
	size_t lo = 0, hi = cfg->nedges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct config_edge *e = &cfg->edges[mid];

		if (e->step < step || (e->step == step && e->after < after))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cfg->nedges ? &cfg->edges[lo] : NULL;
}

static void explain_edge(struct strbuf *sb, const struct config *cfg, const struct config_edge *e)
{
	const struct config_step *s = &cfg->steps[e->step], *a = &cfg->steps[e->after];
	const char *dname = e->dataset != CONFIG_NONE ? cfg->datasets[e->dataset].name : "";

	strbuf_addf(sb, "\n  %s:%zu: [%s] runs after [%s]: ", cfg->file, e->line, s->name, a->name);
	switch (e->reason) {
	case CONFIG_BY_DATA:
		strbuf_addf(sb, "reads '%s', which [%s] writes", dname, a->name);
		break;
	case CONFIG_BY_DELETE:
		strbuf_addf(sb, "deletes '%s', which [%s] uses", dname, a->name);
		break;
	case CONFIG_BY_AFTER:
		strbuf_addf(sb, "after = %s", a->name);
		break;
	}
}

/*
 * stack[j] runs after stack[j + 1], and the top runs after w: in execution
 * order the cycle is w, top, top - 1, ..., w. Printed from the step that
 * comes first in the file, with the reason of each edge.
 */
static void report_cycle(struct config *cfg, const size_t *stack, size_t top, size_t w)
{
	struct strbuf sb = STRBUF_INIT;
	size_t from, n, j, lo = 0, *cyc;

	for (from = top - 1; stack[from] != w; from--)
		;
	n = top - from;
	cyc = xmalloc(n * sizeof(*cyc));
	cyc[0] = w;
	for (j = 1; j < n; j++)
		cyc[j] = stack[top - j];
	for (j = 1; j < n; j++)
		if (cyc[j] < cyc[lo])
			lo = j;
	strbuf_addstr(&sb, "cycle: ");
	for (j = 0; j <= n; j++)
		strbuf_addf(&sb, "%s%s", j ? " -> " : "", cfg->steps[cyc[(lo + j) % n]].name);
	for (j = 0; j < n; j++) {
		size_t before = cyc[(lo + j) % n], later = cyc[(lo + j + 1) % n];

		explain_edge(&sb, cfg, find_edge(cfg, later, before));
	}
	config_diag(cfg, 1, cfg->steps[cyc[lo]].line, "%s", sb.buf);
	strbuf_release(&sb);
	free(cyc);
}

/* Rule 6: an iterative DFS over deps; the first back edge names the cycle. */
static void find_cycle(struct config *cfg)
{
	unsigned char *color = xcalloc(cfg->nsteps, 1);  /* 0 new, 1 on stack, 2 done */
	size_t *stack = xmalloc((cfg->nsteps + 1) * sizeof(size_t));
	size_t *next = xcalloc(cfg->nsteps, sizeof(size_t));
	size_t root, top;

	for (root = 0; root < cfg->nsteps; root++) {
		if (color[root])
			continue;
		top = 0;
		stack[top++] = root;
		color[root] = 1;
		while (top) {
			size_t v = stack[top - 1], w;

			if (next[v] == cfg->steps[v].ndeps) {
				color[v] = 2;
				top--;
				continue;
			}
			w = cfg->steps[v].deps[next[v]++];
			if (color[w] == 0) {
				color[w] = 1;
				stack[top++] = w;
			} else if (color[w] == 1) {
				report_cycle(cfg, stack, top, w);
				goto out;
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
}

static int cmp_input(const void *a, const void *b, void *arg)
{
	const struct config *cfg = arg;

	return strcmp(cfg->datasets[*(const size_t *)a].name, cfg->datasets[*(const size_t *)b].name);
}

/* Rule 5: datasets some step reads and no step writes. */
static void find_inputs(struct config *cfg)
{
	unsigned char *written = xcalloc(cfg->ndatasets + 1, 1), *read = xcalloc(cfg->ndatasets + 1, 1);
	size_t i, j;

	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nio; j++) {
			const struct config_io *io = &cfg->steps[i].io[j];

			if (io->kind == CONFIG_WRITES)
				written[io->dataset] = 1;
			else if (io->kind == CONFIG_READS)
				read[io->dataset] = 1;
		}
	cfg->inputs = xmalloc((cfg->ndatasets + 1) * sizeof(size_t));
	for (i = 0; i < cfg->ndatasets; i++)
		if (read[i] && !written[i])
			cfg->inputs[cfg->ninputs++] = i;
	qsort_r(cfg->inputs, cfg->ninputs, sizeof(size_t), cmp_input, cfg);
	free(written);
	free(read);
}

void config_derive(struct config *cfg)
{
	amend_writers(cfg);
	derive_edges(cfg);
	build_deps(cfg);
	find_cycle(cfg);
	find_inputs(cfg);
}
