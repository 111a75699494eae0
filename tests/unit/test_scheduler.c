/*
 * The runner's scheduling alone, through a fake executor in this process:
 * readiness, the max_jobs limit, retries, skip propagation, interrupts,
 * an executor that orders jobs itself (a cluster), adopted jobs, and an
 * executor that breaks. Nothing is spawned; run/executor_local.c is tested
 * by test_runner.c.
 *
 * The fake ends one job per poll, the oldest first, with the exit code
 * scripted for that attempt, so every run here goes in one known order,
 * written to a log as "+x" (handed over), "-x" (ended), "!x" (cancelled).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/plan.h"
#include "run/executor.h"
#include "run/runner.h"
#include "tests/unit/plan_spec.h"
#include "util/err.h"
#include "util/strbuf.h"

#define MAXJOBS 16

struct fake {
	struct executor base;
	struct executor_ops ops;
	const struct runner *r;
	int exit_codes[MAXJOBS][4];  /* per job, per attempt (0-based) */
	size_t queue[MAXJOBS];       /* handed over, not ended; oldest first */
	int attempt[MAXJOBS];
	int cancelled[MAXJOBS];      /* cancel calls seen for the job */
	size_t nqueue;
	size_t max_queue;            /* the most jobs in its hands at once */
	struct strbuf log;
	int ended;                   /* ENDED reported so far */
	int sigint_after;            /* raise SIGINT once after this many ends; 0 = never */
	int stubborn;                /* a cancelled job ends only at the second cancel */
	size_t ncancel_all;
	size_t fail_start_of;        /* start of this job fails (EXEC_ALL = none) */
	int fail_poll_after;         /* poll fails after this many ends; 0 = never */
	size_t adopt;                /* job reported done at the first poll, never handed over */
	int polls;
	int idle;                    /* a detached cluster: poll reports nothing, is idle */
	int events[RUNNER_TICK + 1]; /* runner events seen, by kind */
};

static void log_job(struct fake *f, char what, size_t job)
{
	const struct plan *p = f->r->plan;
	const struct plan_job *pj = &p->jobs[job];

	if (f->log.len)
		strbuf_addch(&f->log, ' ');
	strbuf_addch(&f->log, what);
	strbuf_addstr(&f->log, p->steps[pj->step].name);
	if (pj->shard >= 0)
		strbuf_addf(&f->log, "%d", pj->shard);
}

static int fake_begin(struct executor *ex, const struct runner *r)
{
	struct fake *f = (struct fake *)ex;

	f->r = r;
	return 0;
}

static void report(struct fake *f, enum exec_event_kind kind, size_t job, int code, int sig)
{
	struct exec_event ev = { .kind = kind, .job = job, .attempt = f->attempt[job],
				 .exit_code = code, .signal = sig };

	executor_report(&f->base, &ev);
}

static int fake_start(struct executor *ex, size_t job, int attempt)
{
	struct fake *f = (struct fake *)ex;

	if (job == f->fail_start_of)
		return pm_error(PM_EFAIL, "fake: the cluster is gone");
	log_job(f, '+', job);
	f->attempt[job] = attempt;
	f->cancelled[job] = 0;
	f->queue[f->nqueue++] = job;
	if (f->nqueue > f->max_queue)
		f->max_queue = f->nqueue;
	/* A local-like executor runs a job at once; a cluster when it can. */
	if (!(f->ops.flags & EXECUTOR_ORDERS_JOBS))
		report(f, EXEC_STARTED, job, -1, 0);
	return 0;
}

/* Cluster-like: may job run now (every selected job of its predecessor steps succeeded)? */
static int deps_met(const struct fake *f, size_t job)
{
	const struct plan *p = f->r->plan;
	const struct plan_step *ps = &p->steps[p->jobs[job].step];
	size_t d, k;

	for (d = 0; d < ps->ndeps; d++)
		for (k = 0; k < p->njobs; k++)
			if (p->jobs[k].step == ps->deps[d] && f->r->jobs[k].selected &&
			    f->r->jobs[k].state != JOB_SUCCEEDED)
				return 0;
	return 1;
}

