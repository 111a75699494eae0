#ifndef PMETA_EXECUTOR_H
#define PMETA_EXECUTOR_H

/*
 * How the jobs of a run are started, watched and stopped: the seam between
 * the runner (run/runner.c: readiness, retries, skips, counts, events,
 * interrupts) and the machinery that runs commands. run/executor_local.c
 * runs `/bin/sh -c` in a process group on this machine; a cluster executor
 * (Slurm: sbatch, job arrays, afterok) plugs in behind the same ops.
 *
 * The runner drives an executor through its ops and learns what happened
 * only from the events the executor reports with executor_report(): an
 * attempt started, is being stopped over its timeout, ended. Pids and
 * cluster job ids stay inside the executor; an event may carry one as an
 * opaque string.
 *
 * Life of a run (runner_execute):
 *
 *   begin(ex, r)               once, before the first start
 *   start(ex, job, attempt)    any number of times, between polls
 *   poll(ex, &next)            report what happened; say whether busy
 *   cancel(ex, job|EXEC_ALL)   stop jobs (graceful; asked again: at once)
 *   end(ex)                    once, after the last poll said idle
 *   executor_free(ex)          the owner's, after the run
 *
 * Every op is called from the runner's thread. cancel may be called from
 * inside executor_report (a job that fails for good skips, so cancels,
 * the jobs downstream already handed over), never start: an executor
 * reports only at points where it can take a cancel.
 * The runner sleeps in poll(2) on its wake-up pipe between polls:
 * runner_wake() (async-signal-safe, thread-safe) ends that sleep early,
 * e.g. from a SIGCHLD handler or a thread watching a file.
 */

#include <stddef.h>

#include "vcs/provenance.h"

struct runner;

/* cancel(): every job in flight. */
#define EXEC_ALL ((size_t)-1)

enum exec_event_kind {
	EXEC_STARTED,   /* an attempt began running */
	EXEC_TIMEOUT,   /* the executor is stopping an attempt over its step's timeout */
	EXEC_ENDED      /* an attempt is over (it ran, or it never will) */
};

struct exec_event {
	enum exec_event_kind kind;
	size_t job;        /* index into plan.jobs */
	int attempt;       /* 1-based; the executor's count is the one recorded */
	long long at_ms;   /* wall clock ms of the event (the job's own clock, say
			      from a journal line); 0 = now */
	int exit_code;     /* ENDED: its exit status when it exited, else -1 */
	int signal;        /* ENDED: the signal that ended it, 0 when none */
	int timed_out;     /* ENDED: it was stopped over its timeout */
	const char *id;    /* the executor's name of the attempt ("4242", "4243_7"),
			      or NULL; borrowed for the call */
	const char *node;  /* STARTED: the machine it runs on, when not this one, or NULL */
	const char *reason;  /* ENDED: why the executor ended it, when the job could not
				say so itself ("slurm: NODE_FAIL ..."), or NULL */
	long long pid_start;  /* STARTED by the local executor only: id is a pid of
				 this machine, this its start time (/proc/PID/stat,
				 which a reused pid does not repeat), so that a replay
				 can tell the job still runs (run/procs.h); 0 from an
				 executor whose ids are no local pids (Slurm) */
	/*
	 * STARTED: what the attempt runs, hashed by whoever starts it right
	 * before the start (vcs/provenance.h: provenance_script, or
	 * script_provenance in a process that starts one job), or NULL when
	 * the executor cannot tell; borrowed for the call. The JobRun records
	 * it as blob, dirty and commit (the last attempt's).
	 */
	const struct script_provenance *script;
};

/*
 * The executor orders the jobs by their dependencies itself (a cluster's
 * job dependencies): the runner hands it every selected job as soon as
 * every selected job of the steps it runs after has been handed over (so
 * dependencies are always handed over before their dependents), without
 * the max_jobs limit. Without this flag a job is handed over only when
 * those jobs have succeeded, at most max_jobs at once.
 */
#define EXECUTOR_ORDERS_JOBS 0x1

struct executor;

