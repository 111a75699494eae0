/*
 * The worker pool of `pmeta run`. See run/runner.h for the model; the notes
 * here are about the mechanics.
 *
 * Signals: SIGCHLD, SIGINT, SIGTERM and SIGHUP handlers write one byte to a
 * non-blocking self-pipe; the loop sleeps in poll() on it, with a timeout
 * that is the nearest job deadline (timeout, SIGKILL after grace) or tick.
 * After a wake-up it reaps every exited child with waitpid(WNOHANG).
 *
 * Process groups: each job leads its own group (POSIX_SPAWN_SETPGROUP), so
 * one kill(-pgid) reaches the shell and everything it started. pmeta marks
 * itself a child subreaper (Linux), so a job's orphaned background
 * processes become pmeta's children: they are reaped here, and when a job's
 * leader exits while members of its group live on, the group is sent
 * SIGTERM, then SIGKILL after the grace period. No job process outlives the
 * run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "graph/plan.h"
#include "run/procs.h"
#include "run/runner.h"
#include "util/err.h"
#include "util/strbuf.h"

extern char **environ;

static const char *const state_names[JOB_NSTATES] = {
	"pending", "running", "succeeded", "failed", "skipped", "aborted"
};

/* The variables the runner sets for each job; inherited values are dropped. */
static const char *const own_env[] = {
	"PMETA_RUN_ID=", "PMETA_STEP=", "PMETA_SHARD=", "PMETA_MAX_SHARD=",
	"PMETA_WORKSPACE=", "PMETA_PROCESS=", "PMETA_SCHEDULE=", "PMETA_ATTEMPT=", NULL
};

static int self_pipe[2] = { -1, -1 };
static volatile sig_atomic_t pending_signal;
static volatile sig_atomic_t signal_count;

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

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig != SIGCHLD) {
		pending_signal = sig;
		signal_count++;
	}
	if (self_pipe[1] >= 0 && write(self_pipe[1], &c, 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
	errno = saved;
}

static int is_own_env(const char *entry)
{
	size_t i;

	for (i = 0; own_env[i]; i++)
		if (!strncmp(entry, own_env[i], strlen(own_env[i])))
			return 1;
	return 0;
}

/*
 * pmeta's own settings and secrets (NEO4J_PASSWORD, NEO4J_URI with its
 * credentials, PMETA_*) never reach a job by inheritance: a job that
 * prints its environment would put them in its 0644 log. A step (or
 * base.conf) that needs one names it in pass_env.
 */
static int is_kept_from_jobs(const char *entry)
{
	return !strncmp(entry, "NEO4J_", 6) || !strncmp(entry, "PMETA_", 6);
}

int runner_init(struct runner *r, const struct plan *plan, const struct runner_options *opts)
{
	size_t i, j, n;

	memset(r, 0, sizeof(*r));
	r->plan = plan;
	r->opts = *opts;
	if (!r->opts.max_jobs)
		r->opts.max_jobs = runner_ncpu();
	if (r->opts.grace <= 0)
		r->opts.grace = 5;
	r->jobs = xcalloc(plan->njobs, sizeof(*r->jobs));
	for (i = 0; i < plan->njobs; i++) {
		r->jobs[i].state = JOB_PENDING;
		r->jobs[i].selected = 1;
		r->jobs[i].exit_code = -1;
		r->jobs[i].cause = (size_t)-1;
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
	r->running = xcalloc(r->opts.max_jobs, sizeof(size_t));

	for (n = 0; environ && environ[n]; n++)
		;
	r->env_base = xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		if (!is_own_env(environ[i]) && !is_kept_from_jobs(environ[i]))
			r->env_base[r->nenv_base++] = environ[i];
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
	free(r->step_jobs);
	free(r->step_njobs);
	free(r->step_dependents);
	free(r->step_ndependents);
	free(r->step_remaining);
	free(r->step_waiting);
	free(r->ready);
	free(r->running);
	free(r->stragglers);
	free(r->straggler_kill_at);
	free(r->env_base);
	free(r->jobs);
	memset(r, 0, sizeof(*r));
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

static void ready_push(struct runner *r, size_t job)
{
	if (r->ready_head + r->ready_len == r->ready_alloc) {
		if (r->ready_head) {
			memmove(r->ready, r->ready + r->ready_head, r->ready_len * sizeof(size_t));
			r->ready_head = 0;
		} else {
			r->ready_alloc *= 2;
			r->ready = xrealloc(r->ready, r->ready_alloc * sizeof(size_t));
		}
	}
	r->ready[r->ready_head + r->ready_len++] = job;
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

/* The step of `job` has one more success; wake the steps waiting on it. */
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
					r->jobs[j].finished_ms = runner_wall_ms();
					set_state(r, j, JOB_SKIPPED);
					emit(r, RUNNER_JOB_FINISHED, j);
				}
			}
		}
	}
	free(queue);
	free(seen);
}

