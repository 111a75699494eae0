/*
 * Run journals (append-only JSON lines), run folders, locks, and the
 * replay of journals into the graph. Format: run/journal.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "cypher.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "run/journal.h"
#include "run/ledger.h"
#include "run/procs.h"
#include "util/err.h"
#include "util/isotime.h"
#include "util/strbuf.h"
#include "vcs/workspace.h"

#define JOBS_PER_STATEMENT 2000

int journal_create(struct journal *j, const char *path)
{
	j->size = 0;
	j->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0)
		return pm_error(PM_EFAIL, "cannot create journal '%s': %s", path, strerror(errno));
	return 0;
}

int journal_append(struct journal *j, const json_t *obj, int sync)
{
	char *line = json_dumps(obj, JSON_COMPACT);
	size_t len, off = 0;

	if (!line)
		return pm_error(PM_EFAIL, "cannot encode a journal line");
	len = strlen(line);
	line[len++] = '\n';  /* replaces the NUL: json_dumps' buffer is len+1 */
	while (off < len) {
		ssize_t n = write(j->fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(line);
			return pm_error(PM_EFAIL, "cannot write the run journal: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	j->size += (off_t)len;
	free(line);
	return sync ? journal_sync(j) : 0;
}

int journal_sync(struct journal *j)
{
	if (fdatasync(j->fd) < 0)
		return pm_error(PM_EFAIL, "cannot sync the run journal: %s", strerror(errno));
	return 0;
}

void journal_close(struct journal *j)
{
	if (j && j->fd >= 0) {
		close(j->fd);
		j->fd = -1;
	}
}

/* jobs: array of objects; index: plan index -> position, grown on demand. */
static json_t *job_by_index(json_t *jobs, size_t index)
{
	size_t i;
	json_t *job;

	/* Journals list jobs by plan index in increasing order: try the
	 * position first, then search (reused and unselected jobs make gaps). */
	job = json_array_get(jobs, index);
	if (job && (size_t)json_integer_value(json_object_get(job, "index")) == index)
		return job;
	json_array_foreach(jobs, i, job)
		if ((size_t)json_integer_value(json_object_get(job, "index")) == index)
			return job;
	return NULL;
}

int journal_load(json_t **run, json_t **jobs, int *ended, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	json_t **byindex = NULL;
	size_t nbyindex = 0;
	char *p, *nl;

	*run = *jobs = NULL;
	*ended = 0;
	if (strbuf_read_file(&sb, path) < 0)
		return -1;
	for (p = sb.buf; p < sb.buf + sb.len; p = nl + 1) {
		json_t *line, *set;
		const char *ev;

		nl = memchr(p, '\n', (size_t)(sb.buf + sb.len - p));
		if (!nl)
			break;  /* torn last line: the runner died mid-write */
		line = json_loadb(p, (size_t)(nl - p), 0, NULL);
		if (!line)
			continue;
		ev = json_string_value(json_object_get(line, "ev"));
		set = json_object_get(line, "set");
		if (ev && !strcmp(ev, "run") && !*run) {
			size_t i;
			json_t *job;

			*run = json_incref(json_object_get(line, "run"));
			*jobs = json_incref(json_object_get(line, "jobs"));
			if (!*jobs)
				*jobs = json_array();
			json_array_foreach(*jobs, i, job) {
				size_t idx = (size_t)json_integer_value(json_object_get(job, "index"));

				if (idx >= nbyindex) {
					size_t n = idx + 1 > 2 * nbyindex ? idx + 1 : 2 * nbyindex;

					byindex = xrealloc(byindex, n * sizeof(*byindex));
					memset(byindex + nbyindex, 0, (n - nbyindex) * sizeof(*byindex));
					nbyindex = n;
				}
				byindex[idx] = job;
			}
		} else if (ev && !strcmp(ev, "job") && *run && json_is_object(set)) {
			size_t idx = (size_t)json_integer_value(json_object_get(line, "index"));
			json_t *job = idx < nbyindex ? byindex[idx] : job_by_index(*jobs, idx);

			if (job)
				json_object_update(job, set);
		} else if (ev && !strcmp(ev, "end") && *run && json_is_object(set)) {
			json_object_update(*run, set);
			*ended = 1;
		}
		json_decref(line);
	}
	free(byindex);
	strbuf_release(&sb);
	if (!json_is_object(*run)) {
		json_decref(*run);
		json_decref(*jobs);
		*run = *jobs = NULL;
		return pm_error(PM_EFAIL, "journal '%s' has no run header", path);
	}
	return 0;
}

char *run_id_new(void)
{
	unsigned char rnd = 0;
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	if (getrandom(&rnd, 1, 0) != 1)
		rnd = (unsigned char)(getpid() ^ clock());
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* 3 hex digits of milliseconds (000-3e7), then one random digit: ids of
	 * runs started in the same second still sort by start time. */
	return xstrfmt("%s-%03lx%x", stamp, ts.tv_nsec / 1000000, rnd & 0xf);
}

int run_id_valid(const char *s)
{
	static const char shape[] = "ddddddddTddddddZ-xxxx";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		char c = s[i];

		switch (shape[i]) {
		case 'd':
			if (c < '0' || c > '9')
				return 0;
			break;
		case 'x':
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				return 0;
			break;
		default:
			if (c != shape[i])
				return 0;
		}
	}
	return 1;
}

char *run_time_iso(long long ms)
{
	return iso_time_ms(ms);
}

void records_times_text(json_t *o)
{
	static const char *const keys[] = { "started_at", "finished_at", NULL };
	size_t i;

	for (i = 0; keys[i]; i++) {
		long long ms;

		if (iso_time_parse(json_string_value(json_object_get(o, keys[i])), &ms) == 0) {
			char *text = run_time_iso(ms);

			json_object_set_new(o, keys[i], json_string(text));
			free(text);
		}
	}
}

char *runs_dir(const char *root)
{
	return xstrfmt("%s/.pmeta/runs", root);
}

char *run_dir(const char *root, const char *id)
{
	return xstrfmt("%s/.pmeta/runs/%s", root, id);
}

static int mkdir_one(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return pm_error(PM_EFAIL, "cannot create folder '%s': %s", path, strerror(errno));
	return 0;
}

int run_dir_create(const char *root, const char *id)
{
	char *pm = xstrfmt("%s/.pmeta", root), *runs = runs_dir(root), *dir = run_dir(root, id);
	int ret = -1;

	if (mkdir_one(pm) < 0 || mkdir_one(runs) < 0)
		goto out;
	if (mkdir(dir, 0755) < 0) {
		pm_error(PM_EFAIL, "cannot create run folder '%s': %s", dir, strerror(errno));
		goto out;
	}
	ret = workspace_ignore_pmeta(root);
out:
	free(pm);
	free(runs);
	free(dir);
	return ret;
}

int run_lock(int *fd, const char *dir, int wait)
{
	char *path = xstrfmt("%s/lock", dir);

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0) {
		pm_error(PM_EFAIL, "cannot open '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int err = errno;

		close(*fd);
		*fd = -1;
		if (err == EWOULDBLOCK)
			return pm_error(PM_EFAIL, "run in '%s' is in progress", dir);
		return pm_error(PM_EFAIL, "cannot lock '%s': %s", dir, strerror(err));
	}
	return 0;
}

int run_is_synced(const char *dir, off_t size)
{
	char *path = xstrfmt("%s/synced", dir);
	FILE *f = fopen(path, "r");
	long long recorded = -1;

	free(path);
	if (!f)
		return 0;
	if (fscanf(f, "%lld", &recorded) != 1)
		recorded = -1;
	fclose(f);
	return recorded == (long long)size;
}

int run_mark_synced(const char *dir, off_t size)
{
	char *path = xstrfmt("%s/synced", dir), *tmp = xstrfmt("%s/synced.tmp", dir);
	FILE *f = fopen(tmp, "w");
	int ret = 0;

	if (!f || fprintf(f, "%lld\n", (long long)size) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) < 0)
		ret = pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
	free(path);
	free(tmp);
	return ret;
}

