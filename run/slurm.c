/*
 * A run on Slurm, as the files of its run folder and Slurm's own commands
 * tell it (see run/slurm.h): running sbatch, squeue and scancel, reading the
 * wrappers' records, and reconciling or cancelling a run that no pmeta
 * follows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "graph/keys.h"
#include "run/journal.h"
#include "run/records.h"
#include "run/runner.h"
#include "run/session.h"
#include "run/slurm.h"
#include "util/err.h"
#include "util/isotime.h"
#include "util/strbuf.h"

extern char **environ;

char *slurm_path(const char *run_dir, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s/slurm/", run_dir);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

int slurm_run_open(const char *run_dir)
{
	char *path = slurm_path(run_dir, "open");
	int open = access(path, F_OK) == 0;

	free(path);
	return open;
}

/* --- running Slurm's commands --- */

static void drain(int fd, struct strbuf *sb, int *open)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		if (sb)
			strbuf_add(sb, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		*open = 0;
	}
}

int slurm_command(char *const argv[], char *const envp[], struct strbuf *out,
		  struct strbuf *err, int *status)
{
	posix_spawn_file_actions_t fa;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, rc, st = 0, open_o = 1, open_e = 1;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		rc = errno;
		if (po[0] >= 0) {
			close(po[0]);
			close(po[1]);
		}
		return pm_error(PM_EFAIL, "cannot run %s: %s", argv[0], strerror(rc));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc) {
		close(po[0]);
		close(pe[0]);
		return pm_error(PM_EFAIL, "cannot run %s: %s", argv[0], strerror(rc));
	}
	while (open_o || open_e) {
		struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };

		if (!open_o)
			p[0].fd = -1;
		if (!open_e)
			p[1].fd = -1;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			drain(po[0], out, &open_o);
		if (p[1].revents)
			drain(pe[0], err, &open_e);
	}
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return pm_error(PM_EFAIL, "cannot wait for %s: %s", argv[0], strerror(errno));
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}

/* The first line of a command's error output, for messages. */
static const char *first_line(struct strbuf *sb)
{
	size_t n = strcspn(sb->buf, "\n");

	strbuf_setlen(sb, n);
	return sb->len ? sb->buf : "no message";
}

int slurm_state_final(const char *state)
{
	static const char *const active[] = {
		"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
		"REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED",
		"RESV_DEL_HOLD", NULL
	};
	size_t i;

	for (i = 0; active[i]; i++)
		if (!strcmp(state, active[i]))
			return 0;
	return 1;
}

#define QUERY_CHUNK 256

static int query_chunk(struct slurm_states *out, char *const *ids, size_t n)
{
	struct strbuf list = STRBUF_INIT, o = STRBUF_INIT, e = STRBUF_INIT;
	char *argv[] = { "squeue", "--noheader", "--array", "--states=all", "--format=%i|%T|%r|%N",
			 "--jobs", NULL, NULL };
	size_t i;
	int status, ret = -1;
	char *line, *nl;

	for (i = 0; i < n; i++)
		strbuf_addf(&list, "%s%s", i ? "," : "", ids[i]);
	argv[6] = list.buf;
	if (slurm_command(argv, NULL, &o, &e, &status) < 0)
		goto out;
	if (status) {
		/* One id Slurm forgot (past MinJobAge) makes squeue fail; several do not. */
		if (n == 1 && strstr(e.buf, "Invalid job id"))
			ret = 0;
		else
			pm_error(PM_EFAIL, "squeue failed: %s", first_line(&e));
		goto out;
	}
	for (line = o.buf; *line; line = nl) {
		char *f[4];
		int k;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		else
			nl = line + strlen(line);
		for (k = 0; k < 4; k++) {
			f[k] = line;
			line += strcspn(line, "|");
			if (*line)
				*line++ = '\0';
		}
		if (!*f[0])
			continue;
		out->items = xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
		out->items[out->n].id = xstrdup(f[0]);
		out->items[out->n].state = xstrdup(f[1]);
		out->items[out->n].reason = xstrdup(f[2]);
		out->items[out->n].node = xstrdup(f[3]);
		out->n++;
	}
	ret = 0;
out:
	strbuf_release(&list);
	strbuf_release(&o);
	strbuf_release(&e);
	return ret;
}

