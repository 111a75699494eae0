/*
 * A recorded run (see run/session.h). Every runner event becomes one
 * journal line (a plain write(2), synced by the writer thread or at the
 * run's start and end) and one queued change for the graph writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/keys.h"
#include "graph/plan.h"
#include "run/executor.h"
#include "run/openlineage.h"
#include "run/records.h"
#include "run/session.h"
#include "util/err.h"
#include "util/strbuf.h"

const char *run_signal_name(int sig)
{
	static _Thread_local char buf[32];
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	else
		snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

char *run_log_tail(const char *path, int lines)
{
	struct strbuf sb = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size, from;
	size_t i;
	int seen = 0;

	if (fd < 0)
		return xstrdup("");
	size = lseek(fd, 0, SEEK_END);
	from = size > 4096 ? size - 4096 : 0;
	strbuf_grow(&sb, (size_t)(size - from));
	if (pread(fd, sb.buf, (size_t)(size - from), from) == (ssize_t)(size - from))
		strbuf_setlen(&sb, (size_t)(size - from));
	close(fd);
	while (sb.len && sb.buf[sb.len - 1] == '\n')
		strbuf_setlen(&sb, sb.len - 1);
	for (i = sb.len; i > 0; i--)
		if (sb.buf[i - 1] == '\n' && ++seen == lines)
			break;
	{
		char *tail = xstrdup(sb.buf + i);

		strbuf_release(&sb);
		return tail;
	}
}

static json_t *iso_or_null(long long ms)
{
	char *s;
	json_t *v;

	if (!ms)
		return json_null();
	s = run_time_iso(ms);
	v = json_string(s);
	free(s);
	return v;
}

static char *job_key(const struct run_session *s, size_t job)
{
	const struct plan_job *pj = &s->plan->jobs[job];

	return key_jobrun(s->plan->workspace, s->id, s->plan->steps[pj->step].name, pj->shard);
}

static json_t *str_or_null(const char *v)
{
	return v ? json_string(v) : json_null();
}

/* The full JobRun properties of a recorded job, for the journal header. */
static json_t *job_header(struct run_session *s, size_t job)
{
	const struct plan *plan = s->plan;
	const struct plan_job *pj = &plan->jobs[job];
	const struct plan_step *ps = &plan->steps[pj->step];
	const json_t *old = s->reuse[job];
	char *key = job_key(s, job), *log = runner_log_name(plan, job);
	json_t *o = json_object();

	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "workspace", json_string(plan->workspace));
	json_object_set_new(o, "run", json_string(s->id));
	json_object_set_new(o, "index", json_integer((json_int_t)job));
	json_object_set_new(o, "step", json_string(ps->name));
	json_object_set_new(o, "step_key", str_or_null(ps->key));
	json_object_set_new(o, "shard", pj->shard < 0 ? json_null() : json_integer(pj->shard));
	json_object_set_new(o, "max_shard", ps->max_shard ? json_integer(ps->max_shard) : json_null());
	json_object_set_new(o, "procedure", str_or_null(ps->procedure));
	json_object_set_new(o, "procedure_key", str_or_null(ps->procedure_key));
	json_object_set_new(o, "script", str_or_null(ps->script));
	json_object_set_new(o, "command", str_or_null(pj->command));
	if (old) {
		/* Reused: the earlier run's outcome, what it ran, and where it came from. */
		static const char *const keep[] = { "exit_code", "attempts", "started_at",
						    "finished_at", "duration_ms", "log", "blob",
						    "dirty", "commit", NULL };
		size_t i;

		json_object_set_new(o, "status", json_string("succeeded"));
		for (i = 0; keep[i]; i++) {
			json_t *v = json_object_get(old, keep[i]);

			json_object_set_new(o, keep[i], v ? json_incref(v) : json_null());
		}
		json_object_set_new(o, "reused_from", str_or_null(
			json_string_value(json_object_get(old, "run"))));
	} else {
		char *rel = xstrfmt("%s/%s", s->rel_dir, log);

		/* What runs is known when it starts (its executor hashes the script). */
		struct script_provenance unknown = SCRIPT_PROVENANCE_INIT;

		records_script_set(o, &unknown);
		json_object_set_new(o, "status", json_string("pending"));
		json_object_set_new(o, "attempts", json_integer(0));
		json_object_set_new(o, "exit_code", json_null());
		json_object_set_new(o, "log", json_string(rel));
		free(rel);
	}
	free(key);
	free(log);
	return o;
}

/*
 * The journal gets set, plus journal_only (may be NULL, borrowed): facts
 * for a later replay that the graph does not keep (the job's pid).
 */
