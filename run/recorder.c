/*
 * The graph writer thread of a live run (see run/recorder.h).
 *
 * Ownership: the queue and run_set are shared and guarded by mu; the
 * connection, the full run/job objects and the dirty set belong to the
 * thread alone. A `set` object passes from the loop to the thread whole
 * (stolen), so no jansson value is ever touched by both threads.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/neo4j.h"
#include "run/journal.h"
#include "run/records.h"
#include "run/recorder.h"
#include "run/runner.h"
#include "util/err.h"
#include "util/strbuf.h"

#define FLUSH_INTERVAL 0.2   /* seconds between flushes */
#define FLUSH_BATCH 500      /* queued changes that trigger a flush at once */
/* Jobs a transaction at most: the first flush of a 100,000-job run wrote
 * every pending JobRun in one commit, which ran Neo4j's default 512 MB heap
 * out (and the server with it). PMETA_TEST_FLUSH_ROWS sets it in tests. */
#define FLUSH_ROWS 5000
#define BACKOFF_MIN 0.25
#define BACKOFF_MAX 5.0

struct item {
	size_t index;
	json_t *set;
};

struct recorder {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* shared, under mu */
	struct item *queue;
	size_t nqueue, aqueue;
	json_t *run_set;
	int stopping;
	double deadline;
	/* the thread's own */
	struct neo4j *db;
	int journal_fd;
	json_t *run;
	json_t **jobs;         /* by plan index; NULL for jobs the run does not record */
	char **texts;          /* by plan index: a job's header until job() parses it */
	size_t njobs;
	unsigned char *dirty;
	unsigned char *created;   /* the JobRun node exists: send updates only */
	size_t *dirty_list;
	size_t ndirty;
	int run_dirty;
	double last_flush, retry_at;
	int failures;
	int final_pass;
	int started;
	size_t flush_rows;     /* FLUSH_ROWS, or PMETA_TEST_FLUSH_ROWS */
	char *error;
	unsigned long flushes, rows;
};

static void timed_wait(struct recorder *rc, double until)
{
	struct timespec ts;

	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&rc->cv, &rc->mu, &ts);
}

static void mark_dirty(struct recorder *rc, size_t index)
{
	if (!rc->dirty[index]) {
		rc->dirty[index] = 1;
		rc->dirty_list[rc->ndirty++] = index;
	}
}

/* A new node has no property to remove: its nulls need not travel. Dropped
 * in place (a copy was 5,000 job objects more at a slice's peak). */
static json_t *without_nulls(json_t *job)
{
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(job, tmp, k, v)
		if (json_is_null(v))
			json_object_del(job, k);
	return json_incref(job);
}

/* Job idx's object, parsed from its header's text on first need; NULL for
 * a job the run does not record. */
static json_t *job(struct recorder *rc, size_t idx)
{
	if (!rc->jobs[idx] && rc->texts[idx]) {
		rc->jobs[idx] = json_loads(rc->texts[idx], 0, NULL);
		free(rc->texts[idx]);
		rc->texts[idx] = NULL;
	}
	return rc->jobs[idx];
}

/*
 * One transaction: the run and the dirty jobs dirty_list[from, to). 0 when
 * the graph took them; then they are clean and held as their key only.
 */
static int flush_slice(struct recorder *rc, size_t from, size_t to)
{
	json_t *list = json_array(), *updates = json_array();
	size_t i;
	int ret;

	for (i = from; i < to; i++) {
		size_t idx = rc->dirty_list[i];

		if (!job(rc, idx))
			continue;
		if (rc->created[idx])
			json_array_append_new(updates, records_job_update(rc->jobs[idx]));
		else
			/* After a failed flush the node may exist (a commit whose reply was lost). */
			json_array_append_new(list, rc->failures ? json_incref(rc->jobs[idx]) :
					      without_nulls(rc->jobs[idx]));
	}
	/* A job never sent, with no failed request since it was queued, has no
	 * node yet: created, not merged (cypher/run_jobs_create.cypher). */
	ret = records_write2(rc->db, rc->run, list, updates, !rc->failures);
	json_decref(list);
	json_decref(updates);
	if (ret < 0)
		return -1;
	/* The config's text is written once (records_write2 keeps it in a ConfigText). */
	json_object_del(rc->run, "config_text");
	for (i = from; i < to; i++) {
		size_t idx = rc->dirty_list[i];
		json_t *key = json_object_get(rc->jobs[idx], "key");

		rc->dirty[idx] = 0;
		rc->created[idx] = 1;
		/*
		 * The graph has the job now: keep its key only, so the next
		 * update carries what changed since, and the full record is
		 * not held twice for the whole run.
		 */
		key = json_pack("{sO}", "key", key ? key : json_null());
		json_decref(rc->jobs[idx]);
		rc->jobs[idx] = key;
	}
	rc->flushes++;
	rc->rows += to - from;
	rc->run_dirty = 0;
	rc->failures = 0;
	free(rc->error);
	rc->error = NULL;
	return 0;
}