struct executor_ops {
	const char *name;      /* "local", "slurm" */
	unsigned flags;        /* EXECUTOR_* */
	const char *id_key;    /* the JobRun property recording an attempt's id
				  ("slurm_job"), or NULL: not recorded */

	/*
	 * Before the first start. r (borrowed for the run, read-only) gives the
	 * plan, the options (root, run_id, log_dir) and which jobs are
	 * selected. 0, or -1 with an error recorded: nothing runs.
	 */
	int (*begin)(struct executor *ex, const struct runner *r);

	/*
	 * Hands over attempt `attempt` (1-based) of plan job `job`. The
	 * executor may submit at once or at its next poll (a cluster executor
	 * gathers the shards of a step into one array). Every attempt handed
	 * over ends in exactly one EXEC_ENDED, reported from start itself when
	 * it cannot be started (after an EXEC_STARTED, so it counts as a
	 * failed attempt) or from a later poll, unless the runner cancels it
	 * first for a reason of its own (then an ENDED may still come and is
	 * ignored). Returns -1 with an error recorded only when the executor
	 * itself cannot work any more: the runner then stops the run.
	 */
	int (*start)(struct executor *ex, size_t job, int attempt);

	/*
	 * Reports (executor_report) what happened since the last call without
	 * blocking: reaped processes, lines of a job journal, states from the
	 * cluster; enforces its own timers. Sets *next to the monotonic time
	 * (runner_now) it wants to be polled again, or 0 when only a wake-up
	 * needs it. Returns 1 while it has work of its own left (jobs in
	 * flight, processes still to reap, cancelled jobs still in the
	 * cluster's queue), 0 when idle, -1 with an error recorded when it
	 * cannot work any more. The run ends only when the runner has nothing
	 * in flight and poll returned 0.
	 *
	 * An event may name a job the runner never handed over in this
	 * process (say, submitted by an earlier pmeta that detached): the
	 * runner adopts it when the job is selected and pending. Events for a
	 * job already finished (skipped, aborted) or not selected are ignored.
	 */
	int (*poll)(struct executor *ex, double *next);

	/*
	 * Stops job `job`, or every job in flight with EXEC_ALL: gracefully
	 * the first time (SIGTERM, scancel), at once when asked again for the
	 * same job. The ENDED of a job still running follows from a poll.
	 */
	void (*cancel)(struct executor *ex, size_t job);

	/* After the run, when begin succeeded: undo what it set up (handlers...). */
	void (*end)(struct executor *ex);

	/* Frees ex; never stops a job (a detached run leaves them running). */
	void (*free)(struct executor *ex);
};

/*
 * Every executor starts with this struct (embed it first and cast back).
 * report and report_data are set by the runner before begin.
 */
struct executor {
	const struct executor_ops *ops;
	void (*report)(void *data, const struct exec_event *ev);
	void *report_data;
};

static inline void executor_report(struct executor *ex, const struct exec_event *ev)
{
	if (ex->report)
		ex->report(ex->report_data, ev);
}

/* Frees any executor; NULL is fine. */
void executor_free(struct executor *ex);

/*
 * The executor of this machine: `/bin/sh -c <command>` from the workspace
 * root, one process group per job, SIGTERM then SIGKILL after grace seconds
 * (0 = 5). See run/executor_local.c.
 */
struct executor *executor_local_new(double grace);

/*
 * Slurm (run/executor_slurm.c): one sbatch per job, an array per sharded
 * step, afterok dependencies; each job runs the wrapper `pmeta job`, which
 * records its start and end in the run folder (run/slurm.h). The run
 * folder must be on a filesystem the nodes share; Slurm's clients need
 * SLURM_CONF (or the cluster's default configuration).
 */
struct slurm_options {
	int detach;            /* submit everything, then leave the jobs to Slurm */
	double grace;          /* the wrapper's SIGTERM -> SIGKILL, seconds; 0 = 5 */
	const char *pmeta;     /* the pmeta the nodes run (absolute), NULL = this one */
};

struct executor *executor_slurm_new(const struct slurm_options *opts);

#endif