static void record_job2(struct run_session *s, size_t job, json_t *set, const json_t *journal_only)
{
	json_t *all = json_deep_copy(set);
	json_t *line;

	if (journal_only)
		json_object_update(all, (json_t *)journal_only);
	line = json_pack("{sssIso}", "ev", "job", "index", (json_int_t)job, "set", all);

	/* The jobs go on (and the graph still gets the change); say it at the end. */
	if (journal_append(&s->journal, line, 0) < 0 && !s->journal_error)
		s->journal_error = xstrdup(pm_error_msg());
	json_decref(line);
	if (s->rec)
		recorder_job(s->rec, job, set);  /* steals set */
	else
		json_decref(set);
}

static void record_job(struct run_session *s, size_t job, json_t *set)
{
	record_job2(s, job, set, NULL);
}

static void on_event(void *data, const struct runner *r, enum runner_event ev, size_t job)
{
	struct run_session *s = data;
	const struct job_result *jr = job < r->plan->njobs ? &r->jobs[job] : NULL;
	json_t *set;

	switch (ev) {
	case RUNNER_JOB_STARTED:
		set = json_object();
		json_object_set_new(set, "status", json_string("running"));
		json_object_set_new(set, "attempts", json_integer(jr->attempts));
		json_object_set_new(set, "started_at", iso_or_null(jr->started_ms));
		/* Where a cluster ran it: its job id there and its node. */
		if (r->ex->ops->id_key && jr->exec_id)
			json_object_set_new(set, r->ex->ops->id_key, json_string(jr->exec_id));
		if (jr->node)
			json_object_set_new(set, "node", json_string(jr->node));
		records_script_set(set, &jr->script);
		if (jr->exec_pid_start > 0 && jr->exec_id) {
			/*
			 * Which local process runs it: a replay after pmeta died
			 * checks it still lives. Only the local executor's ids are
			 * pids of this machine; a cluster job has none here.
			 */
			json_t *proc = json_pack("{sIsI}", "pid", (json_int_t)strtoll(jr->exec_id, NULL, 10),
						 "pid_start", (json_int_t)jr->exec_pid_start);

			record_job2(s, job, set, proc);
			json_decref(proc);
		} else {
			record_job(s, job, set);
		}
		break;
	case RUNNER_JOB_RETRY:
	case RUNNER_JOB_FINISHED:
		set = json_object();
		json_object_set_new(set, "status", json_string(job_state_name(jr->state)));
		json_object_set_new(set, "attempts", json_integer(jr->attempts));
		json_object_set_new(set, "exit_code",
				    jr->exit_code >= 0 ? json_integer(jr->exit_code) : json_null());
		json_object_set_new(set, "signal",
				    jr->signal ? json_string(run_signal_name(jr->signal)) : json_null());
		json_object_set_new(set, "timed_out", json_boolean(jr->timed_out));
		if (jr->reason)
			json_object_set_new(set, "reason", json_string(jr->reason));
		if (ev == RUNNER_JOB_FINISHED) {
			/* A job that never started has no log. */
			if (!jr->attempts)
				json_object_set_new(set, "log", json_null());
			json_object_set_new(set, "finished_at", iso_or_null(jr->finished_ms));
			json_object_set_new(set, "duration_ms",
					    jr->started_ms && jr->finished_ms ?
					    json_integer(jr->finished_ms - jr->started_ms) : json_null());
			/* An incremental job: what it was handed and what it processed. */
			if (jr->nitems >= 0) {
				json_object_set_new(set, "nitems", json_integer(jr->nitems));
				json_object_set_new(set, "nprocessed", json_integer(jr->nprocessed));
			}
			if (jr->error)
				json_object_set_new(set, "error", json_string(jr->error));
			if (jr->state == JOB_SKIPPED && jr->cause != (size_t)-1) {
				char *cause = job_key(s, jr->cause);

				json_object_set_new(set, "skipped_after", json_string(cause));
				free(cause);
			}
		}
		record_job(s, job, set);
		break;
	case RUNNER_JOB_TIMEOUT:
		record_job(s, job, json_pack("{sb}", "timed_out", 1));
		break;
	case RUNNER_INTERRUPTED:
	case RUNNER_TICK:
		break;
	}
	openlineage_job_event(s->opts.openlineage, r, ev, job);
	if (s->opts.progress)
		s->opts.progress(s->opts.progress_data, r, ev, job);
}

