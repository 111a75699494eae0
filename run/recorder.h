#ifndef PMETA_RECORDER_H
#define PMETA_RECORDER_H

/*
 * The graph writer of a live run: a thread that owns its own Neo4j
 * connection, so the worker loop never waits on Neo4j.
 *
 * The loop hands over status changes (recorder_job, recorder_run: a JSON
 * object of the properties that changed, stolen); the thread coalesces them
 * per job and writes them with one UNWIND transaction at most every 200 ms,
 * or at once when 500 changes are waiting. When Neo4j fails, the changes
 * stay queued and the thread retries with backoff (0.5 s up to 5 s) until
 * it answers again; the journal, written by the caller, stays the source of
 * truth meanwhile. The thread also fdatasync()s the journal before each
 * flush, so the loop never blocks on the disk either.
 */

#include <stddef.h>

#include <jansson.h>

struct recorder;

/*
 * Starts the thread. run (the header of the journal) is copied; jobs[i] is
 * the JobRun properties of plan job i as compact JSON text (as the journal
 * has it), NULL for a job the run does not record. The recorder takes jobs
 * and its texts, also when it fails to start, and parses a job's text only
 * when it first writes or updates it: held as text, 100,000 job headers
 * are a fifth of their jansson trees. journal_fd (borrowed, may be -1) is
 * synced by the thread. Connection settings come from NEO4J_* as for every
 * verb.
 */
int recorder_start(struct recorder **out, const json_t *run, char **jobs, size_t njobs,
		   int journal_fd);

/* Queue a change of job `index` / of the run (set is stolen). Never blocks on I/O. */
void recorder_job(struct recorder *rc, size_t index, json_t *set);
void recorder_run(struct recorder *rc, json_t *set);

struct recorder_result {
	int synced;               /* every change reached the graph */
	char *error;              /* why not (caller frees), or NULL */
	unsigned long flushes;    /* transactions committed */
	unsigned long rows;       /* job rows written (a job written twice counts twice) */
};

/*
 * Stops the thread after a last flush, trying for at most wait_s seconds
 * when Neo4j fails, and frees rc. res may be NULL.
 */
void recorder_finish(struct recorder *rc, double wait_s, struct recorder_result *res);

#endif