/* The dirty run and jobs, FLUSH_ROWS jobs a transaction; after a failure
 * the rest waits for the backoff. */
static void flush(struct recorder *rc)
{
	size_t from = 0;

	do {
		size_t to = rc->ndirty - from > rc->flush_rows ? from + rc->flush_rows : rc->ndirty;

		if (flush_slice(rc, from, to) < 0) {
			double wait = BACKOFF_MIN;
			int k;

			for (k = 0; k < rc->failures && wait < BACKOFF_MAX; k++)
				wait *= 2;
			if (wait > BACKOFF_MAX)
				wait = BACKOFF_MAX;
			rc->failures++;
			rc->retry_at = runner_now() + wait;
			free(rc->error);
			rc->error = xstrdup(pm_error_msg());
			break;
		}
		from = to;
	} while (from < rc->ndirty);
	/* What was written leaves the dirty list; the rest keeps its order. */
	memmove(rc->dirty_list, rc->dirty_list + from, (rc->ndirty - from) * sizeof(size_t));
	rc->ndirty -= from;
	rc->last_flush = runner_now();
}

static void *writer_main(void *arg)
{
	struct recorder *rc = arg;

	pthread_mutex_lock(&rc->mu);
	for (;;) {
		struct item *items;
		size_t nitems, i;
		json_t *run_set;
		double now;
		int stopping;

		/* Wait until a flush is due: 200 ms after the last one, or a full batch. */
		for (;;) {
			int dirty = rc->ndirty || rc->run_dirty;
			double at;

			now = runner_now();
			if (rc->stopping)
				break;
			if (!rc->nqueue && !rc->run_set && !dirty) {
				pthread_cond_wait(&rc->cv, &rc->mu);
				continue;
			}
			at = rc->last_flush + FLUSH_INTERVAL;
			if (rc->retry_at > at)
				at = rc->retry_at;
			if (now >= at || (rc->nqueue >= FLUSH_BATCH && now >= rc->retry_at))
				break;
			timed_wait(rc, at);
		}
		items = rc->queue;
		nitems = rc->nqueue;
		run_set = rc->run_set;
		rc->queue = NULL;
		rc->nqueue = rc->aqueue = 0;
		rc->run_set = NULL;
		stopping = rc->stopping;
		pthread_mutex_unlock(&rc->mu);
		/* The last flush need not wait for a backoff that started earlier. */
		if (stopping && !rc->final_pass) {
			rc->final_pass = 1;
			rc->retry_at = 0;
		}

		for (i = 0; i < nitems; i++) {
			size_t idx = items[i].index;

			if (idx < rc->njobs && job(rc, idx)) {
				json_object_update(rc->jobs[idx], items[i].set);
				mark_dirty(rc, idx);
			}
			json_decref(items[i].set);
		}
		free(items);
		if (run_set) {
			json_object_update(rc->run, run_set);
			json_decref(run_set);
			rc->run_dirty = 1;
		}
		/* The journal lines of these changes go to disk before the graph. */
		if ((nitems || run_set) && rc->journal_fd >= 0)
			fdatasync(rc->journal_fd);
		now = runner_now();
		if ((rc->ndirty || rc->run_dirty) && now >= rc->retry_at)
			flush(rc);

		pthread_mutex_lock(&rc->mu);
		if (stopping && !rc->nqueue && !rc->run_set) {
			double until;

			now = runner_now();
			if ((!rc->ndirty && !rc->run_dirty) || now >= rc->deadline)
				break;
			until = rc->retry_at < rc->deadline ? rc->retry_at : rc->deadline;
			if (until > now)
				timed_wait(rc, until);
		}
	}
	pthread_mutex_unlock(&rc->mu);
	return NULL;
}