int slurm_query(struct slurm_states *out, char *const *ids, size_t n)
{
	size_t i;

	out->items = NULL;
	out->n = 0;
	for (i = 0; i < n; i += QUERY_CHUNK)
		if (query_chunk(out, ids + i, n - i < QUERY_CHUNK ? n - i : QUERY_CHUNK) < 0) {
			slurm_states_release(out);
			return -1;
		}
	return 0;
}

const struct slurm_state *slurm_states_find(const struct slurm_states *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].id, id))
			return &s->items[i];
	return NULL;
}

void slurm_states_release(struct slurm_states *s)
{
	size_t i;

	for (i = 0; s && i < s->n; i++) {
		free(s->items[i].id);
		free(s->items[i].state);
		free(s->items[i].reason);
		free(s->items[i].node);
	}
	if (s) {
		free(s->items);
		s->items = NULL;
		s->n = 0;
	}
}

int slurm_cancel(char *const *ids, size_t n, int kill)
{
	size_t i, k;
	int ret = 0;

	for (i = 0; i < n; i += QUERY_CHUNK) {
		size_t m = n - i < QUERY_CHUNK ? n - i : QUERY_CHUNK, a = 0;
		char **argv = xcalloc(m + 5, sizeof(char *));
		struct strbuf e = STRBUF_INIT;
		int status;

		argv[a++] = "scancel";
		if (kill) {
			/* The batch shell and every process of the job, now. */
			argv[a++] = "--signal=KILL";
			argv[a++] = "--full";
		}
		for (k = 0; k < m; k++)
			argv[a++] = ids[i + k];
		if (slurm_command(argv, NULL, NULL, &e, &status) < 0)
			ret = -1;
		else if (status && !strstr(e.buf, "Invalid job id") && !strstr(e.buf, "already completed"))
			ret = pm_error(PM_EFAIL, "scancel failed: %s", first_line(&e));
		strbuf_release(&e);
		free(argv);
	}
	return ret;
}

/* --- the wrappers' records --- */

static void record_from_json(struct slurm_record *rec, const json_t *o)
{
	const char *ev = json_string_value(json_object_get(o, "ev"));
	const json_t *code = json_object_get(o, "exit_code");
	const char *s;

	memset(rec, 0, sizeof(*rec));
	rec->ev = !strcmp(ev, "start") ? SLURM_REC_START :
		  !strcmp(ev, "timeout") ? SLURM_REC_TIMEOUT : SLURM_REC_END;
	rec->attempt = (int)json_integer_value(json_object_get(o, "attempt"));
	rec->at_ms = (long long)json_integer_value(json_object_get(o, "at_ms"));
	rec->exit_code = json_is_integer(code) ? (int)json_integer_value(code) : -1;
	rec->signal = (int)json_integer_value(json_object_get(o, "signal"));
	rec->timed_out = json_is_true(json_object_get(o, "timed_out"));
	rec->final = json_is_true(json_object_get(o, "final"));
	if ((s = json_string_value(json_object_get(o, "node"))))
		snprintf(rec->node, sizeof(rec->node), "%s", s);
	if ((s = json_string_value(json_object_get(o, "slurm_job"))))
		snprintf(rec->slurm_job, sizeof(rec->slurm_job), "%s", s);
	records_script_get(&rec->script, o);
}

static int is_record(const json_t *o)
{
	const char *ev = json_string_value(json_object_get(o, "ev"));

	return ev && (!strcmp(ev, "start") || !strcmp(ev, "timeout") || !strcmp(ev, "end")) &&
	       json_integer_value(json_object_get(o, "attempt")) > 0;
}

