/*
 * The local executor (run/executor.h): each attempt is `/bin/sh -c
 * <command>` started with posix_spawn from the workspace root, stdin
 * /dev/null, stdout and stderr appended to its log file, in its own
 * process group.
 *
 * Wake-ups: a SIGCHLD handler calls runner_wake(); poll() reaps every
 * exited child with waitpid(WNOHANG) and enforces the timers (a step's
 * timeout, the SIGKILL after the grace period), whose nearest deadline it
 * hands back as *next.
 *
 * Process groups: each job leads its own group (POSIX_SPAWN_SETPGROUP), so
 * one kill(-pgid) reaches the shell and everything it started. pmeta marks
 * itself a child subreaper (Linux) between begin and end, so a job's
 * orphaned background processes become pmeta's children: they are reaped
 * here, and when a job's leader exits while members of its group live on,
 * the group is sent SIGTERM, then SIGKILL after the grace period (the
 * "stragglers"). A process that left its job's group with setsid is not
 * reached by kill(-pgid): it is reaped here when it ends, and at the end of
 * the run (local_end) every child left is stopped by the orphan reaper
 * (run/procs.h). No job process outlives the run.
 *
 * Environment: a job inherits pmeta's environment except NEO4J_* and
 * PMETA_* (the password, a URI with credentials, pmeta's settings), which
 * reach it only when its step or base.conf names them in pass_env.
 *
 * Each STARTED carries the job's pid as its id and the pid's start time
 * (pid_start): the journal records both, so that a replay after pmeta died
 * never aborts a job whose process still runs. Only this executor's jobs
 * are checked that way.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "run/executor.h"
#include "run/procs.h"
#include "run/runner.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/provenance.h"

extern char **environ;

/* The variables set for each job; inherited values are dropped. */
static const char *const own_env[] = {
	"PMETA_RUN_ID=", "PMETA_STEP=", "PMETA_SHARD=", "PMETA_MAX_SHARD=",
	"PMETA_WORKSPACE=", "PMETA_PROCESS=", "PMETA_SCHEDULE=", "PMETA_ATTEMPT=",
	"PMETA_ITEMS=", "PMETA_DONE=", NULL
};

struct local_job {
	pid_t pid;          /* while running; also its process group id */
	int attempt;
	int timed_out;      /* this attempt was stopped over its timeout */
	int cancelled;      /* SIGTERM sent by cancel: the next cancel is SIGKILL */
	double deadline;    /* monotonic time of its timeout, 0 = none */
	double kill_at;     /* monotonic time of the SIGKILL after a SIGTERM, 0 = none */
};

struct local_executor {
	struct executor base;
	double grace;
	const struct runner *r;     /* between begin and end */
	struct local_job *jobs;     /* one per plan job */
	size_t *running;            /* job indexes whose leader is alive */
	size_t nrunning;
	pid_t *stragglers;          /* process groups whose leader ended but not all members */
	double *straggler_kill_at;
	size_t nstragglers, stragglers_alloc;
	int cancelled_all;          /* cancel(EXEC_ALL) seen: again = SIGKILL to stragglers too */
	struct provenance *pv;      /* the workspace's repository, for what each job runs */
	char **env_base;            /* environ without the PMETA_* variables set per job */
	size_t nenv_base;
	struct sigaction old_chld;
};

static void on_sigchld(int sig)
{
	(void)sig;
	runner_wake();
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
 * base.conf) that needs one names it in pass_env (job_env).
 */
static int is_kept_from_jobs(const char *entry)
{
	return !strncmp(entry, "NEO4J_", 6) || !strncmp(entry, "PMETA_", 6);
}

static int local_begin(struct executor *ex, const struct runner *r)
{
	struct local_executor *lx = (struct local_executor *)ex;
	struct sigaction sa;
	size_t i, n;

	lx->r = r;
	/* Without it jobs still run; each says in its log why its script's version is unknown. */
	if (provenance_open(&lx->pv, r->opts.root) < 0) {
		lx->pv = NULL;
		pm_error_clear();
	}
	lx->jobs = xcalloc(r->plan->njobs ? r->plan->njobs : 1, sizeof(*lx->jobs));
	lx->running = xcalloc(r->plan->njobs ? r->plan->njobs : 1, sizeof(size_t));
	lx->nrunning = 0;
	lx->cancelled_all = 0;
	/* The environment every job starts from. */
	for (n = 0; environ && environ[n]; n++)
		;
	lx->env_base = xcalloc(n + 1, sizeof(char *));
	lx->nenv_base = 0;
	/* The one filter of what a job inherits from pmeta's environment. */
	for (i = 0; i < n; i++)
		if (!is_own_env(environ[i]) && !is_kept_from_jobs(environ[i]))
			lx->env_base[lx->nenv_base++] = environ[i];

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, &lx->old_chld);
#ifdef PR_SET_CHILD_SUBREAPER
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
	return 0;
}

