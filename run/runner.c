/*
 * The scheduler of `pmeta run`. See run/runner.h for the model and
 * run/executor.h for the seam; how a job runs is the executor's business.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP handlers write one byte to a
 * non-blocking self-pipe (so does runner_wake); the loop sleeps in poll()
 * on it, with a timeout that is the executor's next timer or the tick.
 * After a wake-up it polls the executor, which reports what happened.
 *
 * The loop, in order: poll the executor (its events settle jobs and make
 * others ready); act on signals received; hand ready jobs over, and poll
 * again at once when any was; stop when nothing is in flight, the
 * executor is idle and nothing can start; else sleep.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/plan.h"
#include "run/executor.h"
#include "run/runner.h"
#include "util/err.h"
#include "util/strbuf.h"

static const char *const state_names[JOB_NSTATES] = {
	"pending", "running", "succeeded", "failed", "skipped", "aborted", "up_to_date"
};

static int self_pipe[2] = { -1, -1 };
static volatile sig_atomic_t pending_signal;
static volatile sig_atomic_t signal_count;
static sig_atomic_t signals_taken;

const char *job_state_name(enum job_state state)
{
	return (unsigned)state < JOB_NSTATES ? state_names[state] : "unknown";
}

double runner_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

long long runner_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

unsigned runner_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

char *runner_log_name(const struct plan *plan, size_t job)
{
	const struct plan_job *pj = &plan->jobs[job];
	const char *step = plan->steps[pj->step].name;

	if (pj->shard < 0)
		return xstrfmt("%s.log", step);
	return xstrfmt("%s.%d.log", step, pj->shard);
}

void runner_wake(void)
{
	int saved = errno;
	char c = 0;

	if (self_pipe[1] >= 0 && write(self_pipe[1], &c, 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
	errno = saved;
}

static void on_signal(int sig)
{
	pending_signal = sig;
	signal_count++;
	runner_wake();
}

void executor_free(struct executor *ex)
{
	if (ex)
		ex->ops->free(ex);
}

int runner_init(struct runner *r, const struct plan *plan, const struct runner_options *opts)
{
	size_t i, j;

	memset(r, 0, sizeof(*r));
	r->plan = plan;
	r->opts = *opts;
	if (!r->opts.max_jobs)
		r->opts.max_jobs = runner_ncpu();
	if (r->opts.grace <= 0)
		r->opts.grace = 5;
	if (r->opts.executor) {
		r->ex = r->opts.executor;
	} else {
		r->own_ex = executor_local_new(r->opts.grace);
		r->ex = r->own_ex;
	}
	r->jobs = xcalloc(plan->njobs, sizeof(*r->jobs));
	for (i = 0; i < plan->njobs; i++) {
		r->jobs[i].state = JOB_PENDING;
		r->jobs[i].selected = 1;
		r->jobs[i].exit_code = -1;
		r->jobs[i].cause = (size_t)-1;
		r->jobs[i].nitems = -1;
		r->jobs[i].script.dirty = -1;
		if (plan->jobs[i].step >= plan->nsteps)
			return pm_error(PM_EFAIL, "plan job %zu names step %zu of %zu", i,
					plan->jobs[i].step, plan->nsteps);
	}

	r->step_jobs = xcalloc(plan->nsteps, sizeof(*r->step_jobs));
	r->step_njobs = xcalloc(plan->nsteps, sizeof(*r->step_njobs));
	r->step_dependents = xcalloc(plan->nsteps, sizeof(*r->step_dependents));
	r->step_ndependents = xcalloc(plan->nsteps, sizeof(*r->step_ndependents));
	r->step_remaining = xcalloc(plan->nsteps, sizeof(*r->step_remaining));
	r->step_waiting = xcalloc(plan->nsteps, sizeof(*r->step_waiting));
	for (i = 0; i < plan->njobs; i++)
		r->step_njobs[plan->jobs[i].step]++;
	for (i = 0; i < plan->nsteps; i++) {
		r->step_jobs[i] = xcalloc(r->step_njobs[i], sizeof(size_t));
		r->step_njobs[i] = 0;
	}
	for (i = 0; i < plan->njobs; i++) {
		size_t s = plan->jobs[i].step;

		r->step_jobs[s][r->step_njobs[s]++] = i;
	}
	/* Reverse the deps: step_dependents[d] lists every s with d in s.deps. */
	for (i = 0; i < plan->nsteps; i++)
		for (j = 0; j < plan->steps[i].ndeps; j++) {
			size_t d = plan->steps[i].deps[j];

			if (d >= plan->nsteps)
				return pm_error(PM_EFAIL, "plan step '%s' depends on step %zu of %zu",
						plan->steps[i].name, d, plan->nsteps);
			r->step_ndependents[d]++;
		}
	for (i = 0; i < plan->nsteps; i++) {
		r->step_dependents[i] = xcalloc(r->step_ndependents[i], sizeof(size_t));
		r->step_ndependents[i] = 0;
	}
	for (i = 0; i < plan->nsteps; i++)
		for (j = 0; j < plan->steps[i].ndeps; j++) {
			size_t d = plan->steps[i].deps[j];

			r->step_dependents[d][r->step_ndependents[d]++] = i;
		}

	r->ready_alloc = plan->njobs + 1;
	r->ready = xcalloc(r->ready_alloc, sizeof(size_t));
	r->ready_seq = xcalloc(plan->njobs + 1, sizeof(size_t));
	return 0;
}

