#ifndef PMETA_RUNNER_H
#define PMETA_RUNNER_H

/*
 * The local executor of a run plan: a dependency-driven worker pool.
 *
 * A job becomes ready when every selected job of every step its step runs
 * after has succeeded (job-level readiness, no stage barrier); at most
 * max_jobs run at once. Each job is `/bin/sh -c <command>` started with
 * posix_spawn from the workspace root, stdin /dev/null, stdout and stderr
 * to its log file, in its own process group. The loop sleeps in poll() on
 * a self-pipe written by the SIGCHLD / SIGINT / SIGTERM handlers.
 *
 * The runner knows nothing of Neo4j or the journal: it reports every state
 * change through the event callback, which the caller turns into journal
 * lines, graph records and progress output.
 */

#include <stddef.h>
#include <sys/types.h>

struct plan;

enum job_state {
	JOB_PENDING,
	JOB_RUNNING,
	JOB_SUCCEEDED,
	JOB_FAILED,
	JOB_SKIPPED,
	JOB_ABORTED
};
#define JOB_NSTATES 6

/* "pending", "running", ... (the JobRun.status values). */
const char *job_state_name(enum job_state state);

enum runner_event {
	RUNNER_JOB_STARTED,    /* an attempt started (attempts counts it) */
	RUNNER_JOB_RETRY,      /* an attempt failed; the job goes back to the queue */
	RUNNER_JOB_TIMEOUT,    /* over its timeout: SIGTERM sent to its group */
	RUNNER_JOB_FINISHED,   /* reached succeeded, failed, skipped or aborted */
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
	pid_t pid;             /* while running; also its process group id */
	/* private to the runner */
	double mono_start;     /* monotonic start of the current attempt */
	double deadline;       /* monotonic time of its timeout, 0 = none */
	double kill_at;        /* monotonic time of the SIGKILL after a SIGTERM, 0 = none */
};

struct runner;

typedef void (*runner_event_fn)(void *data, const struct runner *r, enum runner_event ev,
				size_t job);

struct runner_options {
	const char *root;          /* workspace root: the jobs' working folder */
	const char *run_id;
	const char *log_dir;       /* existing folder for the job logs (absolute or from cwd) */
	unsigned max_jobs;         /* 0 = number of online cores */
	double grace;              /* seconds from SIGTERM to SIGKILL; 0 = 5 */
	double tick;               /* seconds between RUNNER_TICK events; 0 = none */
	runner_event_fn event;     /* may be NULL */
	void *data;
};

struct runner {
	const struct plan *plan;
	struct runner_options opts;
	struct job_result *jobs;   /* one per plan job, same index */
	size_t count[JOB_NSTATES]; /* selected jobs by state */
	size_t nselected;
	int interrupted;           /* the signal that stopped the run, 0 when none */
	double mono_started;
	/* private */
	size_t **step_jobs;        /* per step: its job indexes, shard order */
	size_t *step_njobs;
	size_t **step_dependents;  /* per step: the steps that run after it */
	size_t *step_ndependents;
	size_t *step_remaining;    /* selected jobs of the step not yet succeeded */
	size_t *step_waiting;      /* predecessor steps not yet complete */
	size_t *ready;             /* FIFO of job indexes */
	size_t ready_head, ready_len, ready_alloc;
	size_t *running;           /* job indexes currently running */
	size_t nrunning;
	pid_t *stragglers;         /* process groups whose leader ended but not all members */
	double *straggler_kill_at;
	size_t nstragglers, stragglers_alloc;
	char **env_base;           /* environ without the PMETA_* variables the runner sets */
	size_t nenv_base;
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
 * recorded when the runner itself could not work (no pipe, no fork...).
 * Installs handlers for SIGCHLD, SIGINT and SIGTERM while it runs and
 * restores the previous ones before it returns.
 */
int runner_execute(struct runner *r);

void runner_release(struct runner *r);

/* Monotonic seconds, and wall clock ms since the epoch. */
double runner_now(void);
long long runner_wall_ms(void);

/* The log file name of a job: "<step>.log" or "<step>.<shard>.log" (caller frees). */
char *runner_log_name(const struct plan *plan, size_t job);

/* The number of online processors, at least 1. */
unsigned runner_ncpu(void);

#endif
