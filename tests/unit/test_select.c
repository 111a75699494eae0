/*
 * Partial reruns on a plan built here: a -> b (2 shards) -> c, and d alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "graph/plan.h"
#include "run/select.h"
#include "util/err.h"
#include "util/strbuf.h"

/* jobs: 0 = a, 1 = b[0], 2 = b[1], 3 = c, 4 = d */
static struct plan *diamond(void)
{
	static const char *const names[] = { "a", "b", "c", "d" };
	static const int shards[] = { 0, 2, 0, 0 };
	struct plan *p = xcalloc(1, sizeof(*p));
	size_t i, j = 0;

	p->process_key = xstrdup("s/p_001_v_000");
	p->nsteps = 4;
	p->steps = xcalloc(4, sizeof(*p->steps));
	for (i = 0; i < 4; i++) {
		p->steps[i].name = xstrdup(names[i]);
		p->steps[i].max_shard = shards[i];
		p->steps[i].deps = xcalloc(1, sizeof(size_t));
	}
	p->steps[1].deps[0] = 0;
	p->steps[1].ndeps = 1;
	p->steps[2].deps[0] = 1;
	p->steps[2].ndeps = 1;
	p->njobs = 5;
	p->jobs = xcalloc(5, sizeof(*p->jobs));
	for (i = 0; i < 4; i++) {
		int k, n = shards[i] ? shards[i] : 1;

		for (k = 0; k < n; k++, j++) {
			p->jobs[j].step = i;
			p->jobs[j].shard = shards[i] ? k : -1;
		}
	}
	return p;
}

static void free_plan(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nsteps; i++) {
		free(p->steps[i].name);
		free(p->steps[i].deps);
	}
	free(p->steps);
	free(p->jobs);
	free(p->process_key);
	free(p);
}

static void expect(const struct run_choice *c, const char *want)
{
	char got[8];
	size_t i;

	for (i = 0; i < c->njobs; i++)
		got[i] = c->selected[i] ? 'R' : c->reuse[i] ? 'u' : '.';
	got[c->njobs] = '\0';
	assert_string_equal(got, want);
}

static void test_all_from_to_only(void **state)
{
	struct plan *p = diamond();
	struct run_selection sel = { 0 };
	struct run_choice c;
	const char *only[] = { "d", "a" };

	(void)state;
	assert_int_equal(run_select(&c, p, &sel), 0);
	expect(&c, "RRRRR");
	assert_string_equal(c.why[0], "in the plan");
	run_choice_release(&c);

	sel.from = "b";
	assert_int_equal(run_select(&c, p, &sel), 0);
	expect(&c, ".RRR.");
	assert_string_equal(c.why[1], "--from");
	assert_string_equal(c.why[3], "after --from b");
	assert_string_equal(c.why[4], "not after --from b");
	run_choice_release(&c);

	sel.from = NULL;
	sel.to = "b";
	assert_int_equal(run_select(&c, p, &sel), 0);
	expect(&c, "RRR..");
	assert_string_equal(c.why[0], "needed by --to b");
	run_choice_release(&c);

	sel.from = "b";
	sel.to = "b";
	assert_int_equal(run_select(&c, p, &sel), 0);
	expect(&c, ".RR..");
	run_choice_release(&c);

	sel.from = sel.to = NULL;
	sel.only = only;
	sel.nonly = 2;
	assert_int_equal(run_select(&c, p, &sel), 0);
	expect(&c, "R...R");
	assert_int_equal(c.nselected, 2);
	run_choice_release(&c);
	free_plan(p);
}

static void test_unknown_step(void **state)
{
	struct plan *p = diamond();
	struct run_selection sel = { 0 };
	struct run_choice c;

	(void)state;
	sel.to = "zz";
	assert_int_equal(run_select(&c, p, &sel), -1);
	assert_int_equal(pm_error_class(), PM_EUSAGE);
	assert_non_null(strstr(pm_error_msg(), "--to: no step 'zz'"));
	free_plan(p);
}

static void test_resume(void **state)
{
	struct plan *p = diamond();
	struct run_selection sel = { 0 };
	struct run_choice c;
	/* b[1] failed, c was skipped; a, b[0] and d succeeded. */
	json_t *old = json_pack("[{ss sn ss ss}{ss si ss ss}{ss si ss ss}{ss sn ss ss}{ss sn ss ss}]",
				"step", "a", "shard", "status", "succeeded", "run", "R",
				"step", "b", "shard", 0, "status", "succeeded", "run", "R",
				"step", "b", "shard", 1, "status", "failed", "run", "R",
				"step", "c", "shard", "status", "skipped", "run", "R",
				"step", "d", "shard", "status", "succeeded", "run", "R");

	(void)state;
	assert_non_null(old);
	sel.resume_id = "R";
	sel.resume_jobs = old;
	assert_int_equal(run_select(&c, p, &sel), 0);
	/* What did not succeed reruns, and what runs after a step with such a
	 * job; b[0] does not depend on b[1]: it is reused. */
	expect(&c, "uuRRu");
	assert_int_equal(c.nreused, 3);
	assert_string_equal(c.why[2], "failed in R");
	assert_string_equal(c.why[3], "skipped in R");
	assert_string_equal(c.why[0], "reused: succeeded in R");
	run_choice_release(&c);

	/* With --only d: d would be reused, so nothing runs. */
	{
		const char *only[] = { "d" };

		sel.only = only;
		sel.nonly = 1;
		assert_int_equal(run_select(&c, p, &sel), 0);
		expect(&c, "....u");
		assert_int_equal(c.nselected, 0);
		run_choice_release(&c);
	}
	json_decref(old);
	free_plan(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_from_to_only),
		cmocka_unit_test(test_unknown_step),
		cmocka_unit_test(test_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
