#ifndef PMETA_OPENLINEAGE_H
#define PMETA_OPENLINEAGE_H

/*
 * OpenLineage events of a run (`pmeta run --openlineage FILE|URL`,
 * docs/openlineage.md): one RunEvent (spec 2-0-2) per job start, completion,
 * failure and abort, and one for the run's own start and end.
 *
 *   job       namespace: the workspace's identity; name: the step's key
 *             without it, "<schedule>/<process>/<step>" (the process's
 *             "<schedule>/<process>" for the run's own events)
 *   run       runId: UUIDv5 in the URL namespace of "pmeta:JobRun:<JobRun key>"
 *             ("pmeta:Run:<Run key>" for the run), so anyone holding the
 *             graph finds the same id; the pmeta Run is the parent run facet
 *   datasets  namespace: the workspace; name "<schedule>/<dataset>" (so
 *             namespace/name is the Dataset key): READS are inputs, WRITES
 *             outputs, DELETES outputs with a lifecycleStateChange DROP facet
 *
 * Every event is first appended to the run folder's outbox,
 * .pmeta/runs/<run>/openlineage.jsonl (one line each, one write(2), like the
 * journal); a thread of its own delivers the outbox to the target in order
 * (a FILE gets each line appended; a URL gets each event POSTed, the
 * OpenLineage HTTP transport's shape), so the runner never waits on it.
 * openlineage.sent beside the outbox holds how many bytes were delivered.
 * An endpoint that is down or slow never fails the run: delivery is retried
 * with backoff while the run lasts, the run's end waits a bounded time, and
 * what is left stays in the outbox for `pmeta sync` (openlineage_resend_all).
 */

#include <stddef.h>

#include <jansson.h>

#include "run/runner.h"

/* The schema URLs: OpenLineage spec 2-0-2 and the facet versions of
 * openlineage-python 1.54.0 (docs/openlineage.md). */
#define OPENLINEAGE_SPEC "https://openlineage.io/spec/2-0-2/OpenLineage.json"

/* Seconds one delivery may take (PMETA_OPENLINEAGE_TIMEOUT overrides, 0.1..600). */
#define OPENLINEAGE_TIMEOUT 5.0

struct plan;
struct openlineage;

struct openlineage_options {
	const char *target;     /* an http(s):// URL, or a file (relative: to cwd) */
	const char *run_id;
	const char *run_dir;    /* the run's folder (absolute) */
	const char *root;       /* the workspace root (absolute) */
	const struct plan *plan;
	const json_t *io;       /* {step: {"reads": [...], "writes": [...], "deletes": [...]}}
				   (dataset names; borrowed, copied), or NULL */
	const char *producer;   /* URI of the producer, "urn:pmeta:0.1.0" */
	const char *version;    /* pmeta's version, for the processing_engine facet */
};

/* Whether target can be used (a URL's scheme; a file opened for appending):
 * 0, or -1 with a PM_EUSAGE error naming it. */
int openlineage_check(const char *target);

/*
 * Checks the target as openlineage_check does and starts the
 * delivery thread. -1 with a PM_EUSAGE error naming the target when it
 * cannot be used.
 */
int openlineage_start(struct openlineage **out, const struct openlineage_options *opts);

/* The events: the run's start, a runner event of a job, the run's end ("succeeded",
 * "failed" or "aborted"). Never block on the target. ol may be NULL. */
void openlineage_run_started(struct openlineage *ol, long long started_ms);
void openlineage_job_event(struct openlineage *ol, const struct runner *r, enum runner_event ev,
			   size_t job);
void openlineage_run_ended(struct openlineage *ol, const char *status, long long finished_ms);

struct openlineage_result {
	unsigned long events;      /* appended to the outbox */
	unsigned long delivered;   /* of them, delivered to the target */
	char *error;               /* the last delivery failure (caller frees), or NULL */
};

/* Waits at most wait_s seconds for the rest to be delivered, stops the thread, frees ol. */
void openlineage_finish(struct openlineage *ol, double wait_s, struct openlineage_result *res);

/*
 * `pmeta sync`: delivers what the outboxes of the workspace's finished runs
 * still hold, to the target each run was given (a run whose
 * openlineage.target was removed is given up). *runs counts the runs with
 * something left, *delivered the events delivered. Every run is tried; -1
 * with the error of the first delivery that failed (the rest stays for the
 * next sync).
 */
int openlineage_resend_all(const char *root, size_t *runs, size_t *delivered);

/* "https://..." or "http://...": delivered by POST. */
int openlineage_target_is_url(const char *target);

/* The deterministic run id: UUIDv5 (URL namespace) of name, in 37 bytes. */
void openlineage_uuid(char out[37], const char *name);

#endif