/* Records a spawn failure in the job's log and as exit status 127. */
static void spawn_failed(struct runner *r, size_t job, int fd, int err)
{
	if (fd >= 0)
		dprintf(fd, "pmeta: cannot start '/bin/sh -c ...': %s\n", strerror(err));
	r->jobs[job].exit_code = 127;
}

/* Starts one attempt of job; on failure to start, the attempt has failed. */
static int spawn_job(struct runner *r, size_t job, pid_t *pid)
{
	const struct plan *plan = r->plan;
	const struct plan_job *pj = &plan->jobs[job];
	const struct plan_step *ps = &plan->steps[pj->step];
	struct job_result *jr = &r->jobs[job];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char *name = runner_log_name(plan, job);
	char *path = xstrfmt("%s/%s", r->opts.log_dir, name);
	char *argv[] = { "/bin/sh", "-c", pj->command, NULL };
	size_t npass = 0;
	char **envp;
	size_t n = r->nenv_base, first = r->nenv_base, i;
	int fd, err;

	*pid = -1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (jr->attempts ? 0 : O_TRUNC),
		  0644);
	jr->attempts++;
	if (fd >= 0 && jr->attempts > 1)
		dprintf(fd, "\n--- pmeta: attempt %d of %d ---\n", jr->attempts, 1 + ps->retries);

	while (ps->pass_env && ps->pass_env[npass])
		npass++;
	envp = xcalloc(r->nenv_base + 9 + npass, sizeof(char *));
	memcpy(envp, r->env_base, r->nenv_base * sizeof(char *));
	/* What the step asked for by name (own PMETA_* ones are set below). */
	for (i = 0; i < npass; i++) {
		const char *v = getenv(ps->pass_env[i]);
		char *entry;

		if (!v)
			continue;
		entry = xstrfmt("%s=%s", ps->pass_env[i], v);
		if (is_own_env(entry) || !is_kept_from_jobs(entry))
			free(entry);  /* inherited anyway, or the runner's own */
		else
			envp[n++] = entry;
	}
	envp[n++] = xstrfmt("PMETA_RUN_ID=%s", r->opts.run_id);
	envp[n++] = xstrfmt("PMETA_STEP=%s", ps->name);
	envp[n++] = xstrfmt("PMETA_WORKSPACE=%s", r->opts.root);
	envp[n++] = xstrfmt("PMETA_PROCESS=%s", plan->process ? plan->process : "");
	envp[n++] = xstrfmt("PMETA_SCHEDULE=%s", plan->schedule ? plan->schedule : "");
	envp[n++] = xstrfmt("PMETA_ATTEMPT=%d", jr->attempts);
	if (pj->shard >= 0) {
		envp[n++] = xstrfmt("PMETA_SHARD=%d", pj->shard);
		envp[n++] = xstrfmt("PMETA_MAX_SHARD=%d", ps->max_shard);
	}
	envp[n] = NULL;

	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, fd, 1);
		posix_spawn_file_actions_adddup2(&fa, fd, 2);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	}
	/* Nothing of pmeta's (journal, lock, Neo4j sockets) leaks into a job. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addchdir_np(&fa, r->opts.root);

	err = fd < 0 ? errno : posix_spawn(pid, "/bin/sh", &fa, &attr, argv, envp);
	if (err)
		spawn_failed(r, job, fd, err);

	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	for (i = first; i < n; i++)
		free(envp[i]);
	free(envp);
	if (fd >= 0)
		close(fd);
	free(path);
	free(name);
	return err ? -1 : 0;
}

static void job_ended(struct runner *r, size_t job, int ok);

static void start_ready(struct runner *r)
{
	while (r->nrunning < r->opts.max_jobs && r->ready_len) {
		size_t job = r->ready[r->ready_head++];
		struct job_result *jr = &r->jobs[job];
		const struct plan_step *ps = &r->plan->steps[r->plan->jobs[job].step];
		pid_t pid;

		r->ready_len--;
		if (!r->ready_len)
			r->ready_head = 0;
		if (jr->state != JOB_PENDING)
			continue;
		if (!jr->started_ms)
			jr->started_ms = runner_wall_ms();
		jr->exit_code = -1;
		jr->signal = 0;
		jr->timed_out = 0;
		jr->finished_ms = 0;
		jr->mono_start = runner_now();
		jr->deadline = ps->timeout > 0 ? jr->mono_start + ps->timeout : 0;
		jr->kill_at = 0;
		set_state(r, job, JOB_RUNNING);
		if (spawn_job(r, job, &pid) < 0) {
			emit(r, RUNNER_JOB_STARTED, job);
			job_ended(r, job, 0);
			continue;
		}
		jr->pid = pid;
		r->running[r->nrunning++] = job;
		emit(r, RUNNER_JOB_STARTED, job);
	}
}

static void add_straggler(struct runner *r, pid_t pgid, double now)
{
	if (r->nstragglers == r->stragglers_alloc) {
		r->stragglers_alloc = r->stragglers_alloc ? 2 * r->stragglers_alloc : 8;
		r->stragglers = xrealloc(r->stragglers, r->stragglers_alloc * sizeof(pid_t));
		r->straggler_kill_at = xrealloc(r->straggler_kill_at,
						r->stragglers_alloc * sizeof(double));
	}
	kill(-pgid, SIGTERM);
	r->stragglers[r->nstragglers] = pgid;
	r->straggler_kill_at[r->nstragglers] = now + r->opts.grace;
	r->nstragglers++;
}

/*
 * An attempt of `job` is over (ok says whether it succeeded): retry it,
 * or settle its final state and tell the steps downstream.
 */