int run_session_init(struct run_session *s, const struct plan *plan,
		     const struct run_session_options *opts)
{
	struct runner_options ro = { 0 };
	int tries;

	memset(s, 0, sizeof(*s));
	s->plan = plan;
	s->opts = *opts;
	s->lock = -1;
	s->journal.fd = -1;
	s->reuse = xcalloc(plan->njobs ? plan->njobs : 1, sizeof(*s->reuse));
	/* An existing folder of the same id (64 random bits: never seen) is not reused. */
	for (tries = 0; tries < 8; tries++) {
		free(s->id);
		s->id = run_id_new();
		if (!s->id)
			return -1;
		if (run_dir_create(opts->root, s->id) == 0)
			break;
		if (tries == 7)
			return -1;
	}
	s->dir = run_dir(opts->root, s->id);
	s->rel_dir = xstrfmt(".pmeta/runs/%s", s->id);
	ro.root = opts->root;
	ro.run_id = s->id;
	ro.log_dir = s->dir;
	ro.max_jobs = opts->max_jobs;
	ro.executor = opts->executor;
	ro.grace = opts->grace;
	ro.tick = opts->tick;
	ro.detach = opts->detach;
	ro.event = on_event;
	ro.data = s;
	ro.gate = opts->gate;
	ro.settled = opts->settled;
	ro.gate_data = opts->gate_data;
	return runner_init(&s->runner, plan, &ro);
}

/* The name of the user running pmeta (caller frees), or NULL. */
static char *user_name(void)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	const char *env = getenv("USER");

	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found && found->pw_name)
		return xstrdup(found->pw_name);
	if (env && *env)
		return xstrdup(env);
	return xstrfmt("%lu", (unsigned long)geteuid());
}

static json_t *run_header(struct run_session *s, size_t nrecorded)
{
	const struct plan *plan = s->plan;
	char host[256] = "";
	char *at = run_time_iso(runner_wall_ms());
	char *key = key_run(plan->workspace, s->id);
	char *user = user_name();
	json_t *run = json_object();

	gethostname(host, sizeof(host) - 1);
	json_object_set_new(run, "key", json_string(key));
	json_object_set_new(run, "id", json_string(s->id));
	json_object_set_new(run, "status", json_string("running"));
	json_object_set_new(run, "started_at", json_string(at));
	json_object_set_new(run, "finished_at", json_null());
	json_object_set_new(run, "process", str_or_null(plan->process_key));
	json_object_set_new(run, "process_name", str_or_null(plan->process));
	json_object_set_new(run, "schedule", str_or_null(plan->schedule));
	json_object_set_new(run, "config", str_or_null(plan->config));
	json_object_set_new(run, "config_hash", str_or_null(plan->config_hash));
	/* The journal keeps the text; the graph keeps it once per hash (a ConfigText). */
	json_object_set_new(run, "config_text", str_or_null(plan->config_text));
	json_object_set_new(run, "target", str_or_null(s->opts.target));
	json_object_set_new(run, "host", json_string(host));
	json_object_set_new(run, "user", str_or_null(user));
	json_object_set_new(run, "pmeta_version", str_or_null(s->opts.version));
	json_object_set_new(run, "workspace", json_string(plan->workspace));
	json_object_set_new(run, "root", json_string(s->opts.root));
	json_object_set_new(run, "dir", json_string(s->rel_dir));
	json_object_set_new(run, "max_jobs", json_integer(s->runner.opts.max_jobs));
	json_object_set_new(run, "executor", json_string(s->runner.ex->ops->name));
	if (s->opts.detach)
		json_object_set_new(run, "detached", json_true());
	json_object_set_new(run, "njobs", json_integer((json_int_t)nrecorded));
	json_object_set_new(run, "resume_of", str_or_null(s->opts.resume_of));
	json_object_set_new(run, "selection", str_or_null(s->opts.selection));
	free(at);
	free(key);
	free(user);
	return run;
}