static void add_chunks(json_t *stmts, const char *statement, const char *run_key, const json_t *jobs)
{
	json_t *chunk = NULL;
	size_t i, n = json_array_size(jobs);

	for (i = 0; i < n; i++) {
		if (!chunk)
			chunk = json_array();
		json_array_append(chunk, json_array_get(jobs, i));
		if (json_array_size(chunk) == JOBS_PER_STATEMENT || i + 1 == n) {
			json_array_append_new(stmts, neo4j_stmt(statement,
								json_pack("{sssO}", "run", run_key, "jobs", chunk)));
			json_decref(chunk);
			chunk = NULL;
		}
	}
}

int records_write2(struct neo4j *db, const json_t *run, const json_t *jobs, const json_t *updates)
{
	json_t *stmts = json_array();
	const char *key = json_string_value(json_object_get(run, "key"));
	const char *ws = json_string_value(json_object_get(run, "workspace"));
	const char *resume_of = json_string_value(json_object_get(run, "resume_of"));
	char *resume_key = ws && resume_of ? key_run(ws, resume_of) : NULL;
	int ret;

	if (!key || !ws) {
		free(resume_key);
		json_decref(stmts);
		return pm_error(PM_EFAIL, "a run record without its key or workspace");
	}
	json_array_append_new(stmts, neo4j_stmt(cypher_run_upsert,
						json_pack("{sOss?}", "run", (json_t *)run,
							  "resume_key", resume_key)));
	add_chunks(stmts, cypher_run_jobs_upsert, key, jobs);
	add_chunks(stmts, cypher_run_jobs_update, key, updates);
	ret = neo4j_commit(db, NULL, stmts);
	json_decref(stmts);
	free(resume_key);
	return ret;
}