int recorder_start(struct recorder **out, const json_t *run, char **jobs, size_t njobs,
		   int journal_fd)
{
	struct recorder *rc = xcalloc(1, sizeof(*rc));
	struct neo4j_config cfg;
	pthread_condattr_t ca;
	sigset_t block, old;
	size_t i;
	int err;

	*out = NULL;
	err = neo4j_config_from_env(&cfg);
	/* Fail fast and let the backoff loop retry: the run must not wait. */
	if (cfg.connect_timeout_ms > 2000)
		cfg.connect_timeout_ms = 2000;
	if (cfg.timeout_ms > 30000)
		cfg.timeout_ms = 30000;
	cfg.max_retries = 1;
	if (err == 0)
		err = neo4j_open(&rc->db, &cfg);
	neo4j_config_release(&cfg);
	if (err < 0) {
		free_strings(jobs, njobs);
		free(rc);
		return -1;
	}
	rc->journal_fd = journal_fd;
	rc->flush_rows = (size_t)env_long("PMETA_TEST_FLUSH_ROWS", FLUSH_ROWS, 1);
	rc->run = json_deep_copy(run);
	rc->run_dirty = 1;
	rc->njobs = njobs;
	rc->texts = jobs;
	rc->jobs = xcalloc(njobs + 1, sizeof(*rc->jobs));
	rc->dirty = xcalloc(njobs + 1, 1);
	rc->created = xcalloc(njobs + 1, 1);
	rc->dirty_list = xcalloc(njobs + 1, sizeof(size_t));
	for (i = 0; i < njobs; i++)
		if (jobs[i])
			mark_dirty(rc, i);
	pthread_mutex_init(&rc->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rc->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals are the worker loop's business, never this thread's. */
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = pthread_create(&rc->thread, NULL, writer_main, rc);
	rc->started = !err;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pm_error(PM_EFAIL, "cannot start the record writer: %s", strerror(err));
		recorder_finish(rc, 0, NULL);
		return -1;
	}
	*out = rc;
	return 0;
}

static void enqueue(struct recorder *rc, size_t index, json_t *set)
{
	pthread_mutex_lock(&rc->mu);
	if (rc->nqueue == rc->aqueue) {
		rc->aqueue = rc->aqueue ? 2 * rc->aqueue : 64;
		rc->queue = xrealloc(rc->queue, rc->aqueue * sizeof(*rc->queue));
	}
	rc->queue[rc->nqueue].index = index;
	rc->queue[rc->nqueue].set = set;
	rc->nqueue++;
	/* Wake the thread only when it must start counting or flush now. */
	if (rc->nqueue == 1 || rc->nqueue == FLUSH_BATCH)
		pthread_cond_signal(&rc->cv);
	pthread_mutex_unlock(&rc->mu);
}

void recorder_job(struct recorder *rc, size_t index, json_t *set)
{
	enqueue(rc, index, set);
}

void recorder_run(struct recorder *rc, json_t *set)
{
	pthread_mutex_lock(&rc->mu);
	if (!rc->run_set)
		rc->run_set = json_object();
	json_object_update(rc->run_set, set);
	json_decref(set);
	pthread_cond_signal(&rc->cv);
	pthread_mutex_unlock(&rc->mu);
}

void recorder_finish(struct recorder *rc, double wait_s, struct recorder_result *res)
{
	size_t i;

	if (!rc)
		return;
	if (rc->started) {
		pthread_mutex_lock(&rc->mu);
		rc->stopping = 1;
		rc->deadline = runner_now() + wait_s;
		pthread_cond_signal(&rc->cv);
		pthread_mutex_unlock(&rc->mu);
		pthread_join(rc->thread, NULL);
	}
	if (res) {
		res->synced = !rc->ndirty && !rc->run_dirty && !rc->nqueue && !rc->run_set;
		res->error = res->synced || !rc->error ? NULL : xstrdup(rc->error);
		res->flushes = rc->flushes;
		res->rows = rc->rows;
	}
	for (i = 0; i < rc->nqueue; i++)
		json_decref(rc->queue[i].set);
	free(rc->queue);
	json_decref(rc->run_set);
	for (i = 0; i < rc->njobs; i++)
		json_decref(rc->jobs[i]);
	free(rc->jobs);
	free_strings(rc->texts, rc->njobs);
	free(rc->dirty);
	free(rc->created);
	free(rc->dirty_list);
	json_decref(rc->run);
	free(rc->error);
	neo4j_free(rc->db);
	pthread_cond_destroy(&rc->cv);
	pthread_mutex_destroy(&rc->mu);
	free(rc);
}
