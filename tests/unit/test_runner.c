/*
 * The runner with the local executor on plans built here in C (no planner,
 * no Neo4j): real /bin/sh jobs in a scratch folder. test_scheduler.c tests
 * the scheduling alone, through a fake executor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/plan.h"
#include "run/runner.h"
#include "tests/unit/plan_spec.h"
#include "util/strbuf.h"

static const char *const root = scratch_root;

static int run_plan(struct runner *r, struct plan *p, unsigned jobs)
{
	struct runner_options o = { 0 };

	o.root = root;
	o.run_id = "20260101T000000Z-0000";
	o.log_dir = root;
	o.max_jobs = jobs;
	o.grace = 1;
	assert_int_equal(runner_init(r, p, &o), 0);
	return runner_execute(r);
}

static char *slurp(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = xstrfmt("%s/%s", root, name);

	if (strbuf_read_file(&sb, path) < 0)
		fail_msg("cannot read %s", path);
	free(path);
	return strbuf_detach(&sb, NULL);
}

static void test_order_and_env(void **state)
{
	static const struct spec s[] = {
		{ "a", "echo a:$PMETA_STEP:$PMETA_RUN_ID:${PMETA_SHARD-none} >> order; pwd > where", NULL },
		{ "b", "sleep 0.2; echo b >> order", "a" },
		{ "c", "echo c >> order", "b" },
	};
	struct plan *p = plan_of(s, 3);
	struct runner r;
	char *order, *where;

	(void)state;
	assert_int_equal(run_plan(&r, p, 4), 0);
	assert_int_equal(r.count[JOB_SUCCEEDED], 3);
	order = slurp("order");
	assert_string_equal(order, "a:a:20260101T000000Z-0000:none\nb\nc\n");
	where = slurp("where");
	assert_true(!strncmp(where, root, strlen(root)));
	assert_true(r.jobs[1].started_ms >= r.jobs[0].finished_ms);
	assert_true(r.jobs[2].started_ms >= r.jobs[1].finished_ms);
	free(order);
	free(where);
	runner_release(&r);
	test_plan_free(p);
}

static void test_parallel(void **state)
{
	static const struct spec s[] = {
		{ "x", "sleep 1", NULL },
		{ "y", "sleep 1", NULL },
	};
	struct plan *p = plan_of(s, 2);
	struct runner r;
	double t0 = runner_now(), dt;

	(void)state;
	assert_int_equal(run_plan(&r, p, 2), 0);
	dt = runner_now() - t0;
	assert_int_equal(r.count[JOB_SUCCEEDED], 2);
	assert_true(dt < 1.6);
	runner_release(&r);
	test_plan_free(p);
}

static void test_shards_and_readiness(void **state)
{
	/* d waits only for "s" (3 shards); e runs beside them at once. */
	static const struct spec s[] = {
		{ "s", "echo $PMETA_SHARD/$PMETA_MAX_SHARD > shard%d", NULL, 3 },
		{ "d", "cat shard0 shard1 shard2 > all", "s" },
		{ "e", "true", NULL },
	};
	struct plan *p = plan_of(s, 3);
	struct runner r;
	char *all;

	(void)state;
	assert_int_equal(p->njobs, 5);
	assert_int_equal(run_plan(&r, p, 3), 0);
	assert_int_equal(r.count[JOB_SUCCEEDED], 5);
	all = slurp("all");
	assert_string_equal(all, "0/3\n1/3\n2/3\n");
	free(all);
	runner_release(&r);
	test_plan_free(p);
}

static void test_failure_isolation(void **state)
{
	static const struct spec s[] = {
		{ "bad", "echo boom; exit 3", NULL },
		{ "after_bad", "touch should_not_exist", "bad" },
		{ "after_after", "true", "after_bad" },
		{ "other", "sleep 0.2; touch other_ran", NULL },
	};
	struct plan *p = plan_of(s, 4);
	struct runner r;
	char *log;

	(void)state;
	assert_int_equal(run_plan(&r, p, 2), 0);
	assert_int_equal(r.jobs[0].state, JOB_FAILED);
	assert_int_equal(r.jobs[0].exit_code, 3);
	assert_int_equal(r.jobs[1].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[1].cause, 0);
	assert_int_equal(r.jobs[2].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[3].state, JOB_SUCCEEDED);
	assert_int_equal(access("should_not_exist", F_OK), -1);
	log = slurp("bad.log");
	assert_string_equal(log, "boom\n");
	free(log);
	runner_release(&r);
	test_plan_free(p);
}