static void set_key(json_t *o, const char *field, char *key)
{
	json_object_set_new(o, field, json_string(key));
	free(key);
}

void records_normalise(json_t *run, json_t *jobs, const char *ws)
{
	const char *id = json_string_value(json_object_get(run, "id"));
	const char *schedule = json_string_value(json_object_get(run, "schedule"));
	const char *process = json_string_value(json_object_get(run, "process_name"));
	const char *old_ws = json_string_value(json_object_get(run, "workspace"));
	char *prefix = key_qualify(ws, "");
	json_t *job;
	size_t i;

	if (!id)
		goto out;
	/* An earlier pmeta kept the workspace's path under "workspace". */
	if (old_ws && old_ws[0] == '/' && !json_object_get(run, "root"))
		json_object_set_new(run, "root", json_string(old_ws));
	json_object_set_new(run, "workspace", json_string(ws));
	set_key(run, "key", key_run(ws, id));
	if (schedule && process)
		set_key(run, "process", key_process(ws, schedule, process));
	json_array_foreach(jobs, i, job) {
		const char *step = json_string_value(json_object_get(job, "step"));
		const char *proc = json_string_value(json_object_get(job, "procedure"));
		const char *after = json_string_value(json_object_get(job, "skipped_after"));
		const json_t *shard = json_object_get(job, "shard");

		if (!step)
			continue;
		json_object_set_new(job, "workspace", json_string(ws));
		set_key(job, "key", key_jobrun(ws, id, step,
					       json_is_integer(shard) ? (int)json_integer_value(shard) : -1));
		if (schedule && process)
			set_key(job, "step_key", key_step(ws, schedule, process, step));
		if (schedule && proc)
			set_key(job, "procedure_key", key_procedure(ws, schedule, proc));
		/* A job key of the same run, from before workspaces: qualify it. */
		if (after && strncmp(after, prefix, strlen(prefix)))
			set_key(job, "skipped_after", key_qualify(ws, after));
	}
out:
	free(prefix);
}

int records_write(struct neo4j *db, const json_t *run, const json_t *jobs)
{
	return records_write2(db, run, jobs, NULL);
}

json_t *records_job_update(const json_t *job)
{
	static const char *const keys[] = { "key", "status", "attempts", "exit_code", "signal",
					    "timed_out", "started_at", "finished_at", "duration_ms",
					    "skipped_after", "log", "items", "processed", "error", NULL };
	json_t *o = json_object();
	size_t i;

	for (i = 0; keys[i]; i++) {
		json_t *v = json_object_get(job, keys[i]);

		if (v)
			json_object_set(o, keys[i], v);
	}
	return o;
}

/*
 * A job the journal says is running whose process (pid and start time,
 * recorded when it started) still lives: its runner died, it did not.
 */
static int job_still_runs(const json_t *job)
{
	const char *s = json_string_value(json_object_get(job, "status"));
	json_t *pid = json_object_get(job, "pid"), *start = json_object_get(job, "pid_start");

	return s && !strcmp(s, "running") && json_is_integer(pid) && json_is_integer(start) &&
	       proc_alive((pid_t)json_integer_value(pid), json_integer_value(start));
}

/* The journal's facts that are not the graph's (see session.c): dropped before writing. */
static void drop_journal_only(json_t *jobs)
{
	json_t *job;
	size_t i;

	json_array_foreach(jobs, i, job) {
		json_object_del(job, "pid");
		json_object_del(job, "pid_start");
	}
}