static void unqueue(struct fake *f, size_t i)
{
	memmove(f->queue + i, f->queue + i + 1, (f->nqueue - i - 1) * sizeof(size_t));
	f->nqueue--;
}

static int fake_poll(struct executor *ex, double *next)
{
	struct fake *f = (struct fake *)ex;
	size_t i;

	*next = runner_now();
	if (f->idle)
		return 0;
	if (f->adopt != EXEC_ALL && !f->polls++) {
		struct exec_event ev = { .kind = EXEC_STARTED, .job = f->adopt, .attempt = 1,
					 .at_ms = 1000, .exit_code = -1, .id = "earlier-7" };

		executor_report(ex, &ev);
		ev.kind = EXEC_ENDED;
		ev.at_ms = 5000;
		ev.exit_code = 0;
		executor_report(ex, &ev);
		return 1;
	}
	if (f->fail_poll_after && f->ended >= f->fail_poll_after)
		return pm_error(PM_EFAIL, "fake: lost the cluster");
	for (i = 0; i < f->nqueue; i++) {
		size_t job = f->queue[i];
		int cancelled = f->cancelled[job] > (f->stubborn ? 1 : 0);
		int code;

		if (f->stubborn && f->cancelled[job] == 1)
			continue;  /* ignores SIGTERM */
		if (!cancelled && (f->ops.flags & EXECUTOR_ORDERS_JOBS) && !deps_met(f, job))
			continue;
		unqueue(f, i);
		log_job(f, '-', job);
		f->ended++;
		if (cancelled) {
			report(f, EXEC_ENDED, job, -1, f->stubborn ? SIGKILL : SIGTERM);
		} else {
			if (f->ops.flags & EXECUTOR_ORDERS_JOBS)
				report(f, EXEC_STARTED, job, -1, 0);
			code = f->exit_codes[job][f->attempt[job] - 1];
			report(f, EXEC_ENDED, job, code, 0);
		}
		if (f->ended == f->sigint_after)
			raise(SIGINT);
		return 1;
	}
	/* Jobs left are stopped (stubborn) or wait for dependencies. */
	return f->nqueue > 0;
}

static void fake_cancel(struct executor *ex, size_t job)
{
	struct fake *f = (struct fake *)ex;
	size_t i;

	if (job != EXEC_ALL) {
		log_job(f, '!', job);
		f->cancelled[job]++;
		return;
	}
	f->ncancel_all++;
	for (i = 0; i < f->nqueue; i++)
		f->cancelled[f->queue[i]]++;
	/* Interrupted again while stopping: the second SIGINT of a user. */
	if (f->stubborn && f->ncancel_all == 1)
		raise(SIGINT);
}

static void fake_end(struct executor *ex)
{
	(void)ex;
}

static void fake_free(struct executor *ex)
{
	(void)ex;
}

static void fake_init(struct fake *f, unsigned flags)
{
	memset(f, 0, sizeof(*f));
	f->ops.name = "fake";
	f->ops.flags = flags;
	f->ops.begin = fake_begin;
	f->ops.start = fake_start;
	f->ops.poll = fake_poll;
	f->ops.cancel = fake_cancel;
	f->ops.end = fake_end;
	f->ops.free = fake_free;
	f->base.ops = &f->ops;
	f->fail_start_of = EXEC_ALL;
	f->adopt = EXEC_ALL;
	strbuf_init(&f->log, 0);
}

static void on_event(void *data, const struct runner *r, enum runner_event ev, size_t job)
{
	struct fake *f = data;

	(void)r;
	(void)job;
	f->events[ev]++;
}

static int run_detached(struct runner *r, struct fake *f, struct plan *p, unsigned max_jobs,
			int detach)
{
	struct runner_options o = { 0 };

	o.root = "/nonexistent";
	o.run_id = "20260101T000000Z-0000";
	o.log_dir = "/nonexistent";
	o.max_jobs = max_jobs;
	o.executor = &f->base;
	o.detach = detach;
	o.event = on_event;
	o.data = f;
	assert_int_equal(runner_init(r, p, &o), 0);
	return runner_execute(r);
}

