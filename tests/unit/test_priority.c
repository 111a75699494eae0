/*
 * `priority = N` and `enabled = false` (issue 13 item 4): the runner starts
 * ready jobs by priority, then in the order they became ready (real /bin/sh
 * jobs, -j 1); the planner leaves disabled steps out and makes their
 * dependents wait for their predecessors instead.
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

#include "graph/config.h"
#include "graph/plan.h"
#include "run/runner.h"
#include "tests/unit/plan_spec.h"
#include "util/strbuf.h"

static const char *const root = scratch_root;

/* Runs p with -j 1 and returns the order file its jobs wrote. */
static char *run_order(struct plan *p)
{
	struct runner_options o = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct runner r;
	char *path = xstrfmt("%s/order", root);

	unlink(path);
	o.root = root;
	o.run_id = "20260101T000000Z-0000";
	o.log_dir = root;
	o.max_jobs = 1;
	o.grace = 1;
	assert_int_equal(runner_init(&r, p, &o), 0);
	assert_int_equal(runner_execute(&r), 0);
	assert_int_equal(r.count[JOB_SUCCEEDED], p->njobs);
	runner_release(&r);
	if (strbuf_read_file(&sb, path) < 0)
		fail_msg("no order file");
	free(path);
	return strbuf_detach(&sb, NULL);
}

static void test_priority_orders_ready_jobs(void **state)
{
	static const struct spec s[] = {
		{ "a", "echo a >> order", NULL },
		{ "b", "echo b >> order", NULL },
		{ "c", "echo c >> order", NULL },
		{ "d", "echo d >> order", NULL },
		{ "e", "echo e >> order", NULL },
	};
	static const int prio[] = { 0, 1, 5, -2, 0 };
	struct plan *p = plan_of(s, 5);
	char *order;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		p->steps[i].priority = prio[i];
	order = run_order(p);
	/* Higher first; a and e (both 0) in the order they became ready. */
	assert_string_equal(order, "c\nb\na\ne\nd\n");
	free(order);
	test_plan_free(p);
}

static void test_priority_among_what_is_ready(void **state)
{
	static const struct spec s[] = {
		{ "x", "echo x >> order", NULL },
		{ "y", "echo y >> order", "x" },
		{ "z", "echo z >> order", NULL },
		{ "w", "echo w.%d >> order", NULL, 3 },
	};
	struct plan *p = plan_of(s, 4);
	char *order;

	(void)state;
	/* y outranks everything, but only once x is done: a priority never jumps the order. */
	p->steps[1].priority = 10;
	p->steps[2].priority = 1;
	p->steps[3].priority = 1;
	order = run_order(p);
	assert_string_equal(order, "z\nw.0\nw.1\nw.2\nx\ny\n");
	free(order);
	test_plan_free(p);
}

static struct plan *offline_plan(const char *text)
{
	struct config_base base = { NULL, xstrdup("python"), xstrdup("run {step}"), 0 };
	struct config *cfg = NULL;
	struct plan *plan = NULL;

	assert_int_equal(config_parse(&cfg, "main.conf", text, strlen(text), "sche_001", "p_001_v_000"), 0);
	assert_int_equal(plan_from_config(&plan, NULL, cfg, &base, NULL), 0);
	config_base_release(&base);
	config_free(cfg);
	return plan;
}

static const char *step_at(const struct plan *p, size_t stage, size_t k)
{
	return p->steps[p->jobs[p->stages[stage].jobs[k]].step].name;
}

static void test_left_out_steps(void **state)
{
	/* a -> b -> c -> d, b and c off: d waits for a; e after b waits for a too. */
	struct plan *p = offline_plan("[a]\n[b]\nlast_proc = a\nenabled = false\n"
				      "[c]\nlast_proc = b\nis_enable = no\n[d]\nlast_proc = c\n"
				      "[e]\nafter = b\npriority = -3\n[f]\nenabled = true\n");

	(void)state;
	assert_int_equal(p->nsteps, 4);
	assert_int_equal(p->nleft_out, 2);
	assert_string_equal(p->left_out[0].step, "b");
	assert_string_equal(p->left_out[0].reason, "enabled = false");
	assert_string_equal(p->left_out[1].step, "c");
	assert_string_equal(p->left_out[1].reason, "is_enable = no");
	assert_int_equal(p->nstages, 2);
	assert_int_equal(p->stages[0].njobs, 2);
	assert_string_equal(step_at(p, 0, 0), "a");
	assert_string_equal(step_at(p, 0, 1), "f");
	assert_string_equal(step_at(p, 1, 0), "d");
	assert_string_equal(step_at(p, 1, 1), "e");
	assert_int_equal(p->steps[2].priority, -3);
	assert_int_equal(p->steps[1].ndeps, 1);
	assert_string_equal(p->steps[p->steps[1].deps[0]].name, "a");
	plan_free(p);
}

static void test_left_out_keys_checked(void **state)
{
	struct config *cfg = NULL;
	struct strbuf got = STRBUF_INIT;
	const char *text = "[a]\nenabled = perhaps\n[b]\npriority = 1e3\n[c]\nenabled = false\nis_enable = false\n";
	size_t i;

	(void)state;
	assert_int_equal(config_parse(&cfg, "main.conf", text, strlen(text), "s", "p_001_v_000"), -1);
	for (i = 0; i < cfg->ndiags; i++)
		if (cfg->diags[i].error)
			strbuf_addf(&got, "%zu: %s\n", cfg->diags[i].line, cfg->diags[i].msg);
	assert_string_equal(got.buf, "2: enabled = 'perhaps': not true or false\n"
			    "4: priority = '1e3': not an integer in -1000000..1000000\n"
			    "7: 'is_enable' says again whether the step runs (first at line 6)\n");
	strbuf_release(&got);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_priority_orders_ready_jobs, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_priority_among_what_is_ready, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_left_out_steps),
		cmocka_unit_test(test_left_out_keys_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