void runner_release(struct runner *r)
{
	size_t i;

	if (!r || !r->plan)
		return;
	for (i = 0; i < r->plan->nsteps; i++) {
		free(r->step_jobs ? r->step_jobs[i] : NULL);
		free(r->step_dependents ? r->step_dependents[i] : NULL);
	}
	for (i = 0; r->jobs && i < r->plan->njobs; i++) {
		free(r->jobs[i].exec_id);
		free(r->jobs[i].node);
		free(r->jobs[i].reason);
		free(r->jobs[i].error);
	}
	free(r->step_jobs);
	free(r->step_njobs);
	free(r->step_dependents);
	free(r->step_ndependents);
	free(r->step_remaining);
	free(r->step_waiting);
	free(r->ready);
	free(r->ready_seq);
	free(r->jobs);
	executor_free(r->own_ex);
	memset(r, 0, sizeof(*r));
}

static int orders_jobs(const struct runner *r)
{
	return (r->ex->ops->flags & EXECUTOR_ORDERS_JOBS) != 0;
}

static void emit(struct runner *r, enum runner_event ev, size_t job)
{
	if (r->opts.event)
		r->opts.event(r->opts.data, r, ev, job);
}

static void set_state(struct runner *r, size_t job, enum job_state state)
{
	struct job_result *jr = &r->jobs[job];

	if (jr->selected) {
		r->count[jr->state]--;
		r->count[state]++;
	}
	jr->state = state;
}

/* 1 when ready job a starts before b: a higher priority, else made ready first. */
static int ready_before(const struct runner *r, size_t a, size_t b)
{
	int pa = r->plan->steps[r->plan->jobs[a].step].priority;
	int pb = r->plan->steps[r->plan->jobs[b].step].priority;

	if (pa != pb)
		return pa > pb;
	return r->ready_seq[a] < r->ready_seq[b];
}

static void ready_swap(struct runner *r, size_t i, size_t j)
{
	size_t t = r->ready[i];

	r->ready[i] = r->ready[j];
	r->ready[j] = t;
}

/* The job reached its final state: the gate's owner settles its items first. */
static void emit_finished(struct runner *r, size_t job)
{
	if (r->opts.settled && r->jobs[job].nitems >= 0)
		r->opts.settled(r->opts.gate_data, r, job);
	emit(r, RUNNER_JOB_FINISHED, job);
}