/*
 * The environment of one attempt (NULL-terminated; entries from index
 * lx->nenv_base on are the caller's to free).
 */
static char **job_env(struct local_executor *lx, size_t job, int attempt, size_t *n)
{
	const struct runner *r = lx->r;
	const struct plan *plan = r->plan;
	const struct plan_job *pj = &plan->jobs[job];
	const struct plan_step *ps = &plan->steps[pj->step];
	const struct job_result *jr = &r->jobs[job];
	size_t k = lx->nenv_base, npass = 0, i;
	char **envp;

	while (ps->pass_env && ps->pass_env[npass])
		npass++;
	envp = xcalloc(lx->nenv_base + 11 + npass, sizeof(char *));
	memcpy(envp, lx->env_base, lx->nenv_base * sizeof(char *));
	/* What the step asked for by name (the PMETA_* set below win over these). */
	for (i = 0; i < npass; i++) {
		const char *v = getenv(ps->pass_env[i]);
		char *entry;

		if (!v)
			continue;
		entry = xstrfmt("%s=%s", ps->pass_env[i], v);
		if (is_own_env(entry) || !is_kept_from_jobs(entry))
			free(entry);  /* inherited anyway, or set per job below */
		else
			envp[k++] = entry;
	}
	envp[k++] = xstrfmt("PMETA_RUN_ID=%s", r->opts.run_id);
	envp[k++] = xstrfmt("PMETA_STEP=%s", ps->name);
	envp[k++] = xstrfmt("PMETA_WORKSPACE=%s", r->opts.root);
	envp[k++] = xstrfmt("PMETA_PROCESS=%s", plan->process ? plan->process : "");
	envp[k++] = xstrfmt("PMETA_SCHEDULE=%s", plan->schedule ? plan->schedule : "");
	envp[k++] = xstrfmt("PMETA_ATTEMPT=%d", attempt);
	if (pj->shard >= 0) {
		envp[k++] = xstrfmt("PMETA_SHARD=%d", pj->shard);
		envp[k++] = xstrfmt("PMETA_MAX_SHARD=%d", ps->max_shard);
	}
	/* An incremental job's items, from the runner's gate (run/items.h). */
	if (jr->items_file)
		envp[k++] = xstrfmt("PMETA_ITEMS=%s", jr->items_file);
	if (jr->done_file)
		envp[k++] = xstrfmt("PMETA_DONE=%s", jr->done_file);
	envp[k] = NULL;
	*n = k;
	return envp;
}

/*
 * One attempt: its log (truncated by the first attempt), its environment,
 * the spawn. A job that cannot be started has failed that attempt with
 * exit status 127, the reason in its log. What the attempt runs (the git
 * blob of its script's bytes, dirty or not against HEAD) is hashed here,
 * right before the spawn, and travels in its EXEC_STARTED.
 */
static int local_start(struct executor *ex, size_t job, int attempt)
{
	struct local_executor *lx = (struct local_executor *)ex;
	const struct runner *r = lx->r;
	const struct plan *plan = r->plan;
	const struct plan_job *pj = &plan->jobs[job];
	const struct plan_step *ps = &plan->steps[pj->step];
	struct local_job *lj = &lx->jobs[job];
	struct exec_event ev = { .kind = EXEC_STARTED, .job = job, .attempt = attempt, .exit_code = -1 };
	struct script_provenance script = SCRIPT_PROVENANCE_INIT;
	char *prov_error = NULL;
	char *name = runner_log_name(plan, job);
	char *path = xstrfmt("%s/%s", r->opts.log_dir, name);
	char pidbuf[24];
	char **envp;
	size_t first = lx->nenv_base, n, i;
	pid_t pid = -1;
	int fd, err;

	if (ps->script && !lx->pv)
		prov_error = xstrdup("the workspace's git repository could not be opened");
	else if (ps->script && provenance_script(lx->pv, ps->script, &script) < 0)
		prov_error = xstrdup(pm_error_msg());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (attempt > 1 ? 0 : O_TRUNC),
		  0644);
	err = fd < 0 ? errno : 0;
	if (fd >= 0 && attempt > 1)
		dprintf(fd, "\n--- pmeta: attempt %d of %d ---\n", attempt, 1 + ps->retries);
	if (fd >= 0 && prov_error)
		dprintf(fd, "pmeta: which version of '%s' runs is not recorded: %s\n", ps->script,
			prov_error);
	free(prov_error);
	ev.script = &script;
	envp = job_env(lx, job, attempt, &n);
	if (!err)
		err = proc_spawn_shell(&pid, pj->command, r->opts.root, fd, envp);
	if (err && fd >= 0)
		dprintf(fd, "pmeta: cannot start '/bin/sh -c ...': %s\n", strerror(err));
	for (i = first; i < n; i++)
		free(envp[i]);
	free(envp);
	if (fd >= 0)
		close(fd);
	free(path);
	free(name);

	memset(lj, 0, sizeof(*lj));
	lj->attempt = attempt;
	if (err) {
		executor_report(ex, &ev);
		ev.kind = EXEC_ENDED;
		ev.exit_code = 127;
		executor_report(ex, &ev);
		return 0;
	}
	lj->pid = pid;
	lj->deadline = ps->timeout > 0 ? runner_now() + ps->timeout : 0;
	lx->running[lx->nrunning++] = job;
	snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)pid);
	ev.id = pidbuf;
	/* The pid alone may be reused; with its start time it names this process. */
	ev.pid_start = proc_start_time(pid);
	if (ev.pid_start < 0)
		ev.pid_start = 0;
	executor_report(ex, &ev);
	return 0;
}

