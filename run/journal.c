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
#include "run/records.h"
#include "run/runner.h"
#include "run/slurm.h"
#include "util/err.h"
#include "util/isotime.h"
#include "util/strbuf.h"
#include "vcs/workspace.h"

int journal_create(struct journal *j, const char *path)
{
	j->size = 0;
	j->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (j->fd < 0)
		return pm_error(PM_EFAIL, "cannot create journal '%s': %s", path, strerror(errno));
	return 0;
}

/* A journal line written as jansson encodes it, a buffer at a time. */
struct line_out {
	int fd;
	int err;
	size_t len;
	off_t written;
	char buf[65536];
};

static struct line_out *line_new(int fd)
{
	struct line_out *o = xmalloc(sizeof(*o));

	o->fd = fd;
	o->err = 0;
	o->len = 0;
	o->written = 0;
	return o;
}

static int line_flush(struct line_out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			o->err = errno;
		else
			off += (size_t)n;
	}
	o->written += (off_t)off;
	o->len = 0;
	return o->err ? -1 : 0;
}

static int line_put(const char *buffer, size_t size, void *data)
{
	struct line_out *o = data;

	while (size) {
		size_t n = sizeof(o->buf) - o->len < size ? sizeof(o->buf) - o->len : size;

		memcpy(o->buf + o->len, buffer, n);
		o->len += n;
		buffer += n;
		size -= n;
		if (o->len == sizeof(o->buf) && line_flush(o) < 0)
			return -1;
	}
	return 0;
}

int journal_append(struct journal *j, const json_t *obj, int sync)
{
	/*
	 * Streamed: the header line of a 10,000-job run is 10 MB, which
	 * json_dumps would build whole (with its doubling buffer, 17 MB).
	 */
	struct line_out *o = line_new(j->fd);
	int ret = 0;

	if (json_dump_callback(obj, line_put, o, JSON_COMPACT) < 0 && !o->err)
		ret = pm_error(PM_EFAIL, "cannot encode a journal line");
	else if (o->err || line_put("\n", 1, o) < 0 || line_flush(o) < 0)
		ret = pm_error(PM_EFAIL, "cannot write the run journal: %s", strerror(o->err));
	j->size += o->written;
	free(o);
	if (ret < 0)
		return ret;
	return sync ? journal_sync(j) : 0;
}

int journal_append_run(struct journal *j, const json_t *run, char *const *jobs, size_t n)
{
	static const char head[] = "{\"ev\":\"run\",\"run\":", mid[] = ",\"jobs\":[", end[] = "]}\n";
	struct line_out *o = line_new(j->fd);
	size_t i, k = 0;
	int ret = 0;

	if (line_put(head, sizeof(head) - 1, o) == 0 &&
	    json_dump_callback(run, line_put, o, JSON_COMPACT) < 0 && !o->err)
		ret = pm_error(PM_EFAIL, "cannot encode a journal line");
	if (!ret)
		line_put(mid, sizeof(mid) - 1, o);
	for (i = 0; !ret && !o->err && i < n; i++)
		if (jobs[i] && (k++ == 0 || line_put(",", 1, o) == 0))
			line_put(jobs[i], strlen(jobs[i]), o);
	if (!ret && (o->err || line_put(end, sizeof(end) - 1, o) < 0 || line_flush(o) < 0))
		ret = pm_error(PM_EFAIL, "cannot write the run journal: %s", strerror(o->err));
	j->size += o->written;
	free(o);
	return ret < 0 ? ret : journal_sync(j);
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

char *run_id_at(long long ms)
{
	unsigned char rnd[RUN_ID_RANDOM_BYTES];
	size_t got = 0;
	struct tm tm;
	time_t sec = (time_t)(ms / 1000);
	char stamp[32];
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	/* getrandom(2) gives up to 256 bytes at once; only a signal interrupts it. */
	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pm_error(PM_EFAIL, "cannot draw a run id's random bits: %s", strerror(errno));
			return NULL;
		}
		got += (size_t)n;
	}
	gmtime_r(&sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* 3 hex digits of milliseconds (000-3e7) keep ids of one second in start
	 * order; 64 random bits after them keep ids of one millisecond apart. */
	strbuf_addf(&sb, "%s-%03x", stamp, (unsigned)(ms % 1000));
	for (i = 0; i < sizeof(rnd); i++)
		strbuf_addf(&sb, "%02x", rnd[i]);
	return strbuf_detach(&sb, NULL);
}

char *run_id_new(void)
{
	return run_id_at(runner_wall_ms());
}

/* ddddddddTddddddZ- then hex digits: 3 + 16, or 4 (an earlier release's). */
int run_id_valid(const char *s)
{
	static const char shape[] = "ddddddddTddddddZ-";
	size_t i, n = strlen(s), prefix = sizeof(shape) - 1;

	if (n != RUN_ID_LEN && n != RUN_ID_LEN_OLD)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		switch (i < prefix ? shape[i] : 'x') {
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

int run_owner_write(const char *dir)
{
	char *path = xstrfmt("%s/owner", dir), host[256] = "";
	FILE *f = fopen(path, "w");
	int ret = 0;

	gethostname(host, sizeof(host) - 1);
	if (!f || fprintf(f, "%ld %lld %s\n", (long)getpid(), proc_start_time(getpid()), host) < 0 ||
	    fclose(f) != 0)
		ret = pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
	free(path);
	return ret;
}

int run_owner_read(const char *dir, long *pid, long long *start, char **host)
{
	char *path = xstrfmt("%s/owner", dir), name[256];
	FILE *f = fopen(path, "r");
	int ret = -1;

	*host = NULL;
	if (f && fscanf(f, "%ld %lld %255s", pid, start, name) == 3) {
		*host = xstrdup(name);
		ret = 0;
	}
	if (f)
		fclose(f);
	free(path);
	return ret;
}

int journal_reconcile(const char *dir)
{
	int lock = -1, ended, ret;

	if (!slurm_run_open(dir))
		return 0;
	if (run_lock(&lock, dir, 0) < 0) {
		pm_error_clear();  /* its pmeta follows it */
		return 0;
	}
	ret = slurm_reconcile(dir, &ended);
	close(lock);
	return ret;
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
	/* A Slurm run no pmeta follows: its jobs' records may have moved on. */
	if (journal_reconcile(dir) < 0) {
		ret = -1;
		goto out;
	}
	if (stat(path, &st) < 0 || run_is_synced(dir, st.st_size))
		goto out;
	if (run_lock(&lock, dir, 0) < 0) {
		pm_error_clear();  /* a live run writes its own records */
		goto out;
	}
	ret = -1;
	if (journal_load(&run, &jobs, &ended, path) < 0)
		goto out;
	/* A Slurm run still open is left to its jobs and reconciles. */
	if (!ended && !slurm_run_open(dir)) {
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

char *run_resolve_id(const char *root, const char *arg)
{
	char *id;

	if (strcmp(arg, "last") && strcmp(arg, "latest")) {
		if (!run_id_valid(arg)) {
			pm_error(PM_EUSAGE, "'%s' is not a run id (like 20261121T101500Z-1f4a3f9c0d18b2e4f67) nor 'last'", arg);
			return NULL;
		}
		return xstrdup(arg);
	}
	id = run_latest_local(root);
	if (!id)
		pm_error(PM_EFAIL, "no run in this workspace yet (.pmeta/runs is empty)");
	return id;
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
		qsort(*ids, n, sizeof(**ids), cmp_strings);
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