static void job_ended(struct runner *r, size_t job, int ok)
{
	struct job_result *jr = &r->jobs[job];
	const struct plan_step *ps = &r->plan->steps[r->plan->jobs[job].step];

	jr->finished_ms = runner_wall_ms();
	jr->pid = 0;
	jr->deadline = 0;
	jr->kill_at = 0;
	if (ok) {
		set_state(r, job, JOB_SUCCEEDED);
		emit(r, RUNNER_JOB_FINISHED, job);
		step_job_done(r, job);
		return;
	}
	if (r->interrupted) {
		set_state(r, job, JOB_ABORTED);
		emit(r, RUNNER_JOB_FINISHED, job);
		return;
	}
	if (jr->attempts < 1 + (ps->retries > 0 ? ps->retries : 0)) {
		set_state(r, job, JOB_PENDING);
		emit(r, RUNNER_JOB_RETRY, job);
		ready_push(r, job);
		return;
	}
	set_state(r, job, JOB_FAILED);
	emit(r, RUNNER_JOB_FINISHED, job);
	skip_dependents(r, job);
}

static void reap(struct runner *r)
{
	for (;;) {
		int status, ok;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		size_t i, job;

		if (pid <= 0)
			break;
		for (i = 0; i < r->nrunning; i++)
			if (r->jobs[r->running[i]].pid == pid)
				break;
		if (i == r->nrunning)
			continue;  /* an orphan of a job, reparented to us: reaped */
		job = r->running[i];
		r->running[i] = r->running[--r->nrunning];
		if (WIFEXITED(status)) {
			r->jobs[job].exit_code = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			r->jobs[job].signal = WTERMSIG(status);
		}
		/* The leader is gone; the rest of its group must not linger. */
		if (kill(-pid, 0) == 0)
			add_straggler(r, pid, runner_now());
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !r->jobs[job].timed_out;
		job_ended(r, job, ok);
	}
}

static void interrupt(struct runner *r, int sig)
{
	double now = runner_now();
	size_t i;

	if (r->interrupted) {
		/* A second signal: no more grace. */
		for (i = 0; i < r->nrunning; i++)
			kill(-r->jobs[r->running[i]].pid, SIGKILL);
		for (i = 0; i < r->nstragglers; i++)
			kill(-r->stragglers[i], SIGKILL);
		return;
	}
	r->interrupted = sig;
	emit(r, RUNNER_INTERRUPTED, (size_t)-1);
	r->ready_len = 0;
	r->ready_head = 0;
	for (i = 0; i < r->nrunning; i++) {
		struct job_result *jr = &r->jobs[r->running[i]];

		kill(-jr->pid, SIGTERM);
		jr->deadline = 0;
		jr->kill_at = now + r->opts.grace;
	}
	for (i = 0; i < r->plan->njobs; i++)
		if (r->jobs[i].selected && r->jobs[i].state == JOB_PENDING) {
			r->jobs[i].finished_ms = runner_wall_ms();
			set_state(r, i, JOB_ABORTED);
			emit(r, RUNNER_JOB_FINISHED, i);
		}
}

