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
#include "graph/neo4j.h"
#include "run/journal.h"
#include "run/procs.h"
#include "util/err.h"
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
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char stamp[32];

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	return xstrfmt("%s.%03dZ", stamp, (int)(ms % 1000));
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

/* Adds "/.pmeta/" to info/exclude unless git ignores .pmeta/ already. */
static int ignore_pmeta_dir(const char *root)
{
	git_repository *repo = NULL;
	char *path = NULL;
	FILE *f = NULL;
	int ignored = 0, ret = -1;

	if (workspace_open(&repo, root) < 0)
		return -1;
	if (git_ignore_path_is_ignored(&ignored, repo, ".pmeta/") < 0) {
		pm_error(PM_EGIT, "cannot read git's ignore rules: %s", vcs_git_msg());
		goto out;
	}
	if (ignored) {
		ret = 0;
		goto out;
	}
	path = xstrfmt("%sinfo", git_repository_commondir(repo));
	if (mkdir_one(path) < 0)
		goto out;
	free(path);
	path = xstrfmt("%sinfo/exclude", git_repository_commondir(repo));
	f = fopen(path, "a");
	if (!f) {
		pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	/* Start on a fresh line whatever the file ended with. */
	fseek(f, 0, SEEK_END);
	if (ftell(f) > 0)
		fputc('\n', f);
	fputs("# pmeta run folders (logs, journals)\n/.pmeta/\n", f);
	if (fclose(f) != 0) {
		f = NULL;
		pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	f = NULL;
	ret = 0;
out:
	if (f)
		fclose(f);
	free(path);
	git_repository_free(repo);
	return ret;
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
	ret = ignore_pmeta_dir(root);
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

static void add_chunks(json_t *stmts, const char *statement, const char *id, const json_t *jobs)
{
	json_t *chunk = NULL;
	size_t i, n = json_array_size(jobs);

	for (i = 0; i < n; i++) {
		if (!chunk)
			chunk = json_array();
		json_array_append(chunk, json_array_get(jobs, i));
		if (json_array_size(chunk) == JOBS_PER_STATEMENT || i + 1 == n) {
			json_array_append_new(stmts, neo4j_stmt(statement,
								json_pack("{sssO}", "run", id, "jobs", chunk)));
			json_decref(chunk);
			chunk = NULL;
		}
	}
}

int records_write2(struct neo4j *db, const json_t *run, const json_t *jobs, const json_t *updates)
{
	json_t *stmts = json_array();
	const char *id = json_string_value(json_object_get(run, "id"));
	int ret;

	json_array_append_new(stmts, neo4j_stmt(cypher_run_upsert,
						json_pack("{sO}", "run", (json_t *)run)));
	add_chunks(stmts, cypher_run_jobs_upsert, id, jobs);
	add_chunks(stmts, cypher_run_jobs_update, id, updates);
	ret = neo4j_commit(db, NULL, stmts);
	json_decref(stmts);
	return ret;
}

int records_write(struct neo4j *db, const json_t *run, const json_t *jobs)
{
	return records_write2(db, run, jobs, NULL);
}

json_t *records_job_update(const json_t *job)
{
	static const char *const keys[] = { "key", "status", "attempts", "exit_code", "signal",
					    "timed_out", "started_at", "finished_at", "duration_ms",
					    "skipped_after", "log", NULL };
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

static int replay_one(struct neo4j *db, const char *dir, int *replayed)
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
		 * process ends closes the run.
		 */
		json_array_foreach(jobs, i, job)
			if (job_still_runs(job))
				alive++;
		if (!alive && close_dead_run(run, jobs, path) < 0)
			goto out;
	}
	drop_journal_only(jobs);
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

int journal_replay_all(struct neo4j *db, const char *root, size_t *replayed)
{
	char *dir = runs_dir(root);
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	int ret = 0;

	*replayed = 0;
	if (!d) {
		free(dir);
		return 0;  /* no run yet */
	}
	while ((de = readdir(d))) {
		if (!run_id_valid(de->d_name))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			names = xrealloc(names, alloc * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && !ret; i++) {
		char *one = xstrfmt("%s/%s", dir, names[i]);
		int done;

		ret = replay_one(db, one, &done);
		if (ret < 0)
			pm_error_prefix("cannot replay run %s", names[i]);
		*replayed += (size_t)done;
		free(one);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	return ret;
}