int run_session_execute(struct run_session *s)
{
	const struct plan *plan = s->plan;
	struct runner *r = &s->runner;
	json_t *run, *line, *end;
	char *path = NULL, *at, **jobs;
	size_t i, nreused = 0, nrecorded = 0, unencoded = 0;
	char *broke = NULL;
	int ret = -1;

	if (run_lock(&s->lock, s->dir, 0) < 0)
		return -1;
	/* Who follows the run, for `pmeta cancel`. */
	if (run_owner_write(s->dir) < 0)
		return -1;
	path = xstrfmt("%s/journal.jsonl", s->dir);
	if (journal_create(&s->journal, path) < 0)
		goto out;

	/*
	 * Reused jobs count as succeeded for the runner, and are not run.
	 * Each recorded job's header is kept as its journal text, not as a
	 * jansson tree: at 100,000 jobs the trees were half of a run's memory.
	 */
	jobs = xcalloc(plan->njobs + 1, sizeof(*jobs));
	for (i = 0; i < plan->njobs; i++) {
		if (s->reuse[i]) {
			r->jobs[i].selected = 0;
			r->jobs[i].state = JOB_SUCCEEDED;
			nreused++;
		}
		if (r->jobs[i].selected || s->reuse[i]) {
			json_t *h = job_header(s, i);

			jobs[i] = json_dumps(h, JSON_COMPACT);
			json_decref(h);
			unencoded += !jobs[i];
			nrecorded++;
		}
	}
	run = run_header(s, nrecorded);
	json_object_set_new(run, "reused", json_integer((json_int_t)nreused));
	if (unencoded)
		pm_error(PM_EFAIL, "cannot encode the journal header of %zu jobs: out of memory",
			 unencoded);
	if (unencoded || journal_append_run(&s->journal, run, jobs, plan->njobs) < 0) {
		json_decref(run);
		free_strings(jobs, plan->njobs);
		goto out;
	}
	/* The recorder takes the texts, whether it starts or not. */
	if (s->opts.record && recorder_start(&s->rec, run, jobs, plan->njobs, s->journal.fd) < 0) {
		s->record_error = xstrdup(pm_error_msg());
		s->rec = NULL;
	} else if (!s->opts.record) {
		free_strings(jobs, plan->njobs);
	}
	json_decref(run);
	openlineage_run_started(s->opts.openlineage, runner_wall_ms());

	/*
	 * An executor that broke (a cluster that refused a job, stopped
	 * answering) aborted what it had not finished: the run is closed as
	 * aborted with the reason, and the error is the caller's.
	 */
	if (runner_execute(r) < 0)
		broke = xstrdup(pm_error_msg());
	s->elapsed = r->mono_started ? runner_now() - r->mono_started : 0;

	if (r->detached) {
		/* The jobs are the cluster's now; a reconcile closes the run later. */
		s->status = "submitted";
		if (s->rec) {
			recorder_finish(s->rec, s->opts.record_wait, &s->records);
			s->rec = NULL;
			if (s->records.synced)
				run_mark_synced(s->dir, s->journal.size);
		}
		if (journal_sync(&s->journal) < 0 && !s->journal_error)
			s->journal_error = xstrdup(pm_error_msg());
		ret = 0;
		goto out;
	}
	if (r->interrupted || broke)
		s->status = "aborted";
	else if (r->count[JOB_FAILED] || r->count[JOB_SKIPPED] || r->count[JOB_ABORTED])
		s->status = "failed";
	else
		s->status = "succeeded";
	at = run_time_iso(runner_wall_ms());
	end = json_pack("{sssssIsIsIsIsIsIsI}", "status", s->status, "finished_at", at,
			"duration_ms", (json_int_t)(s->elapsed * 1000),
			"succeeded", (json_int_t)(r->count[JOB_SUCCEEDED] + nreused),
			"failed", (json_int_t)r->count[JOB_FAILED],
			"skipped", (json_int_t)r->count[JOB_SKIPPED],
			"aborted", (json_int_t)r->count[JOB_ABORTED],
			"up_to_date", (json_int_t)r->count[JOB_UP_TO_DATE],
			"reused", (json_int_t)nreused);
	free(at);
	if (r->interrupted)
		json_object_set_new(end, "interrupted_by", json_string(run_signal_name(r->interrupted)));
	if (broke)
		json_object_set_new(end, "reason", json_string(broke));
	openlineage_run_ended(s->opts.openlineage, s->status, runner_wall_ms());
	line = json_pack("{sssO}", "ev", "end", "set", end);
	if (journal_append(&s->journal, line, 1) < 0 && !s->journal_error)
		s->journal_error = xstrdup(pm_error_msg());
	json_decref(line);
	if (s->rec) {
		recorder_run(s->rec, end);  /* steals */
		recorder_finish(s->rec, s->opts.record_wait, &s->records);
		s->rec = NULL;
		if (s->records.synced)
			run_mark_synced(s->dir, s->journal.size);
	} else {
		json_decref(end);
	}
	ret = 0;
	if (broke)
		ret = pm_error(PM_EFAIL, "%s", broke);
out:
	free(broke);
	free(path);
	return ret;
}

void run_session_release(struct run_session *s)
{
	if (!s)
		return;
	if (s->rec)
		recorder_finish(s->rec, 0, NULL);
	journal_close(&s->journal);
	if (s->lock >= 0)
		close(s->lock);
	runner_release(&s->runner);
	free(s->records.error);
	free(s->record_error);
	free(s->journal_error);
	free(s->reuse);
	free(s->id);
	free(s->dir);
	free(s->rel_dir);
	memset(s, 0, sizeof(*s));
	s->lock = -1;
	s->journal.fd = -1;
}
