#ifndef PMETA_SESSION_H
#define PMETA_SESSION_H

/*
 * One run of a plan, recorded: the run folder, its lock and journal, the
 * graph writer thread and the worker pool, wired together. cmd/run.c picks
 * the plan and the selection, then:
 *
 *   run_session_init(&s, plan, &opts);    runner ready, every job selected
 *   ... adjust s.runner.jobs[i].selected, s.reuse[i] (run/select.h) ...
 *   run_session_execute(&s);              header, jobs, end line, last flush
 *   ... print from s.runner, s.status, s.records ...
 *   run_session_release(&s);
 */

#include <jansson.h>

#include "run/journal.h"
#include "run/recorder.h"
#include "run/runner.h"

struct plan;
struct openlineage;

struct run_session_options {
	const char *root;          /* workspace root */
	const char *target;        /* as given on the command line, kept for --resume */
	unsigned max_jobs;         /* 0 = online cores */
	struct executor *executor; /* borrowed; NULL = this machine (run/executor.h) */
	double grace;              /* SIGTERM -> SIGKILL, seconds; 0 = 5 */
	double tick;               /* RUNNER_TICK period for progress, 0 = none */
	int detach;                /* leave the jobs to the executor once handed over
				      (runner_options.detach) */
	const char *resume_of;     /* run id or NULL */
	const char *selection;     /* "--from x --to y", recorded on the Run, or NULL */
	const char *version;       /* pmeta's version, recorded on the Run, or NULL */
	int record;                /* write records to Neo4j while running */
	double record_wait;        /* seconds the last flush may take when Neo4j fails */
	runner_event_fn progress;  /* called after each event is journaled */
	void *progress_data;
	/* The gap check of incremental steps (run/items.h), handed to the runner. */
	int (*gate)(void *gate_data, struct runner *r, size_t job);
	void (*settled)(void *gate_data, struct runner *r, size_t job);
	void *gate_data;
	struct openlineage *openlineage; /* borrowed: emits the run's OpenLineage events
				      (run/openlineage.h), or NULL; may be set
				      between run_session_init and _execute */
};

struct run_session {
	const struct plan *plan;
	struct run_session_options opts;
	char *id;
	char *dir;                 /* absolute run folder */
	char *rel_dir;             /* ".pmeta/runs/<id>" */
	struct runner runner;
	const json_t **reuse;      /* per job: earlier job object reused (borrowed), or NULL */
	const char *status;        /* "succeeded", "failed" or "aborted" after execute;
				      "submitted" when detached */
	struct journal journal;
	int lock;
	struct recorder *rec;
	struct recorder_result records;
	char *record_error;        /* why the writer did not start, or NULL */
	char *journal_error;       /* the first journal write that failed, or NULL */
	double elapsed;
};

int run_session_init(struct run_session *s, const struct plan *plan,
		     const struct run_session_options *opts);
int run_session_execute(struct run_session *s);
void run_session_release(struct run_session *s);

/* "TERM" style name of a signal, "SIGTERM" (static). */
const char *run_signal_name(int sig);
/* The last `lines` lines of a file (caller frees), "" when unreadable. */
char *run_log_tail(const char *path, int lines);

#endif