static int run(struct runner *r, struct fake *f, struct plan *p, unsigned max_jobs)
{
	return run_detached(r, f, p, max_jobs, 0);
}

static void done(struct runner *r, struct fake *f, struct plan *p)
{
	runner_release(r);
	strbuf_release(&f->log);
	test_plan_free(p);
}

/* jobs: 0 = a, 1 = b0, 2 = b1, 3 = c, 4 = d */
static const struct spec diamond[] = {
	{ "a", "", NULL },
	{ "b", "", "a", 2 },
	{ "c", "", "b" },
	{ "d", "", NULL },
};

static void test_readiness_and_max_jobs(void **state)
{
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	assert_int_equal(run(&r, &f, p, 2), 0);
	/* b waits for a, c for both shards of b; d runs beside them; two at once. */
	assert_string_equal(f.log.buf, "+a +d -a +b0 -d +b1 -b0 -b1 +c -c");
	assert_int_equal(f.max_queue, 2);
	assert_int_equal(r.count[JOB_SUCCEEDED], 5);
	assert_int_equal(r.ninflight, 0);
	assert_int_equal(f.events[RUNNER_JOB_STARTED], 5);
	assert_int_equal(f.events[RUNNER_JOB_FINISHED], 5);
	done(&r, &f, p);
}

static void test_retries(void **state)
{
	static const struct spec s[] = {
		{ "flaky", "", NULL, 0, 2 },
		{ "never", "", NULL, 0, 1 },
		{ "after_never", "", "never" },
	};
	struct plan *p = plan_of(s, 3);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.exit_codes[0][0] = 1;
	f.exit_codes[0][1] = 1;
	f.exit_codes[1][0] = 4;
	f.exit_codes[1][1] = 5;
	assert_int_equal(run(&r, &f, p, 1), 0);
	assert_string_equal(f.log.buf, "+flaky -flaky +never -never +flaky -flaky +never -never "
				       "+flaky -flaky");
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[0].attempts, 3);
	assert_int_equal(r.jobs[1].state, JOB_FAILED);
	assert_int_equal(r.jobs[1].attempts, 2);
	assert_int_equal(r.jobs[1].exit_code, 5);
	assert_int_equal(r.jobs[2].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[2].attempts, 0);
	assert_int_equal(f.events[RUNNER_JOB_RETRY], 3);
	done(&r, &f, p);
}

static void test_skip_propagation(void **state)
{
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.exit_codes[0][0] = 3;   /* a fails: b0, b1 and c never run; d does */
	assert_int_equal(run(&r, &f, p, 4), 0);
	assert_string_equal(f.log.buf, "+a +d -a -d");
	assert_int_equal(r.jobs[0].state, JOB_FAILED);
	assert_int_equal(r.jobs[0].exit_code, 3);
	assert_int_equal(r.jobs[1].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[2].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[3].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[3].cause, 0);
	assert_int_equal(r.jobs[4].state, JOB_SUCCEEDED);
	assert_int_equal(r.count[JOB_SKIPPED], 3);
	done(&r, &f, p);
}

static void test_interrupt(void **state)
{
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.sigint_after = 1;       /* SIGINT as a ends: d runs, b is ready */
	assert_int_equal(run(&r, &f, p, 2), 0);
	assert_int_equal(r.interrupted, SIGINT);
	assert_int_equal(f.ncancel_all, 1);
	/* Nothing starts after the signal; d is stopped. */
	assert_string_equal(f.log.buf, "+a +d -a -d");
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[4].state, JOB_ABORTED);
	assert_int_equal(r.jobs[4].signal, SIGTERM);
	assert_int_equal(r.jobs[1].state, JOB_ABORTED);   /* b0: never started */
	assert_int_equal(r.jobs[1].attempts, 0);
	assert_int_equal(r.jobs[2].state, JOB_ABORTED);
	assert_int_equal(r.jobs[3].state, JOB_ABORTED);
	assert_int_equal(f.events[RUNNER_INTERRUPTED], 1);
	assert_int_equal(r.ninflight, 0);
	done(&r, &f, p);
}