int slurm_records_read(const char *path, long long *offset,
		       void (*fn)(void *arg, const struct slurm_record *rec), void *arg)
{
	char buf[8192];
	struct strbuf sb = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC), count = 0;
	ssize_t n;
	size_t used = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return pm_error(PM_EFAIL, "cannot read '%s': %s", path, strerror(errno));
	}
	while ((n = pread(fd, buf, sizeof(buf), (off_t)(*offset + (long long)sb.len))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	/* Complete lines only: a line being written is read next time. */
	while (used < sb.len) {
		char *nl = memchr(sb.buf + used, '\n', sb.len - used);
		json_t *o;

		if (!nl)
			break;
		o = json_loadb(sb.buf + used, (size_t)(nl - sb.buf - used), 0, NULL);
		if (o && is_record(o)) {
			struct slurm_record rec;

			record_from_json(&rec, o);
			fn(arg, &rec);
			count++;
		}
		json_decref(o);
		used = (size_t)(nl - sb.buf) + 1;
	}
	*offset += (long long)used;
	strbuf_release(&sb);
	return count;
}

/* --- reconciling a run no pmeta follows --- */

/* What the records of one job say. */
struct job_facts {
	int started, ended;          /* of the last attempt that started */
	struct slurm_record first;   /* the first start */
	struct slurm_record start;   /* the last start */
	struct slurm_record end;     /* the end of that attempt */
	struct slurm_record timeout;
};

static void fold_record(void *arg, const struct slurm_record *rec)
{
	struct job_facts *f = arg;

	switch (rec->ev) {
	case SLURM_REC_START:
		if (!f->started)
			f->first = *rec;
		if (!f->started || rec->attempt >= f->start.attempt) {
			f->start = *rec;
			f->started = 1;
			f->ended = 0;
		}
		break;
	case SLURM_REC_TIMEOUT:
		f->timeout = *rec;
		break;
	case SLURM_REC_END:
		if (f->started && rec->attempt == f->start.attempt) {
			f->end = *rec;
			f->ended = 1;
		}
		break;
	}
}

struct submission {
	char *id;        /* "4243" or "4243_7" */
	int attempt;
};

static char *read_text(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path) < 0) {
		pm_error_clear();
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/* subs[index]: the last sbatch of each plan job, from submitted.jsonl. */
static void load_submissions(const char *run_dir, struct submission *subs, size_t nsubs)
{
	char *path = slurm_path(run_dir, "submitted.jsonl"), *text = read_text(path), *p, *nl;

	free(path);
	for (p = text; p && *p; p = nl + 1) {
		json_t *o, *jobs, *j;
		const char *id;
		size_t i;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		o = json_loadb(p, (size_t)(nl - p), 0, NULL);
		id = json_string_value(json_object_get(o, "id"));
		jobs = json_object_get(o, "jobs");
		json_array_foreach(jobs, i, j) {
			json_int_t idx = json_integer_value(json_object_get(j, "index"));
			json_int_t task = json_integer_value(json_object_get(j, "task"));

			if (!id || idx < 0 || (size_t)idx >= nsubs)
				continue;
			free(subs[idx].id);
			subs[idx].id = json_is_true(json_object_get(o, "array")) ?
				       xstrfmt("%s_%lld", id, (long long)task) : xstrdup(id);
			subs[idx].attempt = (int)json_integer_value(json_object_get(o, "attempt"));
		}
		json_decref(o);
	}
	free(text);
}

static char *job_name(const json_t *job)
{
	const char *step = json_string_value(json_object_get(job, "step"));
	const json_t *shard = json_object_get(job, "shard");

	if (json_is_integer(shard))
		return xstrfmt("%s.%lld", step, (long long)json_integer_value(shard));
	return xstrdup(step);
}

static int is_final(const char *status)
{
	return status && (!strcmp(status, "succeeded") || !strcmp(status, "failed") ||
			  !strcmp(status, "skipped") || !strcmp(status, "aborted"));
}

static json_t *iso(long long ms)
{
	char *s = run_time_iso(ms);
	json_t *v = json_string(s);

	free(s);
	return v;
}

/* The signal a job that Slurm ended without its end record is said to have got. */
static int lost_signal(const char *state)
{
	if (!strcmp(state, "CANCELLED") || !strcmp(state, "TIMEOUT") || !strcmp(state, "PREEMPTED") ||
	    !strcmp(state, "DEADLINE"))
		return SIGTERM;
	return SIGKILL;
}

struct reconcile {
	const char *dir;
	json_t *run, *jobs;          /* from the journal (owned) */
	json_t *steps;               /* plan.json's steps (borrowed from plan) */
	json_t *plan;
	json_t **by_index;           /* header job objects by plan index */
	size_t nindex;
	struct submission *subs;     /* by plan index */
	struct slurm_states states;
	int have_states;             /* squeue answered */
	long long cancelled_ms;      /* 0 when not cancelled */
	struct journal j;
};

/* Index of the step called name in plan.json, or -1. */
static long step_of(const struct reconcile *rc, const char *name)
{
	size_t i;
	json_t *s;

	json_array_foreach(rc->steps, i, s)
		if (!strcmp(json_string_value(json_object_get(s, "name")), name))
			return (long)i;
	return -1;
}

/*
 * The job that makes `job` unable to run: a predecessor that failed or was
 * aborted, or the cause of one that was skipped. NULL when none.
 */
static const json_t *blocked_by(const struct reconcile *rc, const json_t *job)
{
	long s = step_of(rc, json_string_value(json_object_get(job, "step")));
	json_t *after = s < 0 ? NULL : json_object_get(json_array_get(rc->steps, (size_t)s), "after");
	size_t i, k;
	json_t *a, *other;

	json_array_foreach(after, i, a) {
		const char *pred = json_string_value(json_object_get(
			json_array_get(rc->steps, (size_t)json_integer_value(a)), "name"));

		json_array_foreach(rc->jobs, k, other) {
			const char *st = json_string_value(json_object_get(other, "status"));

			if (!pred || strcmp(pred, json_string_value(json_object_get(other, "step"))))
				continue;
			if (st && (!strcmp(st, "failed") || !strcmp(st, "aborted")))
				return other;
			if (st && !strcmp(st, "skipped"))
				return other;
		}
	}
	return NULL;
}

/* The new properties of one job (new reference, possibly empty). */
static json_t *reconcile_job(struct reconcile *rc, json_t *job, const char *name, size_t index)
{
	const struct submission *sub = index < rc->nindex ? &rc->subs[index] : NULL;
	const struct slurm_state *st = NULL;
	struct job_facts f;
	json_t *set = json_object();
	const char *status = NULL;
	long long finished = 0;
	int k, gone;

	memset(&f, 0, sizeof(f));
	for (k = 1; sub && sub->id && k <= sub->attempt; k++) {
		char *path = slurm_path(rc->dir, "rec/%s.%d.jsonl", name, k);
		long long off = 0;

		slurm_records_read(path, &off, fold_record, &f);
		pm_error_clear();
		free(path);
	}
	if (sub && sub->id && rc->have_states)
		st = slurm_states_find(&rc->states, sub->id);
	/* Slurm will not run it (again): over, or forgotten. */
	gone = rc->have_states && (!st || slurm_state_final(st->state));
	if (sub && sub->id)
		json_object_set_new(set, "slurm_job", json_string(sub->id));

	if (f.started) {
		json_object_set_new(set, "attempts", json_integer(f.start.attempt));
		json_object_set_new(set, "started_at", iso(f.first.at_ms));
		if (*f.start.node)
			json_object_set_new(set, "node", json_string(f.start.node));
		if (*f.start.slurm_job)
			json_object_set_new(set, "slurm_job", json_string(f.start.slurm_job));
		records_script_set(set, &f.start.script);
	}
	if (f.started && f.ended) {
		int ok = f.end.exit_code == 0 && !f.end.signal && !f.end.timed_out;

		if (ok)
			status = "succeeded";
		else if (rc->cancelled_ms && f.end.at_ms >= rc->cancelled_ms)
			status = "aborted";
		else if (f.end.final || gone)
			status = "failed";
		else
			status = "running";
		if (strcmp(status, "running")) {
			finished = f.end.at_ms;
			json_object_set_new(set, "exit_code", f.end.exit_code >= 0 ?
					    json_integer(f.end.exit_code) : json_null());
			json_object_set_new(set, "signal", f.end.signal ?
					    json_string(run_signal_name(f.end.signal)) : json_null());
			json_object_set_new(set, "timed_out", json_boolean(f.end.timed_out));
		}
	} else if (f.started) {
		if (!gone) {
			status = "running";
		} else {
			/* It ran, and Slurm ended it without the wrapper's last word. */
			const char *state = st ? st->state : "unknown";

			status = rc->cancelled_ms ? "aborted" : "failed";
			finished = runner_wall_ms();
			json_object_set_new(set, "exit_code", json_null());
			json_object_set_new(set, "signal", json_string(run_signal_name(lost_signal(state))));
			json_object_set_new(set, "timed_out", json_boolean(!strcmp(state, "TIMEOUT")));
			json_object_set_new(set, "reason", json_string(st ?
				"slurm ended the job before it recorded its end" :
				"slurm no longer knows the job, which never recorded its end"));
			json_object_set_new(set, "slurm_state", json_string(state));
		}
	} else if (rc->cancelled_ms && (gone || !rc->have_states)) {
		status = "aborted";
		finished = rc->cancelled_ms;
	} else if (!sub || !sub->id) {
		/* Its pmeta is gone (the caller holds the run's lock): nothing submits it now. */
		status = "aborted";
		finished = runner_wall_ms();
		json_object_set_new(set, "reason", json_string("never submitted to Slurm"));
		json_object_set_new(set, "log", json_null());
	} else if (!gone) {
		status = "pending";
	} else {
		const json_t *cause = blocked_by(rc, job);

		finished = runner_wall_ms();
		if (cause) {
			const char *after = json_string_value(json_object_get(cause, "skipped_after"));

			status = "skipped";
			json_object_set_new(set, "skipped_after", json_string(
				after ? after : json_string_value(json_object_get(cause, "key"))));
		} else {
			status = "aborted";
			json_object_set_new(set, "reason", json_string("slurm ended the job before it started"));
			if (st)
				json_object_set_new(set, "slurm_state", json_string(st->state));
		}
		json_object_set_new(set, "log", json_null());
	}
	if (status)
		json_object_set_new(set, "status", json_string(status));
	if (finished && status && is_final(status)) {
		json_object_set_new(set, "finished_at", iso(finished));
		if (f.started)
			json_object_set_new(set, "duration_ms", json_integer(finished - f.first.at_ms));
	}
	return set;
}

/* Drops from set what job already holds, then applies the rest. */
static int changes(json_t *job, json_t *set)
{
	const char *key;
	json_t *v, *tmp;

	json_object_foreach_safe(set, tmp, key, v)
		if (json_equal(json_object_get(job, key), v))
			json_object_del(set, key);
	json_object_update(job, set);
	return json_object_size(set) > 0;
}

static int append(struct reconcile *rc, json_t *line)
{
	int ret = journal_append(&rc->j, line, 0);

	json_decref(line);
	return ret;
}

static int close_run(struct reconcile *rc)
{
	size_t i, counts[4] = { 0 };
	static const char *const names[] = { "succeeded", "failed", "skipped", "aborted" };
	long long last = 0, started = 0, ms;
	json_t *job, *end;
	const char *status;
	char *at;
	int ret;

	json_array_foreach(rc->jobs, i, job) {
		const char *s = json_string_value(json_object_get(job, "status"));
		size_t k;

		for (k = 0; k < 4; k++)
			if (s && !strcmp(s, names[k]))
				counts[k]++;
		if (iso_time_parse(json_string_value(json_object_get(job, "finished_at")), &ms) == 0 &&
		    ms > last)
			last = ms;
	}
	if (!last)
		last = runner_wall_ms();
	iso_time_parse(json_string_value(json_object_get(rc->run, "started_at")), &started);
	status = rc->cancelled_ms ? "aborted" : counts[1] || counts[2] || counts[3] ? "failed" : "succeeded";
	at = run_time_iso(last);
	end = json_pack("{sssssIsIsIsIsIsI}", "status", status, "finished_at", at,
			"duration_ms", (json_int_t)(started ? last - started : 0),
			"succeeded", (json_int_t)counts[0], "failed", (json_int_t)counts[1],
			"skipped", (json_int_t)counts[2], "aborted", (json_int_t)counts[3],
			"reused", json_integer_value(json_object_get(rc->run, "reused")));
	free(at);
	if (rc->cancelled_ms)
		json_object_set_new(end, "interrupted_by", json_string("pmeta cancel"));
	json_object_update(rc->run, end);
	ret = append(rc, json_pack("{sssO}", "ev", "end", "set", end));
	json_decref(end);
	return ret;
}

static long long read_cancelled(const char *dir)
{
	char *path = slurm_path(dir, "cancelled"), *text = read_text(path);
	long long ms = text ? atoll(text) : 0;

	free(path);
	free(text);
	return text && ms <= 0 ? 1 : ms;
}

int slurm_reconcile(const char *run_dir, int *ended)
{
	struct reconcile rc;
	char *path = xstrfmt("%s/journal.jsonl", run_dir), *plan_path = slurm_path(run_dir, "plan.json");
	char **ids = NULL;
	size_t nids = 0, i, nfinal = 0;
	json_t *job;
	int ret = -1;

	memset(&rc, 0, sizeof(rc));
	rc.dir = run_dir;
	rc.j.fd = -1;
	*ended = 0;
	if (journal_load(&rc.run, &rc.jobs, ended, path) < 0)
		goto out;
	if (*ended) {
		ret = 0;
		goto out;
	}
	rc.plan = json_load_file(plan_path, 0, NULL);
	rc.steps = json_object_get(rc.plan, "steps");
	rc.cancelled_ms = read_cancelled(run_dir);
	json_array_foreach(rc.jobs, i, job) {
		size_t idx = (size_t)json_integer_value(json_object_get(job, "index"));

		if (idx + 1 > rc.nindex)
			rc.nindex = idx + 1;
	}
	rc.subs = xcalloc(rc.nindex + 1, sizeof(*rc.subs));
	load_submissions(run_dir, rc.subs, rc.nindex);
	ids = xcalloc(rc.nindex + 1, sizeof(char *));
	json_array_foreach(rc.jobs, i, job) {
		size_t idx = (size_t)json_integer_value(json_object_get(job, "index"));

		if (!is_final(json_string_value(json_object_get(job, "status"))) && rc.subs[idx].id)
			ids[nids++] = rc.subs[idx].id;
	}
	/* Without Slurm the records alone speak: nothing is declared lost. */
	rc.have_states = getenv("SLURM_CONF") && nids && slurm_query(&rc.states, ids, nids) == 0;
	pm_error_clear();
	rc.j.fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (rc.j.fd < 0) {
		pm_error(PM_EFAIL, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	/* Plan order: a job's predecessors are settled before it. */
	json_array_foreach(rc.jobs, i, job) {
		size_t idx = (size_t)json_integer_value(json_object_get(job, "index"));
		const char *status = json_string_value(json_object_get(job, "status"));
		char *name;
		json_t *set;

		if (is_final(status)) {
			nfinal++;
			continue;
		}
		name = job_name(job);
		set = reconcile_job(&rc, job, name, idx);
		free(name);
		if (changes(job, set) &&
		    append(&rc, json_pack("{sssIsO}", "ev", "job", "index", (json_int_t)idx, "set", set)) < 0) {
			json_decref(set);
			goto out;
		}
		json_decref(set);
		if (is_final(json_string_value(json_object_get(job, "status"))))
			nfinal++;
	}
	if (nfinal == json_array_size(rc.jobs)) {
		if (close_run(&rc) < 0)
			goto out;
		*ended = 1;
	}
	if (journal_sync(&rc.j) < 0)
		goto out;
	if (*ended) {
		char *open_path = slurm_path(run_dir, "open");

		unlink(open_path);
		free(open_path);
	}
	ret = 0;
out:
	journal_close(&rc.j);
	for (i = 0; i < rc.nindex; i++)
		free(rc.subs ? rc.subs[i].id : NULL);
	free(rc.subs);
	free(ids);
	slurm_states_release(&rc.states);
	json_decref(rc.plan);
	json_decref(rc.run);
	json_decref(rc.jobs);
	free(plan_path);
	free(path);
	return ret;
}

/* --- cancelling a run no pmeta follows --- */

int slurm_cancel_run(const char *run_dir, double wait_s, size_t *njobs)
{
	char *path = slurm_path(run_dir, "submitted.jsonl"), *text = read_text(path), *p, *nl;
	char *mark = slurm_path(run_dir, "cancelled");
	char **ids = NULL;
	size_t n = 0, i;
	double until = runner_now() + wait_s;
	FILE *f;
	int ret = -1;

	*njobs = 0;
	for (p = text; p && *p; p = nl + 1) {
		json_t *o;
		const char *id;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		o = json_loadb(p, (size_t)(nl - p), 0, NULL);
		id = json_string_value(json_object_get(o, "id"));
		for (i = 0; id && i < n && strcmp(ids[i], id); i++)
			;
		if (id && i == n) {
			ids = xrealloc(ids, (n + 1) * sizeof(char *));
			ids[n++] = xstrdup(id);
		}
		json_decref(o);
	}
	/* First the mark, so a reconcile that races the scancel says aborted. */
	f = fopen(mark, "w");
	if (!f || fprintf(f, "%lld\n", runner_wall_ms()) < 0 || fclose(f) != 0) {
		pm_error(PM_EFAIL, "cannot write '%s': %s", mark, strerror(errno));
		goto out;
	}
	if (n && slurm_cancel(ids, n, 0) < 0)
		goto out;
	*njobs = n;
	/* Until Slurm lists none of them as queued or running any more. */
	while (n) {
		struct slurm_states st;
		size_t active = 0;

		if (slurm_query(&st, ids, n) < 0)
			goto out;
		for (i = 0; i < st.n; i++)
			active += !slurm_state_final(st.items[i].state);
		slurm_states_release(&st);
		if (!active)
			break;
		if (runner_now() > until) {
			ret = pm_error(PM_EFAIL, "%zu Slurm job(s) of the run still queued or running "
				       "after %.0fs", active, wait_s);
			goto out;
		}
		usleep(200000);
	}
	ret = 0;
out:
	free_strings(ids, n);
	free(text);
	free(path);
	free(mark);
	return ret;
}