/* Timeouts and SIGKILLs that are due; returns ms until the next one, or -1. */
static int check_timers(struct runner *r)
{
	double now = runner_now(), next = -1;
	size_t i;

	for (i = 0; i < r->nrunning; i++) {
		size_t job = r->running[i];
		struct job_result *jr = &r->jobs[job];

		if (jr->deadline && now >= jr->deadline) {
			jr->timed_out = 1;
			jr->deadline = 0;
			jr->kill_at = now + r->opts.grace;
			kill(-jr->pid, SIGTERM);
			emit(r, RUNNER_JOB_TIMEOUT, job);
		}
		if (jr->kill_at && now >= jr->kill_at) {
			kill(-jr->pid, SIGKILL);
			jr->kill_at = 0;
		}
		if (jr->deadline && (next < 0 || jr->deadline < next))
			next = jr->deadline;
		if (jr->kill_at && (next < 0 || jr->kill_at < next))
			next = jr->kill_at;
	}
	for (i = 0; i < r->nstragglers;) {
		pid_t pg = r->stragglers[i];

		if (kill(-pg, 0) < 0 && errno == ESRCH) {
			r->stragglers[i] = r->stragglers[r->nstragglers - 1];
			r->straggler_kill_at[i] = r->straggler_kill_at[r->nstragglers - 1];
			r->nstragglers--;
			continue;
		}
		if (r->straggler_kill_at[i] > 0 && now >= r->straggler_kill_at[i]) {
			kill(-pg, SIGKILL);
			/* Stop waiting a moment after SIGKILL (a member we cannot reap). */
			r->straggler_kill_at[i] = -(now + 1);
		} else if (r->straggler_kill_at[i] < 0 && now >= -r->straggler_kill_at[i]) {
			r->stragglers[i] = r->stragglers[r->nstragglers - 1];
			r->straggler_kill_at[i] = r->straggler_kill_at[r->nstragglers - 1];
			r->nstragglers--;
			continue;
		}
		/* Poll stragglers often: their deaths need not reach us as SIGCHLD. */
		if (next < 0 || now + 0.02 < next)
			next = now + 0.02;
		i++;
	}
	if (next < 0)
		return -1;
	return (int)((next - now) * 1000) + 1;
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

static const int handled[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGPIPE };
#define NHANDLED (sizeof(handled) / sizeof(handled[0]))

int runner_execute(struct runner *r)
{
	const struct plan *plan = r->plan;
	struct sigaction sa, old[NHANDLED];
	struct orphan_reaper orphans = ORPHAN_REAPER_INIT;
	double last_tick;
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

	if (open_self_pipe() < 0)
		return -1;
	pending_signal = 0;
	signal_count = 0;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	for (i = 0; i < NHANDLED; i++) {
		sa.sa_handler = handled[i] == SIGPIPE ? SIG_IGN : on_signal;
		sigaction(handled[i], &sa, &old[i]);
	}
#ifdef PR_SET_CHILD_SUBREAPER
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif

	orphans.grace = r->opts.grace;
	r->mono_started = runner_now();
	last_tick = r->mono_started;
	for (;;) {
		struct pollfd pfd;
		int timeout, tick_ms = -1, seen = 0;
		char buf[64];

		if (!r->interrupted)
			start_ready(r);
		timeout = check_timers(r);
		if (!r->nrunning && !r->nstragglers && (r->interrupted || !r->ready_len)) {
			/*
			 * The jobs are over. What they left running became our
			 * children (we are their subreaper), setsid daemons
			 * included: stop them, reap them, then end.
			 */
			double next;

			orphans_scan(&orphans, NULL, 0, runner_now());
			next = orphans_tick(&orphans, runner_now());
			if (!next)
				break;
			timeout = (int)((next - runner_now()) * 1000) + 1;
		}
		if (r->opts.tick > 0) {
			tick_ms = (int)((last_tick + r->opts.tick - runner_now()) * 1000) + 1;
			if (tick_ms < 0)
				tick_ms = 0;
			if (timeout < 0 || tick_ms < timeout)
				timeout = tick_ms;
		}
		pfd.fd = self_pipe[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			pm_error(PM_EFAIL, "poll: %s", strerror(errno));
			break;
		}
		while (read(self_pipe[0], buf, sizeof(buf)) > 0)
			seen = 1;
		if (pending_signal) {
			int sig = pending_signal;

			pending_signal = 0;
			interrupt(r, sig);
			if (signal_count > 1)
				interrupt(r, sig);
		}
		reap(r);
		if (r->opts.tick > 0 && runner_now() >= last_tick + r->opts.tick) {
			last_tick = runner_now();
			emit(r, RUNNER_TICK, (size_t)-1);
		}
		(void)seen;
	}

	/* Nothing can start any more: whatever is still pending never will. */
	for (i = 0; i < plan->njobs; i++)
		if (r->jobs[i].selected && r->jobs[i].state == JOB_PENDING) {
			r->jobs[i].finished_ms = runner_wall_ms();
			set_state(r, i, r->interrupted ? JOB_ABORTED : JOB_SKIPPED);
			emit(r, RUNNER_JOB_FINISHED, i);
		}

#ifdef PR_SET_CHILD_SUBREAPER
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
#endif
	orphan_reaper_release(&orphans);
	for (i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &old[i], NULL);
	close_self_pipe();
	return 0;
}