static void test_retries(void **state)
{
	/* Fails on the first two attempts, succeeds on the third. */
	static const struct spec s[] = {
		{ "flaky", "echo try >> tries; [ $(wc -l < tries) -ge 3 ]", NULL, 0, 2 },
		{ "never", "exit 1", NULL, 0, 1 },
	};
	struct plan *p = plan_of(s, 2);
	struct runner r;
	char *log;

	(void)state;
	assert_int_equal(run_plan(&r, p, 1), 0);
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[0].attempts, 3);
	assert_int_equal(r.jobs[1].state, JOB_FAILED);
	assert_int_equal(r.jobs[1].attempts, 2);
	log = slurp("never.log");
	assert_non_null(strstr(log, "attempt 2 of 2"));
	free(log);
	runner_release(&r);
	test_plan_free(p);
}

static void test_timeout(void **state)
{
	/* The shell traps TERM and lingers: SIGKILL after the 1 s grace. */
	static const struct spec s[] = {
		{ "slow", "sleep 30", NULL, 0, 0, 1 },
		{ "stubborn", "trap '' TERM; sleep 30 & wait; sleep 30", NULL, 0, 0, 1 },
	};
	struct plan *p = plan_of(s, 2);
	struct runner r;
	double t0 = runner_now(), dt;

	(void)state;
	assert_int_equal(run_plan(&r, p, 2), 0);
	dt = runner_now() - t0;
	assert_int_equal(r.jobs[0].state, JOB_FAILED);
	assert_true(r.jobs[0].timed_out);
	assert_int_equal(r.jobs[1].state, JOB_FAILED);
	assert_true(r.jobs[1].timed_out);
	assert_true(dt < 4.0);
	runner_release(&r);
	test_plan_free(p);
}

static void test_stragglers_are_ended(void **state)
{
	static const struct spec s[] = {
		{ "bg", "sleep 60 & echo $! > bgpid; exit 0", NULL },
	};
	struct plan *p = plan_of(s, 1);
	struct runner r;
	char *pid;

	(void)state;
	assert_int_equal(run_plan(&r, p, 1), 0);
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	pid = slurp("bgpid");
	assert_int_equal(kill((pid_t)atol(pid), 0), -1);
	assert_int_equal(errno, ESRCH);
	free(pid);
	runner_release(&r);
	test_plan_free(p);
}

static void test_interrupt(void **state)
{
	/* The first job sends SIGINT to the runner (its parent) mid-run. */
	static const struct spec s[] = {
		{ "long", "echo $$ > longpid; sleep 30", NULL },
		{ "trigger", "sleep 0.3; kill -INT $PPID; sleep 30", NULL },
		{ "later", "touch later_ran", "long" },
	};
	struct plan *p = plan_of(s, 3);
	struct runner r;
	double t0 = runner_now();
	char *pid;

	(void)state;
	assert_int_equal(run_plan(&r, p, 2), 0);
	assert_true(runner_now() - t0 < 4.0);
	assert_int_equal(r.interrupted, SIGINT);
	assert_int_equal(r.jobs[0].state, JOB_ABORTED);
	assert_int_equal(r.jobs[1].state, JOB_ABORTED);
	assert_int_equal(r.jobs[2].state, JOB_ABORTED);
	assert_int_equal(access("later_ran", F_OK), -1);
	pid = slurp("longpid");
	assert_int_equal(kill(-(pid_t)atol(pid), 0), -1);
	free(pid);
	runner_release(&r);
	test_plan_free(p);
}

static void test_selection_and_reuse(void **state)
{
	/* a reused (succeeded earlier), b selected, c unselected. */
	static const struct spec s[] = {
		{ "a", "touch a_ran", NULL },
		{ "b", "touch b_ran", "a" },
		{ "c", "touch c_ran", "b" },
	};
	struct plan *p = plan_of(s, 3);
	struct runner_options o = { 0 };
	struct runner r;

	(void)state;
	o.root = root;
	o.run_id = "20260101T000000Z-0001";
	o.log_dir = root;
	o.max_jobs = 2;
	assert_int_equal(runner_init(&r, p, &o), 0);
	r.jobs[0].selected = 0;
	r.jobs[0].state = JOB_SUCCEEDED;
	r.jobs[2].selected = 0;
	assert_int_equal(runner_execute(&r), 0);
	assert_int_equal(r.nselected, 1);
	assert_int_equal(r.count[JOB_SUCCEEDED], 1);
	assert_int_equal(access("a_ran", F_OK), -1);
	assert_int_equal(access("b_ran", F_OK), 0);
	assert_int_equal(access("c_ran", F_OK), -1);
	runner_release(&r);
	test_plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_env, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_parallel, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_shards_and_readiness, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_failure_isolation, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_retries, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_stragglers_are_ended, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_interrupt, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_selection_and_reuse, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
