/*
 * Plans built here in C for the runner's unit tests: see plan_spec.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/plan.h"
#include "tests/unit/plan_spec.h"
#include "util/strbuf.h"

static size_t step_index(const struct spec *s, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(s[i].name) == len && !strncmp(s[i].name, name, len))
			return i;
	fail_msg("unknown step %.*s", (int)len, name);
	return 0;
}

/* The command with "%d" replaced by the shard number. */
static char *with_shard(const char *command, int shard)
{
	struct strbuf sb = STRBUF_INIT;
	const char *pct = strstr(command, "%d");

	if (!pct)
		return xstrdup(command);
	strbuf_add(&sb, command, (size_t)(pct - command));
	strbuf_addf(&sb, "%d", shard);
	strbuf_addstr(&sb, pct + 2);
	return strbuf_detach(&sb, NULL);
}

struct plan *plan_of(const struct spec *s, size_t n)
{
	struct plan *p = xcalloc(1, sizeof(*p));
	size_t i, j = 0;

	p->schedule = xstrdup("sche_t");
	p->process = xstrdup("p_001_v_000");
	p->process_key = xstrdup("sche_t/p_001_v_000");
	p->nsteps = n;
	p->steps = xcalloc(n, sizeof(*p->steps));
	for (i = 0; i < n; i++) {
		struct plan_step *st = &p->steps[i];
		const char *d = s[i].deps ? s[i].deps : "";

		st->name = xstrdup(s[i].name);
		st->key = xstrfmt("sche_t/p_001_v_000/%s", s[i].name);
		st->max_shard = s[i].max_shard;
		st->retries = s[i].retries;
		st->timeout = s[i].timeout;
		st->deps = xcalloc(8, sizeof(size_t));
		while (*d) {
			size_t len = strcspn(d, " ");

			if (len)
				st->deps[st->ndeps++] = step_index(s, n, d, len);
			d += len;
			d += strspn(d, " ");
		}
		p->njobs += s[i].max_shard ? (size_t)s[i].max_shard : 1;
	}
	p->jobs = xcalloc(p->njobs, sizeof(*p->jobs));
	for (i = 0; i < n; i++) {
		int k, nshard = s[i].max_shard ? s[i].max_shard : 1;

		for (k = 0; k < nshard; k++, j++) {
			p->jobs[j].step = i;
			p->jobs[j].shard = s[i].max_shard ? k : -1;
			p->jobs[j].command = with_shard(s[i].command, k);
		}
	}
	return p;
}

void test_plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nsteps; i++) {
		free(p->steps[i].name);
		free(p->steps[i].key);
		free(p->steps[i].deps);
	}
	for (i = 0; i < p->njobs; i++)
		free(p->jobs[i].command);
	free(p->steps);
	free(p->jobs);
	free(p->schedule);
	free(p->process);
	free(p->process_key);
	free(p);
}

char scratch_root[256];

int scratch_setup(void **state)
{
	(void)state;
	snprintf(scratch_root, sizeof(scratch_root), "/tmp/pmeta-test-XXXXXX");
	assert_non_null(mkdtemp(scratch_root));
	assert_int_equal(chdir(scratch_root), 0);
	return 0;
}

int scratch_teardown(void **state)
{
	char *cmd = xstrfmt("rm -rf '%s'", scratch_root);

	(void)state;
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}
