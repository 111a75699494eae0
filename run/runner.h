#ifndef PMETA_RUNNER_H
#define PMETA_RUNNER_H

/*
 * The scheduler of a run plan: which job may start when, retries, skips,
 * counts and events. How a job is started, watched and stopped belongs to
 * an executor (run/executor.h): this machine's process groups by default
 * (run/executor_local.c), a cluster's batch system otherwise.
 *
 * A job becomes ready when every selected job of every step its step runs
 * after has succeeded (job-level readiness, no stage barrier); at most
 * max_jobs are in flight at once. Ready jobs start in the order of their
 * steps' priority (`priority = N`, higher first), then in the order they
 * became ready. An executor that orders jobs itself
 * (EXECUTOR_ORDERS_JOBS) gets every job as soon as its predecessors have
 * been handed over instead. A failed attempt is retried up to the step's
 * `retries`; a job that fails for good skips every pending job downstream.
 * SIGINT, SIGTERM or SIGHUP stop the run: nothing new starts, the executor
 * cancels what runs (a second signal: at once), pending jobs are aborted.
 * Between polls of the executor the loop sleeps in poll() on a self-pipe
 * written by the signal handlers and by runner_wake().
 *
 * The runner knows nothing of Neo4j or the journal: it reports every state
 * change through the event callback, which the caller turns into journal
 * lines, graph records and progress output.
 */

#include <stddef.h>

#include "vcs/provenance.h"

struct plan;
struct executor;

enum job_state {
	JOB_PENDING,
	JOB_RUNNING,
	JOB_SUCCEEDED,
	JOB_FAILED,
	JOB_SKIPPED,
	JOB_ABORTED,
	JOB_UP_TO_DATE     /* an incremental job with nothing new: settled by the gate, never run */
};
#define JOB_NSTATES 7

/* "pending", "running", ... (the JobRun.status values). */
const char *job_state_name(enum job_state state);

enum runner_event {
	RUNNER_JOB_STARTED,    /* an attempt started (attempts counts it) */
	RUNNER_JOB_RETRY,      /* an attempt failed; the job goes back to the queue */
	RUNNER_JOB_TIMEOUT,    /* over its timeout: the executor is stopping it */
	RUNNER_JOB_FINISHED,   /* reached succeeded, failed, skipped, aborted or up_to_date */
	RUNNER_INTERRUPTED,    /* SIGINT/SIGTERM: no new job starts; job is (size_t)-1 */
	RUNNER_TICK            /* nothing happened for `tick` seconds; job is (size_t)-1 */
};

struct job_result {
	enum job_state state;
	int selected;          /* runs in this run (set by the caller before runner_execute) */
	int attempts;
	int exit_code;         /* -1 until it exited normally */
	int signal;            /* signal that ended it, 0 when none */
	int timed_out;
	long long started_ms;  /* wall clock, ms since the epoch, of the first attempt; 0 = never */
	long long finished_ms; /* of the last attempt; 0 = not finished */
	size_t cause;          /* skipped: the failed job it depended on */
	char *exec_id;         /* the executor's name of the last attempt (a pid, a
				  Slurm job id), or NULL */
	char *node;            /* where the last attempt ran, when the executor says (a
				  cluster node), or NULL */
	char *reason;          /* why the executor ended the last attempt, when the job
				  could not say (a node that failed), or NULL */
	long long exec_pid_start; /* the last attempt's exec_event.pid_start: > 0 only
				  when exec_id is a local pid (local executor) */
	/* Set by the gate (runner_options.gate) of an incremental job: */
	long nitems;           /* items handed to it; -1 = not an incremental job */
	long nprocessed;       /* of those, processed (set by the settled hook) */
	const char *items_file;  /* absolute path for PMETA_ITEMS (the gate's), or NULL */
	const char *done_file;   /* absolute path for PMETA_DONE, or NULL */
	char *error;           /* why it failed without running (the gate's error), or NULL */
	struct script_provenance script;  /* what the last attempt ran (blob "" and
				  dirty -1 until an executor said) */
	/* private to the runner */
	int in_flight;         /* handed to the executor, its ENDED not yet seen */
	int handed;            /* handed over at least once (EXECUTOR_ORDERS_JOBS) */
};

struct runner;