static void add_straggler(struct local_executor *lx, pid_t pgid, double now)
{
	if (lx->nstragglers == lx->stragglers_alloc) {
		lx->stragglers_alloc = lx->stragglers_alloc ? 2 * lx->stragglers_alloc : 8;
		lx->stragglers = xrealloc(lx->stragglers, lx->stragglers_alloc * sizeof(pid_t));
		lx->straggler_kill_at = xrealloc(lx->straggler_kill_at,
						 lx->stragglers_alloc * sizeof(double));
	}
	kill(-pgid, SIGTERM);
	lx->stragglers[lx->nstragglers] = pgid;
	lx->straggler_kill_at[lx->nstragglers] = now + lx->grace;
	lx->nstragglers++;
}

static void drop_straggler(struct local_executor *lx, size_t i)
{
	lx->stragglers[i] = lx->stragglers[lx->nstragglers - 1];
	lx->straggler_kill_at[i] = lx->straggler_kill_at[lx->nstragglers - 1];
	lx->nstragglers--;
}

/* Every exited child: a job's leader is reported ended; orphans are just reaped. */
static void reap(struct local_executor *lx)
{
	for (;;) {
		struct exec_event ev = { .kind = EXEC_ENDED, .exit_code = -1 };
		struct local_job *lj;
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		size_t i;

		if (pid <= 0)
			break;
		for (i = 0; i < lx->nrunning; i++)
			if (lx->jobs[lx->running[i]].pid == pid)
				break;
		if (i == lx->nrunning)
			continue;  /* an orphan of a job, reparented to us: reaped (one that
				      left its job's group with setsid is seen only here) */
		ev.job = lx->running[i];
		lx->running[i] = lx->running[--lx->nrunning];
		lj = &lx->jobs[ev.job];
		if (WIFEXITED(status))
			ev.exit_code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			ev.signal = WTERMSIG(status);
		/* The leader is gone; the rest of its group must not linger. */
		if (kill(-pid, 0) == 0)
			add_straggler(lx, pid, runner_now());
		ev.attempt = lj->attempt;
		ev.timed_out = lj->timed_out;
		lj->pid = 0;
		lj->deadline = 0;
		lj->kill_at = 0;
		executor_report(&lx->base, &ev);
	}
}

/* Timeouts and SIGKILLs that are due; returns the next one's time, or 0. */
static double check_timers(struct local_executor *lx)
{
	double now = runner_now(), next = 0;
	size_t i;

	for (i = 0; i < lx->nrunning; i++) {
		size_t job = lx->running[i];
		struct local_job *lj = &lx->jobs[job];

		if (lj->deadline && now >= lj->deadline) {
			struct exec_event ev = { .kind = EXEC_TIMEOUT, .job = job, .attempt = lj->attempt,
						  .exit_code = -1, .timed_out = 1 };

			lj->timed_out = 1;
			lj->deadline = 0;
			lj->kill_at = now + lx->grace;
			kill(-lj->pid, SIGTERM);
			executor_report(&lx->base, &ev);
		}
		if (lj->kill_at && now >= lj->kill_at) {
			kill(-lj->pid, SIGKILL);
			lj->kill_at = 0;
		}
		if (lj->deadline && (!next || lj->deadline < next))
			next = lj->deadline;
		if (lj->kill_at && (!next || lj->kill_at < next))
			next = lj->kill_at;
	}
	for (i = 0; i < lx->nstragglers;) {
		pid_t pg = lx->stragglers[i];

		if (kill(-pg, 0) < 0 && errno == ESRCH) {
			drop_straggler(lx, i);
			continue;
		}
		if (lx->straggler_kill_at[i] > 0 && now >= lx->straggler_kill_at[i]) {
			kill(-pg, SIGKILL);
			/* Stop waiting a moment after SIGKILL (a member we cannot reap). */
			lx->straggler_kill_at[i] = -(now + 1);
		} else if (lx->straggler_kill_at[i] < 0 && now >= -lx->straggler_kill_at[i]) {
			drop_straggler(lx, i);
			continue;
		}
		/* Poll stragglers often: their deaths need not reach us as SIGCHLD. */
		if (!next || now + 0.02 < next)
			next = now + 0.02;
		i++;
	}
	return next;
}