static void test_second_interrupt_is_hard(void **state)
{
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.sigint_after = 1;
	f.stubborn = 1;           /* ignores the first cancel; raises a second SIGINT */
	assert_int_equal(run(&r, &f, p, 2), 0);
	assert_int_equal(f.ncancel_all, 2);
	assert_string_equal(f.log.buf, "+a +d -a -d");
	assert_int_equal(r.jobs[4].state, JOB_ABORTED);
	assert_int_equal(r.jobs[4].signal, SIGKILL);
	assert_int_equal(r.jobs[1].state, JOB_ABORTED);
	done(&r, &f, p);
}

static void test_executor_orders_jobs(void **state)
{
	/* A cluster: everything is handed over at once, dependencies first. */
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, EXECUTOR_ORDERS_JOBS);
	assert_int_equal(run(&r, &f, p, 1), 0);
	assert_string_equal(f.log.buf, "+a +d +b0 +b1 +c -a -d -b0 -b1 -c");
	assert_int_equal(f.max_queue, 5);
	assert_int_equal(r.count[JOB_SUCCEEDED], 5);
	done(&r, &f, p);
}

static void test_executor_orders_jobs_failure(void **state)
{
	/* a fails: the jobs handed over after it are cancelled and skipped. */
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, EXECUTOR_ORDERS_JOBS);
	f.exit_codes[0][0] = 2;
	assert_int_equal(run(&r, &f, p, 1), 0);
	/* The ends of the cancelled jobs still come, and change nothing. */
	assert_string_equal(f.log.buf, "+a +d +b0 +b1 +c -a !b0 !b1 !c -d -b0 -b1 -c");
	assert_int_equal(r.jobs[0].state, JOB_FAILED);
	assert_int_equal(r.jobs[1].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[1].cause, 0);
	assert_int_equal(r.jobs[1].signal, 0);
	assert_int_equal(r.jobs[3].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[4].state, JOB_SUCCEEDED);
	assert_int_equal(r.count[JOB_SKIPPED], 3);
	assert_int_equal(r.ninflight, 0);
	done(&r, &f, p);
}

static void test_executor_orders_jobs_retry(void **state)
{
	static const struct spec s[] = {
		{ "a", "", NULL, 0, 1 },
		{ "b", "", "a" },
	};
	struct plan *p = plan_of(s, 2);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, EXECUTOR_ORDERS_JOBS);
	f.exit_codes[0][0] = 1;
	assert_int_equal(run(&r, &f, p, 1), 0);
	/* b stays handed over while a is resubmitted, and runs after it. */
	assert_string_equal(f.log.buf, "+a +b -a +a -a -b");
	assert_int_equal(r.jobs[0].attempts, 2);
	assert_int_equal(r.jobs[1].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[1].attempts, 1);
	done(&r, &f, p);
}

static void test_detach_leaves_the_jobs_to_the_executor(void **state)
{
	/* Detached: every job handed over (dependencies first), none settled. */
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, EXECUTOR_ORDERS_JOBS);
	f.idle = 1;
	assert_int_equal(run_detached(&r, &f, p, 1, 1), 0);
	assert_true(r.detached);
	assert_string_equal(f.log.buf, "+a +d +b0 +b1 +c");
	assert_int_equal(r.count[JOB_PENDING], 5);
	assert_int_equal(r.count[JOB_ABORTED], 0);
	assert_int_equal(r.ninflight, 5);
	assert_int_equal(f.ncancel_all, 0);
	assert_int_equal(f.events[RUNNER_JOB_FINISHED], 0);
	done(&r, &f, p);
}

static void test_detach_needs_an_executor_that_orders_jobs(void **state)
{
	/* A local-like executor runs the jobs to the end, detach or not. */
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	assert_int_equal(run_detached(&r, &f, p, 2, 1), 0);
	assert_false(r.detached);
	assert_int_equal(r.count[JOB_SUCCEEDED], 5);
	done(&r, &f, p);
}