/* A journal with no end line and a free lock: its runner died. Close it. */
static int close_dead_run(json_t *run, json_t *jobs, const char *journal_path)
{
	struct journal j = { -1, 0 };
	struct stat st;
	long long ms = 0;
	char *at;
	json_t *line, *set, *job;
	size_t i;
	int ret;

	if (stat(journal_path, &st) == 0)
		ms = (long long)st.st_mtime * 1000;
	at = run_time_iso(ms);
	j.fd = open(journal_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j.fd < 0) {
		free(at);
		return pm_error(PM_EFAIL, "cannot open '%s': %s", journal_path, strerror(errno));
	}
	json_array_foreach(jobs, i, job) {
		const char *s = json_string_value(json_object_get(job, "status"));

		if (s && (!strcmp(s, "pending") || !strcmp(s, "running"))) {
			set = json_pack("{ssssss}", "status", "aborted", "finished_at", at,
					"reason", "runner ended without closing the journal");
			line = json_pack("{sssIsO}", "ev", "job", "index",
					 json_integer_value(json_object_get(job, "index")), "set", set);
			json_object_update(job, set);
			json_decref(set);
			journal_append(&j, line, 0);
			json_decref(line);
		}
	}
	set = json_pack("{ssssss}", "status", "aborted", "finished_at", at,
			"reason", "runner ended without closing the journal");
	line = json_pack("{sssO}", "ev", "end", "set", set);
	json_object_update(run, set);
	ret = journal_append(&j, line, 1);
	json_decref(set);
	json_decref(line);
	journal_close(&j);
	free(at);
	return ret;
}

static int replay_one(struct neo4j *db, const char *ws, const char *dir, int *replayed)
{
	char *path = xstrfmt("%s/journal.jsonl", dir);
	json_t *run = NULL, *jobs = NULL;
	struct stat st;
	int lock = -1, ended, ret = 0;
	size_t alive = 0;

	*replayed = 0;
	if (stat(path, &st) < 0 || run_is_synced(dir, st.st_size))
		goto out;
	if (run_lock(&lock, dir, 0) < 0) {
		pm_error_clear();  /* a live run writes its own records */
		goto out;
	}
	ret = -1;
	if (journal_load(&run, &jobs, &ended, path) < 0)
		goto out;
	if (!ended) {
		json_t *job;
		size_t i;

		/*
		 * Its runner died (the lock is free). A job whose process
		 * still runs is not aborted: the graph gets the journal as it
		 * is, and the journal stays unsynced, so a replay after that
		 * process ends closes the run. Only jobs of the local executor
		 * carry a pid to check (a cluster's jobs are not processes of
		 * this machine).
		 */
		json_array_foreach(jobs, i, job)
			if (job_still_runs(job))
				alive++;
		if (!alive && close_dead_run(run, jobs, path) < 0)
			goto out;
	}
	drop_journal_only(jobs);
	records_normalise(run, jobs, ws);
	if (records_write(db, run, jobs) < 0)
		goto out;
	if (!alive && (stat(path, &st) < 0 || run_mark_synced(dir, st.st_size) < 0))
		goto out;
	*replayed = 1;
	ret = 0;
out:
	if (lock >= 0)
		close(lock);
	json_decref(run);
	json_decref(jobs);
	free(path);
	return ret;
}

char *run_latest_local(const char *root)
{
	char *dir = runs_dir(root), *best = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	free(dir);
	if (!d)
		return NULL;
	/* Run ids sort by start time: the greatest name is the newest. */
	while ((de = readdir(d)))
		if (run_id_valid(de->d_name) && (!best || strcmp(de->d_name, best) > 0)) {
			free(best);
			best = xstrdup(de->d_name);
		}
	closedir(d);
	return best;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t runs_local(char ***ids, const char *root)
{
	char *dir = runs_dir(root);
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, alloc = 0;

	*ids = NULL;
	free(dir);
	if (!d)
		return 0;  /* no run yet */
	while ((de = readdir(d))) {
		if (!run_id_valid(de->d_name))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			*ids = xrealloc(*ids, alloc * sizeof(**ids));
		}
		(*ids)[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(*ids, n, sizeof(**ids), cmp_names);
	return n;
}

int journal_replay_all(struct neo4j *db, const char *ws, const char *root, size_t *replayed)
{
	char *dir = runs_dir(root);
	char **names;
	size_t n = runs_local(&names, root), i;
	int ret = 0;

	*replayed = 0;
	for (i = 0; i < n && !ret; i++) {
		char *one = xstrfmt("%s/%s", dir, names[i]);
		int done;

		ret = replay_one(db, ws, one, &done);
		if (ret < 0)
			pm_error_prefix("cannot replay run %s", names[i]);
		*replayed += (size_t)done;
		free(one);
	}
	/* Then the items those runs' jobs processed (run/ledger.h): their JobRuns exist now. */
	if (ret == 0)
		ret = ledger_sync_all(db, ws, root, NULL);
	free_strings(names, n);
	free(dir);
	return ret;
}
