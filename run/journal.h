#ifndef PMETA_JOURNAL_H
#define PMETA_JOURNAL_H

/*
 * The local record of a run, and its copy in the graph.
 *
 * Every run has a folder <root>/.pmeta/runs/<run id>/ holding the job logs
 * and journal.jsonl: append-only JSON lines, the source of truth of the run.
 *
 *   {"ev":"run","run":{key, id, workspace, status, started_at, process, ...},
 *    "jobs":[{key, workspace, index, step, ...}]}
 *   {"ev":"job","index":I,"set":{status, attempts, exit_code, ...}}
 *   {"ev":"end","set":{status, finished_at, ...}}
 *
 * Folding the lines gives the Run properties and the JobRun properties
 * as the graph stores them (times are ISO 8601 text here, datetime values
 * there; cypher/run_*.cypher converts). A file "synced" next to the journal
 * holds the journal's size when everything in it reached Neo4j; a journal
 * larger than that is replayed by journal_replay_all. The runner holds an
 * exclusive flock on "lock" for the life of the run, so a replay never
 * races a live run, and a run whose runner died is recognised (lock free,
 * no "end" line) and closed as aborted.
 */

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

struct neo4j;

struct journal {
	int fd;
	off_t size;   /* bytes written so far */
};

/* Creates path (it must not exist) for appending. */
int journal_create(struct journal *j, const char *path);
/* Appends obj (borrowed) as one line with one write(2); fdatasync when sync. */
int journal_append(struct journal *j, const json_t *obj, int sync);
int journal_sync(struct journal *j);
void journal_close(struct journal *j);

/*
 * Folds the journal at path: *run (new reference) the Run properties,
 * *jobs (new reference) the job property objects in header order, *ended
 * whether an "end" line closed it. A torn last line is ignored.
 */
int journal_load(json_t **run, json_t **jobs, int *ended, const char *path);

/*
 * "20261121T101500Z-1f4a": UTC start second, then 3 hex digits of its
 * milliseconds and 1 random hex digit, so ids sort by start time.
 */
char *run_id_new(void);
/* True when s looks like a run id. */
int run_id_valid(const char *s);
/* "2026-11-21T10:15:00.123Z" (caller frees). */
char *run_time_iso(long long ms);
/*
 * Rewrites the started_at and finished_at of a run or job object read from
 * the graph (datetime values, which Neo4j prints as "2026-11-21T10:15Z")
 * as run_time_iso does, so they read as in the journal.
 */
void records_times_text(json_t *o);

/* <root>/.pmeta/runs and <root>/.pmeta/runs/<id> (caller frees). */
char *runs_dir(const char *root);
char *run_dir(const char *root, const char *id);
/*
 * Creates <root>/.pmeta/runs/<id>/ (parents too) and makes sure git ignores
 * .pmeta/: appends "/.pmeta/" to the repository's info/exclude unless git
 * already ignores it (the user's .gitignore stays untouched).
 */
int run_dir_create(const char *root, const char *id);

/* The ids of the workspace's run folders, sorted (oldest first); free with free_strings. */
size_t runs_local(char ***ids, const char *root);

/* The id of the newest run folder of the workspace, or NULL (caller frees). */
char *run_latest_local(const char *root);

/* Takes the run's lock (fd kept open, close-on-exec); wait=0 fails at once when held. */
int run_lock(int *fd, const char *dir, int wait);
/* Whether journal size `size` of the run in dir is recorded as synced. */
int run_is_synced(const char *dir, off_t size);
int run_mark_synced(const char *dir, off_t size);

/*
 * Writes one run and the given job objects (borrowed) to the graph in one
 * transaction (UNWIND batches of at most 2,000 jobs).
 */
int records_write(struct neo4j *db, const json_t *run, const json_t *jobs);
/*
 * The same, plus updates (may be NULL): objects of JobRun nodes written
 * before, with only the properties a run changes (see records_job_update).
 */
int records_write2(struct neo4j *db, const json_t *run, const json_t *jobs,
		   const json_t *updates);
/* The properties of a job object that change while it runs (new reference). */
json_t *records_job_update(const json_t *job);

/*
 * Brings the run and job objects of a journal (this release's, or an
 * earlier one's, whose keys had no workspace) to the keys of workspace ws,
 * in place: the keys are made again from the run id, schedule, process,
 * step and shard (graph/keys.h); an earlier "workspace" path moves to "root".
 */
void records_normalise(json_t *run, json_t *jobs, const char *ws);

/*
 * Writes every journal of the workspace that is not marked synced to the
 * graph (a run whose runner died is closed as aborted first), then the
 * item ledgers' lines the graph lacks (run/ledger.h); runs in progress are
 * left to their runner. *replayed counts the runs written.
 * Stops at the first failure, -1 with the error recorded.
 */
int journal_replay_all(struct neo4j *db, const char *ws, const char *root, size_t *replayed);

#endif
