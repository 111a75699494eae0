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
/*
 * Appends the run's header line, {"ev":"run","run":run,"jobs":[...]}, the
 * jobs given as the compact JSON texts of jobs[0..n) that are not NULL, in
 * that order; fdatasync. The same line journal_append would write for the
 * objects, without holding every job as a jansson tree.
 */
int journal_append_run(struct journal *j, const json_t *run, char *const *jobs, size_t n);
int journal_sync(struct journal *j);
void journal_close(struct journal *j);

/*
 * Folds the journal at path: *run (new reference) the Run properties,
 * *jobs (new reference) the job property objects in header order, *ended
 * whether an "end" line closed it. A torn last line is ignored.
 */
int journal_load(json_t **run, json_t **jobs, int *ended, const char *path);

/*
 * Run ids: "20261121T101500Z-1f4a3f9c0d18b2e4f67", the UTC start second,
 * then 3 hex digits of its milliseconds and 64 random bits (16 hex
 * digits), so ids sort by start time and two runs started in the same
 * millisecond, on one machine or two, do not collide. Earlier releases
 * made "20261121T101500Z-1f4a" (one random hex digit); those stay valid
 * ids wherever one is read (run folders, --resume, status, sync).
 */
#define RUN_ID_LEN 36
#define RUN_ID_LEN_OLD 21
#define RUN_ID_RANDOM_BYTES 8
/* A new id for now (caller frees), or NULL with an error recorded. */
char *run_id_new(void);
/* The same for the wall-clock time ms (ms since the epoch). */
char *run_id_at(long long ms);
/* True when s looks like a run id, of this release or an earlier one. */
int run_id_valid(const char *s);
/* "2026-11-21T10:15:00.123Z" (caller frees). */
char *run_time_iso(long long ms);
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

/*
 * A run named on the command line: a run id, or "last"/"latest" for the
 * newest run folder of the workspace (caller frees); NULL with an error
 * (PM_EUSAGE when arg is neither).
 */
char *run_resolve_id(const char *root, const char *arg);

/* Takes the run's lock (fd kept open, close-on-exec); wait=0 fails at once when held. */
int run_lock(int *fd, const char *dir, int wait);
/*
 * The pmeta that follows a run (holding its lock) writes "<pid> <start>
 * <host>" to <dir>/owner, so `pmeta cancel` can signal it; <start> is the
 * process's start time in clock ticks since boot (proc_start_time), which
 * tells it from a later process that got the same pid.
 */
int run_owner_write(const char *dir);
/* 0 and the owner's pid, start and host (caller frees); -1 when there is none. */
int run_owner_read(const char *dir, long *pid, long long *start, char **host);

/*
 * A run that went to Slurm and whose journal is not closed (run/slurm.h):
 * when no pmeta follows it, brings its journal up to date from the jobs'
 * records and Slurm. 0 when nothing was to be done or it was done.
 */
int journal_reconcile(const char *dir);

/* Whether journal size `size` of the run in dir is recorded as synced. */
int run_is_synced(const char *dir, off_t size);
int run_mark_synced(const char *dir, off_t size);

/*
 * Writes every journal of the workspace that is not marked synced to the
 * graph (a run whose runner died is closed as aborted first), then the
 * item ledgers' lines the graph lacks (run/ledger.h); runs in progress are
 * left to their runner. *replayed counts the runs written.
 * Stops at the first failure, -1 with the error recorded.
 */
int journal_replay_all(struct neo4j *db, const char *ws, const char *root, size_t *replayed);

#endif