static void test_adopts_a_job_it_never_started(void **state)
{
	/* a was submitted by an earlier pmeta; its end comes from the executor. */
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.adopt = 0;
	assert_int_equal(run(&r, &f, p, 1), 0);
	assert_null(strstr(f.log.buf, "+a"));
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[0].attempts, 1);
	assert_int_equal(r.jobs[0].started_ms, 1000);
	assert_int_equal(r.jobs[0].finished_ms, 5000);
	assert_string_equal(r.jobs[0].exec_id, "earlier-7");
	assert_int_equal(r.count[JOB_SUCCEEDED], 5);
	done(&r, &f, p);
}

static void test_broken_start(void **state)
{
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.fail_start_of = 1;      /* b0 */
	assert_int_equal(run(&r, &f, p, 1), -1);
	assert_non_null(strstr(pm_error_msg(), "the cluster is gone"));
	assert_string_equal(f.log.buf, "+a -a +d -d");
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[4].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[1].state, JOB_ABORTED);
	assert_int_equal(r.jobs[3].state, JOB_ABORTED);
	assert_int_equal(r.count[JOB_PENDING] + r.count[JOB_RUNNING], 0);
	done(&r, &f, p);
}

static void test_broken_poll(void **state)
{
	struct plan *p = plan_of(diamond, 4);
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.fail_poll_after = 1;    /* after a: d is running, b0 handed over */
	assert_int_equal(run(&r, &f, p, 2), -1);
	assert_non_null(strstr(pm_error_msg(), "lost the cluster"));
	assert_int_equal(f.ncancel_all, 1);
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(r.jobs[1].state, JOB_ABORTED);
	assert_int_equal(r.jobs[4].state, JOB_ABORTED);
	assert_int_equal(r.count[JOB_PENDING] + r.count[JOB_RUNNING], 0);
	assert_int_equal(r.ninflight, 0);
	done(&r, &f, p);
}

/* A gate scripted per job: RUNNER_GATE_* values; counts the settled hooks. */
struct gate_script {
	int says[MAXJOBS];
	int settled[MAXJOBS];
};

static int scripted_gate(void *data, struct runner *r, size_t job)
{
	struct gate_script *g = data;

	r->jobs[job].nitems = g->says[job] == RUNNER_GATE_UP_TO_DATE ? 0 : 3;
	if (g->says[job] == RUNNER_GATE_FAIL)
		return pm_error(PM_EFAIL, "gap of job %zu: folder unreadable", job);
	return g->says[job];
}

static void scripted_settled(void *data, struct runner *r, size_t job)
{
	struct gate_script *g = data;

	g->settled[job]++;
	r->jobs[job].nprocessed = r->jobs[job].state == JOB_SUCCEEDED ? r->jobs[job].nitems : 0;
}

static int run_gated(struct runner *r, struct fake *f, struct plan *p, unsigned max_jobs,
		     struct gate_script *g)
{
	struct runner_options o = { 0 };

	o.root = "/nonexistent";
	o.run_id = "20260101T000000Z-0000";
	o.log_dir = "/nonexistent";
	o.max_jobs = max_jobs;
	o.executor = &f->base;
	o.event = on_event;
	o.data = f;
	o.gate = scripted_gate;
	o.settled = scripted_settled;
	o.gate_data = g;
	assert_int_equal(runner_init(r, p, &o), 0);
	return runner_execute(r);
}