static void ready_push(struct runner *r, size_t job)
{
	size_t i;

	if (r->ready_len == r->ready_alloc) {
		r->ready_alloc *= 2;
		r->ready = xrealloc(r->ready, r->ready_alloc * sizeof(size_t));
	}
	r->ready_seq[job] = r->ready_count++;
	i = r->ready_len++;
	r->ready[i] = job;
	while (i && ready_before(r, r->ready[i], r->ready[(i - 1) / 2])) {
		ready_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

/*
 * The next ready job: the highest priority of its step first (`priority =
 * N`), then the one made ready first; a heap, so 100,000 ready shards cost
 * log n each.
 */
static size_t ready_pop(struct runner *r)
{
	size_t job = r->ready[0], i = 0;

	r->ready[0] = r->ready[--r->ready_len];
	for (;;) {
		size_t l = 2 * i + 1, best = i;

		if (l < r->ready_len && ready_before(r, r->ready[l], r->ready[best]))
			best = l;
		if (l + 1 < r->ready_len && ready_before(r, r->ready[l + 1], r->ready[best]))
			best = l + 1;
		if (best == i)
			break;
		ready_swap(r, i, best);
		i = best;
	}
	return job;
}

static void ready_clear(struct runner *r)
{
	r->ready_len = 0;
}

static void release_step(struct runner *r, size_t step)
{
	size_t i;

	for (i = 0; i < r->step_njobs[step]; i++) {
		size_t j = r->step_jobs[step][i];

		if (r->jobs[j].selected && r->jobs[j].state == JOB_PENDING)
			ready_push(r, j);
	}
}

/*
 * The step of `job` has one more job done (succeeded; or handed over, when
 * the executor orders jobs); wake the steps waiting on it.
 */
static void step_job_done(struct runner *r, size_t job)
{
	size_t s = r->plan->jobs[job].step, i;

	if (--r->step_remaining[s])
		return;
	for (i = 0; i < r->step_ndependents[s]; i++) {
		size_t t = r->step_dependents[s][i];

		if (--r->step_waiting[t] == 0)
			release_step(r, t);
	}
}

/* job leaves the executor's hands (ended, or given up by the runner). */
static void land(struct runner *r, size_t job)
{
	if (r->jobs[job].in_flight) {
		r->jobs[job].in_flight = 0;
		r->ninflight--;
	}
}

/* A pending job ends without running (skipped, aborted). */
static void settle_unrun(struct runner *r, size_t job, enum job_state state)
{
	struct job_result *jr = &r->jobs[job];

	if (jr->in_flight) {
		/* Handed over but not started: the executor must not start it. */
		land(r, job);
		if (state == JOB_SKIPPED)
			r->ex->ops->cancel(r->ex, job);
	}
	jr->finished_ms = runner_wall_ms();
	set_state(r, job, state);
	emit_finished(r, job);
}

/* `failed` ends for good: every pending job downstream is skipped. */
static void skip_dependents(struct runner *r, size_t failed)
{
	const struct plan *plan = r->plan;
	unsigned char *seen = xcalloc(plan->nsteps, 1);
	size_t *queue = xcalloc(plan->nsteps, sizeof(size_t));
	size_t head = 0, tail = 0, i, k;

	queue[tail++] = plan->jobs[failed].step;
	seen[plan->jobs[failed].step] = 1;
	while (head < tail) {
		size_t s = queue[head++];

		for (i = 0; i < r->step_ndependents[s]; i++) {
			size_t t = r->step_dependents[s][i];

			if (seen[t])
				continue;
			seen[t] = 1;
			queue[tail++] = t;
			for (k = 0; k < r->step_njobs[t]; k++) {
				size_t j = r->step_jobs[t][k];

				if (r->jobs[j].selected && r->jobs[j].state == JOB_PENDING) {
					r->jobs[j].cause = failed;
					settle_unrun(r, j, JOB_SKIPPED);
				}
			}
		}
	}
	free(queue);
	free(seen);
}

/*
 * An attempt of `job` is over (ok says whether it succeeded): retry it,
 * or settle its final state and tell the steps downstream.
 */
static void job_ended(struct runner *r, size_t job, int ok, long long at_ms)
{
	struct job_result *jr = &r->jobs[job];
	const struct plan_step *ps = &r->plan->steps[r->plan->jobs[job].step];

	jr->finished_ms = at_ms ? at_ms : runner_wall_ms();
	if (ok) {
		set_state(r, job, JOB_SUCCEEDED);
		emit_finished(r, job);
		if (!orders_jobs(r))
			step_job_done(r, job);
		return;
	}
	if (r->interrupted || r->broken) {
		set_state(r, job, JOB_ABORTED);
		emit_finished(r, job);
		return;
	}
	if (jr->attempts < 1 + (ps->retries > 0 ? ps->retries : 0)) {
		set_state(r, job, JOB_PENDING);
		emit(r, RUNNER_JOB_RETRY, job);
		ready_push(r, job);
		return;
	}
	set_state(r, job, JOB_FAILED);
	emit_finished(r, job);
	skip_dependents(r, job);
}

/* A job the runner did not hand over in this process: take it as in flight. */
static void adopt(struct runner *r, size_t job)
{
	struct job_result *jr = &r->jobs[job];

	jr->in_flight = 1;
	r->ninflight++;
	if (orders_jobs(r) && !jr->handed) {
		jr->handed = 1;
		step_job_done(r, job);
	}
}

/* executor_report lands here. */
static void on_exec_event(void *data, const struct exec_event *ev)
{
	struct runner *r = data;
	struct job_result *jr;
	long long now;

	if (ev->job >= r->plan->njobs)
		return;
	jr = &r->jobs[ev->job];
	/* Finished (say, skipped while the cluster still had it) or not ours. */
	if (!jr->selected || (jr->state != JOB_PENDING && jr->state != JOB_RUNNING))
		return;
	if (!jr->in_flight)
		adopt(r, ev->job);
	if (ev->id) {
		free(jr->exec_id);
		jr->exec_id = xstrdup(ev->id);
	}
	now = ev->at_ms ? ev->at_ms : runner_wall_ms();
	switch (ev->kind) {
	case EXEC_STARTED:
		jr->exec_pid_start = ev->id ? ev->pid_start : 0;
		if (ev->script) {
			jr->script = *ev->script;
		} else {
			struct script_provenance unknown = SCRIPT_PROVENANCE_INIT;

			jr->script = unknown;
		}
		jr->attempts = ev->attempt > 0 ? ev->attempt : jr->attempts + 1;
		if (!jr->started_ms)
			jr->started_ms = now;
		jr->exit_code = -1;
		jr->signal = 0;
		jr->timed_out = 0;
		jr->finished_ms = 0;
		free(jr->node);
		jr->node = ev->node ? xstrdup(ev->node) : NULL;
		free(jr->reason);
		jr->reason = NULL;
		set_state(r, ev->job, JOB_RUNNING);
		emit(r, RUNNER_JOB_STARTED, ev->job);
		break;
	case EXEC_TIMEOUT:
		jr->timed_out = 1;
		emit(r, RUNNER_JOB_TIMEOUT, ev->job);
		break;
	case EXEC_ENDED:
		if (ev->attempt > jr->attempts)
			jr->attempts = ev->attempt;
		jr->exit_code = ev->exit_code;
		jr->signal = ev->signal;
		if (ev->timed_out)
			jr->timed_out = 1;
		if (ev->reason) {
			free(jr->reason);
			jr->reason = xstrdup(ev->reason);
		}
		land(r, ev->job);
		job_ended(r, ev->job, jr->exit_code == 0 && !jr->signal && !jr->timed_out, now);
		break;
	}
}

/* Every pending job ends unrun: aborted (stopped run) or skipped. */
static void settle_pending(struct runner *r, enum job_state state)
{
	size_t i;

	for (i = 0; i < r->plan->njobs; i++)
		if (r->jobs[i].selected && r->jobs[i].state == JOB_PENDING)
			settle_unrun(r, i, state);
}

static void interrupt(struct runner *r, int sig)
{
	if (r->interrupted) {
		/* A second signal: no more grace. */
		r->ex->ops->cancel(r->ex, EXEC_ALL);
		return;
	}
	r->interrupted = sig;
	emit(r, RUNNER_INTERRUPTED, (size_t)-1);
	ready_clear(r);
	r->ex->ops->cancel(r->ex, EXEC_ALL);
	settle_pending(r, JOB_ABORTED);
}

/* One interrupt per signal received since the last look (two at once: both). */
static void take_signals(struct runner *r)
{
	while (signals_taken < signal_count) {
		signals_taken++;
		interrupt(r, pending_signal);
	}
}

/* The executor cannot go on: stop as on a signal, keeping its error. */
static void executor_broke(struct runner *r, char **error)
{
	if (r->broken)
		return;
	r->broken = 1;
	*error = xstrdup(pm_error_msg());
	ready_clear(r);
	r->ex->ops->cancel(r->ex, EXEC_ALL);
	settle_pending(r, JOB_ABORTED);
}

/*
 * The gate settled a ready job without running it: up to date (its
 * dependents go on, as after a success) or failed (they are skipped).
 */
static void settle_gated(struct runner *r, size_t job, int gate)
{
	struct job_result *jr = &r->jobs[job];

	jr->finished_ms = runner_wall_ms();
	if (gate == RUNNER_GATE_UP_TO_DATE) {
		set_state(r, job, JOB_UP_TO_DATE);
		emit_finished(r, job);
		step_job_done(r, job);
		return;
	}
	free(jr->error);
	jr->error = xstrdup(pm_error_msg());
	set_state(r, job, JOB_FAILED);
	emit_finished(r, job);
	skip_dependents(r, job);
}

/* Hands ready jobs to the executor; returns how many. */
static size_t start_ready(struct runner *r, char **error)
{
	int orders = orders_jobs(r);
	size_t started = 0;

	while (r->ready_len && (orders || r->ninflight < r->opts.max_jobs) &&
	       !r->interrupted && !r->broken) {
		size_t job = ready_pop(r);
		struct job_result *jr = &r->jobs[job];
		int first;

		if (jr->state != JOB_PENDING || jr->in_flight)
			continue;
		/* The gap check of an incremental step may settle it unrun. */
		if (r->opts.gate) {
			int gate = r->opts.gate(r->opts.gate_data, r, job);

			if (gate != RUNNER_GATE_RUN) {
				settle_gated(r, job, gate);
				started++;   /* the loop goes round again: others may be ready now */
				continue;
			}
		}
		jr->in_flight = 1;
		r->ninflight++;
		first = !jr->handed;
		jr->handed = 1;
		started++;
		if (r->ex->ops->start(r->ex, job, jr->attempts + 1) < 0) {
			land(r, job);
			executor_broke(r, error);
			break;
		}
		if (orders && first)
			step_job_done(r, job);
	}
	return started;
}

static int open_self_pipe(void)
{
	int i;

	if (pipe(self_pipe) < 0)
		return pm_error(PM_EFAIL, "cannot create a pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(self_pipe[i], F_SETFL, fcntl(self_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(self_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

static void close_self_pipe(void)
{
	close(self_pipe[0]);
	close(self_pipe[1]);
	self_pipe[0] = self_pipe[1] = -1;
}

static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
#define NHANDLED (sizeof(handled) / sizeof(handled[0]))

/* Counts and readiness from the caller's selection; the first ready jobs. */
static void prepare(struct runner *r)
{
	const struct plan *plan = r->plan;
	size_t i, j;

	memset(r->count, 0, sizeof(r->count));
	r->nselected = 0;
	for (i = 0; i < plan->njobs; i++)
		if (r->jobs[i].selected) {
			r->nselected++;
			r->count[r->jobs[i].state]++;
		}
	for (i = 0; i < plan->nsteps; i++) {
		r->step_remaining[i] = 0;
		for (j = 0; j < r->step_njobs[i]; j++) {
			struct job_result *jr = &r->jobs[r->step_jobs[i][j]];

			if (jr->selected && jr->state != JOB_SUCCEEDED)
				r->step_remaining[i]++;
		}
	}
	for (i = 0; i < plan->nsteps; i++) {
		r->step_waiting[i] = 0;
		for (j = 0; j < plan->steps[i].ndeps; j++)
			if (r->step_remaining[plan->steps[i].deps[j]])
				r->step_waiting[i]++;
	}
	for (i = 0; i < plan->njobs; i++) {
		size_t s = plan->jobs[i].step;

		if (r->jobs[i].selected && r->jobs[i].state == JOB_PENDING && !r->step_waiting[s])
			ready_push(r, i);
	}
}

int runner_execute(struct runner *r)
{
	struct executor *ex = r->ex;
	struct sigaction sa, old[NHANDLED];
	char *error = NULL;
	double last_tick;
	size_t i;

	if (r->opts.gate && orders_jobs(r))
		return pm_error(PM_EUSAGE, "the %s executor hands jobs over before the jobs they "
				"depend on have run, so it cannot compute the gap of an incremental "
				"step (items =) yet; run this process with the local executor",
				ex->ops->name);
	prepare(r);
	if (open_self_pipe() < 0)
		return -1;
	pending_signal = 0;
	signal_count = 0;
	signals_taken = 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < NHANDLED; i++) {
		sa.sa_handler = handled[i] == SIGPIPE ? SIG_IGN : on_signal;
		sigaction(handled[i], &sa, &old[i]);
	}
	ex->report = on_exec_event;
	ex->report_data = r;
	if (ex->ops->begin(ex, r) < 0) {
		error = xstrdup(pm_error_msg());
		/* Nothing ran, nothing will. */
		settle_pending(r, JOB_ABORTED);
		goto out;
	}

	r->mono_started = runner_now();
	last_tick = r->mono_started;
	for (;;) {
		struct pollfd pfd;
		double next = 0, now;
		int timeout = -1, busy;
		char buf[64];

		busy = ex->ops->poll(ex, &next);
		if (busy < 0) {
			executor_broke(r, &error);
			break;
		}
		take_signals(r);
		if (start_ready(r, &error))
			continue;
		if (!r->ninflight && !busy && (r->interrupted || r->broken || !r->ready_len))
			break;
		/* Detached: all handed over and submitted; the executor keeps the jobs. */
		if (r->opts.detach && orders_jobs(r) && !busy && !r->ready_len && !r->interrupted &&
		    !r->broken) {
			r->detached = 1;
			break;
		}
		now = runner_now();
		if (next > 0)
			timeout = next > now ? (int)((next - now) * 1000) + 1 : 0;
		if (r->opts.tick > 0) {
			int tick_ms = (int)((last_tick + r->opts.tick - now) * 1000) + 1;

			if (tick_ms < 0)
				tick_ms = 0;
			if (timeout < 0 || tick_ms < timeout)
				timeout = tick_ms;
		}
		pfd.fd = self_pipe[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			pm_error(PM_EFAIL, "poll: %s", strerror(errno));
			executor_broke(r, &error);
			break;
		}
		while (read(self_pipe[0], buf, sizeof(buf)) > 0)
			;
		if (r->opts.tick > 0 && runner_now() >= last_tick + r->opts.tick) {
			last_tick = runner_now();
			emit(r, RUNNER_TICK, (size_t)-1);
		}
	}

	/* Nothing can start any more: whatever is still pending never will. */
	if (!r->detached)
		settle_pending(r, r->interrupted || r->broken ? JOB_ABORTED : JOB_SKIPPED);
	/* Left in the executor's hands after it failed: never heard of again. */
	for (i = 0; i < r->plan->njobs && !r->detached; i++)
		if (r->jobs[i].in_flight) {
			land(r, i);
			r->jobs[i].finished_ms = runner_wall_ms();
			set_state(r, i, JOB_ABORTED);
			emit_finished(r, i);
		}
	ex->ops->end(ex);
out:
	for (i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &old[i], NULL);
	close_self_pipe();
	ex->report = NULL;
	ex->report_data = NULL;
	if (error) {
		pm_error(PM_EFAIL, "%s", error);
		free(error);
		return -1;
	}
	return 0;
}