typedef void (*runner_event_fn)(void *data, const struct runner *r, enum runner_event ev,
				size_t job);

/* What a gate says of a job about to be handed over. */
enum runner_gate {
	RUNNER_GATE_FAIL = -1,      /* it fails without running (error recorded) */
	RUNNER_GATE_RUN = 0,        /* hand it over */
	RUNNER_GATE_UP_TO_DATE = 1  /* nothing to do: settled up_to_date, dependents go on */
};

struct runner_options {
	const char *root;          /* workspace root: the jobs' working folder */
	const char *run_id;
	const char *log_dir;       /* existing folder for the job logs (absolute or from cwd) */
	unsigned max_jobs;         /* 0 = number of online cores */
	struct executor *executor; /* borrowed; NULL = a local one, made with grace */
	double grace;              /* seconds from SIGTERM to SIGKILL; 0 = 5 */
	double tick;               /* seconds between RUNNER_TICK events; 0 = none */
	int detach;                /* with an executor that orders jobs: return once every
				      job is handed over and the executor is idle, leaving
				      the jobs in its hands (a cluster runs them) */
	runner_event_fn event;     /* may be NULL */
	void *data;
	/*
	 * Optional: asked once per job (again for a retry) when it is ready,
	 * its predecessors in this run finished, before it is handed over:
	 * the gap check of an incremental step (run/items.h). Returns an
	 * enum runner_gate. An executor that orders jobs itself hands them
	 * over before their predecessors finish: runner_execute refuses a
	 * gate with it.
	 */
	int (*gate)(void *gate_data, struct runner *r, size_t job);
	/* Optional: a job the gate gave items reached its final state (before FINISHED). */
	void (*settled)(void *gate_data, struct runner *r, size_t job);
	void *gate_data;
};

struct runner {
	const struct plan *plan;
	struct runner_options opts;
	struct job_result *jobs;   /* one per plan job, same index */
	size_t count[JOB_NSTATES]; /* selected jobs by state */
	size_t nselected;
	int interrupted;           /* the signal that stopped the run, 0 when none */
	int detached;              /* opts.detach took effect: jobs in flight were left to
				      the executor, unsettled */
	double mono_started;
	/* private */
	struct executor *ex;       /* opts.executor, or own_ex */
	struct executor *own_ex;
	size_t **step_jobs;        /* per step: its job indexes, shard order */
	size_t *step_njobs;
	size_t **step_dependents;  /* per step: the steps that run after it */
	size_t *step_ndependents;
	size_t *step_remaining;    /* selected jobs of the step not yet done (succeeded,
				      or handed over when the executor orders jobs) */
	size_t *step_waiting;      /* predecessor steps not yet complete */
	size_t *ready;             /* ready jobs, a binary heap: the highest step
				      priority first, then the first made ready */
	size_t *ready_seq;         /* per job: when it was last made ready */
	size_t ready_len, ready_alloc, ready_count;
	size_t ninflight;          /* jobs handed to the executor, not yet ended */
	int broken;                /* the executor failed: stop as on a signal */
};

/*
 * Prepares r for plan (borrowed; must outlive r). Every job starts
 * selected and pending; the caller may unselect jobs, or mark a job
 * succeeded and unselected to reuse an earlier result. Returns 0 or -1.
 */
int runner_init(struct runner *r, const struct plan *plan, const struct runner_options *opts);

/*
 * Runs the selected jobs to the end. Returns 0 when the run went to its end
 * (look at r->count and r->interrupted for the outcome), -1 with an error
 * recorded when the runner or its executor could not work (no pipe, a
 * cluster that stopped answering...); jobs it had not finished are aborted
 * then. Installs handlers for SIGINT, SIGTERM and SIGHUP (and ignores
 * SIGPIPE) while it runs and restores the previous ones before it returns.
 */
int runner_execute(struct runner *r);

/* Ends the runner's sleep early; async-signal-safe, from any thread. */
void runner_wake(void);

void runner_release(struct runner *r);

/* Monotonic seconds, and wall clock ms since the epoch. */
double runner_now(void);
long long runner_wall_ms(void);

/* The log file name of a job: "<step>.log" or "<step>.<shard>.log" (caller frees). */
char *runner_log_name(const struct plan *plan, size_t job);

/* The number of online processors, at least 1. */
unsigned runner_ncpu(void);

#endif