static void test_gate_up_to_date(void **state)
{
	/* a has nothing new: never handed over, and b goes on as after a success. */
	struct plan *p = plan_of(diamond, 4);
	struct gate_script g = { { 0 }, { 0 } };
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	g.says[0] = RUNNER_GATE_UP_TO_DATE;   /* a */
	g.says[2] = RUNNER_GATE_UP_TO_DATE;   /* b1 */
	assert_int_equal(run_gated(&r, &f, p, 2, &g), 0);
	assert_string_equal(f.log.buf, "+d +b0 -d -b0 +c -c");
	assert_int_equal(r.jobs[0].state, JOB_UP_TO_DATE);
	assert_int_equal(r.jobs[0].attempts, 0);
	assert_int_equal(r.jobs[2].state, JOB_UP_TO_DATE);
	assert_int_equal(r.jobs[3].state, JOB_SUCCEEDED);
	assert_int_equal(r.count[JOB_UP_TO_DATE], 2);
	assert_int_equal(r.count[JOB_SUCCEEDED], 3);
	assert_string_equal(job_state_name(JOB_UP_TO_DATE), "up_to_date");
	/* Every job the gate saw is settled once, before its FINISHED. */
	assert_int_equal(g.settled[0], 1);
	assert_int_equal(g.settled[1], 1);
	assert_int_equal(r.jobs[1].nprocessed, 3);
	assert_int_equal(f.events[RUNNER_JOB_FINISHED], 5);
	assert_int_equal(f.events[RUNNER_JOB_STARTED], 3);
	done(&r, &f, p);
}

static void test_gate_retry_keeps_its_items(void **state)
{
	/* A retry is gated again; the gate keeps the first attempt's items. */
	static const struct spec s[] = {
		{ "flaky", "", NULL, 0, 1 },
	};
	struct plan *p = plan_of(s, 1);
	struct gate_script g = { { 0 }, { 0 } };
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	f.exit_codes[0][0] = 1;
	assert_int_equal(run_gated(&r, &f, p, 1, &g), 0);
	assert_string_equal(f.log.buf, "+flaky -flaky +flaky -flaky");
	assert_int_equal(r.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(g.settled[0], 1);
	done(&r, &f, p);
}

static void test_gate_failure(void **state)
{
	/* The gap of a cannot be computed: a fails unrun, b and c are skipped. */
	struct plan *p = plan_of(diamond, 4);
	struct gate_script g = { { 0 }, { 0 } };
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, 0);
	g.says[0] = RUNNER_GATE_FAIL;
	assert_int_equal(run_gated(&r, &f, p, 2, &g), 0);
	assert_string_equal(f.log.buf, "+d -d");
	assert_int_equal(r.jobs[0].state, JOB_FAILED);
	assert_int_equal(r.jobs[0].attempts, 0);
	assert_non_null(r.jobs[0].error);
	assert_non_null(strstr(r.jobs[0].error, "folder unreadable"));
	assert_int_equal(r.jobs[1].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[3].state, JOB_SKIPPED);
	assert_int_equal(r.jobs[4].state, JOB_SUCCEEDED);
	done(&r, &f, p);
}

static void test_gate_refused_when_executor_orders_jobs(void **state)
{
	/* A cluster executor would get b before a ran: no gap can be computed. */
	struct plan *p = plan_of(diamond, 4);
	struct gate_script g = { { 0 }, { 0 } };
	struct runner r;
	struct fake f;

	(void)state;
	fake_init(&f, EXECUTOR_ORDERS_JOBS);
	assert_int_equal(run_gated(&r, &f, p, 1, &g), -1);
	assert_int_equal(pm_error_class(), PM_EUSAGE);
	assert_non_null(strstr(pm_error_msg(), "the fake executor hands jobs over before"));
	assert_string_equal(f.log.buf, "");
	done(&r, &f, p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readiness_and_max_jobs),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_skip_propagation),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_second_interrupt_is_hard),
		cmocka_unit_test(test_executor_orders_jobs),
		cmocka_unit_test(test_executor_orders_jobs_failure),
		cmocka_unit_test(test_executor_orders_jobs_retry),
		cmocka_unit_test(test_detach_leaves_the_jobs_to_the_executor),
		cmocka_unit_test(test_detach_needs_an_executor_that_orders_jobs),
		cmocka_unit_test(test_adopts_a_job_it_never_started),
		cmocka_unit_test(test_broken_start),
		cmocka_unit_test(test_broken_poll),
		cmocka_unit_test(test_gate_up_to_date),
		cmocka_unit_test(test_gate_retry_keeps_its_items),
		cmocka_unit_test(test_gate_failure),
		cmocka_unit_test(test_gate_refused_when_executor_orders_jobs),
	};

	/* A scheduling bug often shows as a loop that never ends: fail it. */
	alarm(30);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