static int local_poll(struct executor *ex, double *next)
{
	struct local_executor *lx = (struct local_executor *)ex;

	reap(lx);
	*next = check_timers(lx);
	return lx->nrunning || lx->nstragglers;
}

/* SIGTERM to the job's group, SIGKILL after the grace period; asked again: SIGKILL now. */
static void stop_job(struct local_executor *lx, size_t job, double now)
{
	struct local_job *lj = &lx->jobs[job];

	if (!lj->pid)
		return;
	if (lj->cancelled) {
		kill(-lj->pid, SIGKILL);
		return;
	}
	lj->cancelled = 1;
	kill(-lj->pid, SIGTERM);
	lj->deadline = 0;
	lj->kill_at = now + lx->grace;
}

static void local_cancel(struct executor *ex, size_t job)
{
	struct local_executor *lx = (struct local_executor *)ex;
	double now = runner_now();
	size_t i;

	if (job != EXEC_ALL) {
		if (lx->r && job < lx->r->plan->njobs)
			stop_job(lx, job, now);
		return;
	}
	for (i = 0; i < lx->nrunning; i++)
		stop_job(lx, lx->running[i], now);
	if (lx->cancelled_all)
		for (i = 0; i < lx->nstragglers; i++)
			kill(-lx->stragglers[i], SIGKILL);
	lx->cancelled_all = 1;
}

/*
 * The run is over. What its jobs left running became our children (we are
 * their subreaper), setsid daemons included: stop them (SIGTERM, SIGKILL
 * after the grace period) and reap them before the subreaper flag goes.
 * Bounded by the grace period and a second; any signal to pmeta meanwhile
 * was already taken as an interrupt.
 */
static void stop_orphans(struct local_executor *lx)
{
	struct orphan_reaper orphans = ORPHAN_REAPER_INIT;

	orphans.grace = lx->grace;
	for (;;) {
		double next, now;
		struct timespec ts;

		reap(lx);
		now = runner_now();
		orphans_scan(&orphans, NULL, 0, now);
		next = orphans_tick(&orphans, now);
		if (!next)
			break;
		/* SIGCHLD cuts the nap short. */
		next -= runner_now();
		if (next > 0) {
			ts.tv_sec = (time_t)next;
			ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
	orphan_reaper_release(&orphans);
}

static void local_end(struct executor *ex)
{
	struct local_executor *lx = (struct local_executor *)ex;

	stop_orphans(lx);
#ifdef PR_SET_CHILD_SUBREAPER
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
#endif
	sigaction(SIGCHLD, &lx->old_chld, NULL);
	provenance_free(lx->pv);
	lx->pv = NULL;
	free(lx->jobs);
	free(lx->running);
	free(lx->env_base);
	lx->jobs = NULL;
	lx->running = NULL;
	lx->env_base = NULL;
	lx->nrunning = 0;
	lx->r = NULL;
}

static void local_free(struct executor *ex)
{
	struct local_executor *lx = (struct local_executor *)ex;

	provenance_free(lx->pv);
	free(lx->jobs);
	free(lx->running);
	free(lx->env_base);
	free(lx->stragglers);
	free(lx->straggler_kill_at);
	free(lx);
}

static const struct executor_ops local_ops = {
	.name = "local",
	.flags = 0,
	.begin = local_begin,
	.start = local_start,
	.poll = local_poll,
	.cancel = local_cancel,
	.end = local_end,
	.free = local_free,
};

struct executor *executor_local_new(double grace)
{
	struct local_executor *lx = xcalloc(1, sizeof(*lx));

	lx->base.ops = &local_ops;
	lx->grace = grace > 0 ? grace : 5;
	return &lx->base;
}
