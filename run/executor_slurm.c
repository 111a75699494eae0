/*
 * The Slurm executor (run/executor.h): every job goes to the cluster with
 * sbatch, a sharded step as one job array (SLURM_ARRAY_TASK_ID is the
 * shard), each with `--dependency=afterok:` on the Slurm jobs of the steps
 * it runs after, so the cluster orders the plan itself (EXECUTOR_ORDERS_JOBS:
 * the runner hands over every job at once, dependencies first).
 *
 * A Slurm job runs the job wrapper, `pmeta job` (cmd/job.c), which runs the
 * command as the local executor would and writes the attempt's start, end
 * and exit status to a record file in the run folder (run/slurm.h says why
 * one file per Slurm job). poll() reads those records: they are the job's
 * truth, so nothing depends on Slurm's accounting. squeue, about once a
 * second, says which jobs Slurm still holds; a job Slurm ended without its
 * wrapper's end record (node failure, its time limit, scancel by someone
 * else) is reported ended by a signal, with the reason.
 *
 * Retries resubmit: attempt K+1 of a job is a new sbatch. Its failed
 * attempt K made Slurm cancel (or about to cancel: kill_invalid_depend,
 * --kill-on-invalid-dep=yes) the jobs that waited on it, which the runner
 * still holds (they wait on the retry); so every job downstream that has not
 * started is scancelled and submitted again, now after the new attempt.
 *
 * Detached (options.detach): every job is submitted, then the executor
 * reports nothing and says it is idle, and the runner leaves the jobs to
 * Slurm. A detached job's wrapper makes its retries in place (no pmeta is
 * there to resubmit), and `pmeta status` later reconciles the run from the
 * records and squeue (slurm_reconcile).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "graph/plan.h"
#include "graph/slurm_keys.h"
#include "run/executor.h"
#include "run/runner.h"
#include "run/slurm.h"
#include "util/err.h"
#include "util/strbuf.h"

extern char **environ;

#define RECORDS_EVERY 0.1    /* seconds between reads of the jobs' records... */
#define RECORDS_PER_SECOND 5000.0  /* ...or longer, to read at most this many files a second */
#define QUERY_EVERY 1.0      /* seconds between squeue calls */
#define LOST_AFTER 3.0       /* seconds a job may be gone from Slurm before its end record shows */
#define QUERY_PATIENCE 60.0  /* seconds squeue may fail before the run gives up */
#define TIME_MARGIN 60       /* seconds added to a job's time limit for the wrapper itself */

/* What Slurm said of a job at the last squeue. */
enum slurm_seen { SEEN_UNKNOWN, SEEN_PENDING, SEEN_ACTIVE, SEEN_GONE };

/* One sbatch: a job, or an array of the shards of one step. */
struct sub {
	char *id;
	int array;
	int bad;         /* one of its tasks failed or was given up: name the others one by one */
};

struct sjob {
	char *name;      /* "<step>" or "<step>.<shard>" */
	int wanted;      /* handed over by the runner and not given up since */
	int attempt;     /* the attempt handed over last */
	int queued;      /* waits for its sbatch */
	long sub;        /* its current submission, -1 when none */
	char *sid;       /* its Slurm name: "4243", "4243_7" */
	char *rec;       /* the record file of its current submission */
	long long offset;
	int started, ended, ok;
	enum slurm_seen seen;
	double gone_at;  /* monotonic time Slurm was first seen done with it, 0 = not yet */
	int cancels;     /* scancels asked for it */
};

struct slurm_executor {
	struct executor base;
	struct slurm_options opts;
	char *pmeta;
	const struct runner *r;
	const struct plan *plan;
	char *dir;
	struct sjob *jobs;
	size_t **step_dependents;     /* per step: the steps that run after it */
	size_t *step_ndependents;
	size_t **step_jobs;           /* per step: its jobs, shard order */
	size_t *step_njobs;
	struct sub *subs;
	size_t nsubs, asubs;
	size_t *queue;                /* jobs waiting for sbatch, handover order (may repeat) */
	size_t nqueue, aqueue;
	char **cancel_ids, **kill_ids;    /* to scancel at the next poll */
	size_t ncancel, nkill;
	char **stopping;              /* scancelled ids Slurm may still run */
	size_t nstopping;
	char **env;                   /* sbatch's environment (borrowed strings) */
	int sfd;                      /* submitted.jsonl */
	long max_array;               /* MaxArraySize */
	int top_priority;             /* the plan's highest step priority */
	int priorities;               /* 1 when its steps' priorities differ */
	double next_records, next_query, query_failing_since;
	int cancelled_all;
};

static void push(char ***list, size_t *n, const char *id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*list)[i], id))
			return;
	*list = xrealloc(*list, (*n + 1) * sizeof(char *));
	(*list)[(*n)++] = xstrdup(id);
}

static void clear(char ***list, size_t *n)
{
	free_strings(*list, *n);
	*list = NULL;
	*n = 0;
}

/* A path for a Slurm filename pattern: '%' means a placeholder there. */
static void add_pattern_path(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			strbuf_addch(sb, '%');
		strbuf_addch(sb, *s);
	}
}

static int is_scrubbed(const char *entry)
{
	/*
	 * pmeta's own settings and secrets (NEO4J_PASSWORD...) never go to the
	 * cluster: Slurm keeps a job's environment in its state files, and a
	 * job's wrapper needs neither Neo4j nor credentials.
	 */
	return !strncmp(entry, "NEO4J_", 6) || !strncmp(entry, "PMETA_", 6);
}

/* --- begin: the run folder's Slurm part --- */

static int write_json(const char *path, json_t *o)
{
	int ret = json_dump_file(o, path, JSON_COMPACT);

	json_decref(o);
	if (ret < 0)
		return pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return pm_error(PM_EFAIL, "cannot create folder '%s': %s", path, strerror(errno));
	return 0;
}

/* The wrapper's view of one job: what `pmeta job` reads on the node. */
static json_t *job_spec(struct slurm_executor *sx, size_t job)
{
	const struct runner *r = sx->r;
	const struct plan_job *pj = &sx->plan->jobs[job];
	const struct plan_step *ps = &sx->plan->steps[pj->step];
	char *log = runner_log_name(sx->plan, job), *log_path = xstrfmt("%s/%s", sx->dir, log);
	json_t *env = json_object(), *spec;
	size_t i;

	/*
	 * What the step names in pass_env and sbatch is not given (NEO4J_*,
	 * PMETA_*) reaches the job through its spec, in the run folder, never
	 * through Slurm's state files; pmeta's own PMETA_* below win.
	 */
	for (i = 0; ps->pass_env && ps->pass_env[i]; i++) {
		const char *v = getenv(ps->pass_env[i]);
		char *entry;

		if (!v)
			continue;
		entry = xstrfmt("%s=%s", ps->pass_env[i], v);
		if (is_scrubbed(entry))
			json_object_set_new(env, ps->pass_env[i], json_string(v));
		free(entry);
	}
	json_object_set_new(env, "PMETA_RUN_ID", json_string(r->opts.run_id));
	json_object_set_new(env, "PMETA_STEP", json_string(ps->name));
	json_object_set_new(env, "PMETA_WORKSPACE", json_string(r->opts.root));
	json_object_set_new(env, "PMETA_PROCESS", json_string(sx->plan->process ? sx->plan->process : ""));
	json_object_set_new(env, "PMETA_SCHEDULE", json_string(sx->plan->schedule ? sx->plan->schedule : ""));
	if (pj->shard >= 0) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", pj->shard);
		json_object_set_new(env, "PMETA_SHARD", json_string(buf));
		snprintf(buf, sizeof(buf), "%d", ps->max_shard);
		json_object_set_new(env, "PMETA_MAX_SHARD", json_string(buf));
	}
	spec = json_pack("{sIsssssosssssIsfsisO}", "index", (json_int_t)job, "step", ps->name,
			 "name", sx->jobs[job].name,
			 "shard", pj->shard >= 0 ? json_integer(pj->shard) : json_null(),
			 "command", pj->command, "root", r->opts.root, "timeout", (json_int_t)ps->timeout,
			 "grace", sx->opts.grace, "retries", ps->retries, "env", env);
	json_object_set_new(spec, "log", json_string(log_path));
	/* The wrapper hashes it as the attempt starts (vcs/provenance.h). */
	if (ps->script)
		json_object_set_new(spec, "script", json_string(ps->script));
	json_decref(env);
	free(log);
	free(log_path);
	return spec;
}

/* plan.json: what a reconcile needs of the plan (the steps' order and retries). */
static json_t *plan_doc(struct slurm_executor *sx)
{
	const struct plan *plan = sx->plan;
	json_t *steps = json_array(), *jobs = json_array();
	size_t i, j;

	for (i = 0; i < plan->nsteps; i++) {
		json_t *after = json_array();

		for (j = 0; j < plan->steps[i].ndeps; j++)
			json_array_append_new(after, json_integer((json_int_t)plan->steps[i].deps[j]));
		json_array_append_new(steps, json_pack("{sssosi}", "name", plan->steps[i].name,
						       "after", after, "retries", plan->steps[i].retries));
	}
	for (i = 0; i < plan->njobs; i++)
		if (sx->r->jobs[i].selected)
			json_array_append_new(jobs, json_pack("{sIsIss}", "index", (json_int_t)i,
							      "step", (json_int_t)plan->jobs[i].step,
							      "name", sx->jobs[i].name));
	return json_pack("{sososb}", "steps", steps, "jobs", jobs, "detached", sx->opts.detach);
}

/* MaxArraySize from `scontrol show config`; this also proves the cluster answers. */
static int read_cluster_config(struct slurm_executor *sx)
{
	char *argv[] = { "scontrol", "show", "config", NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	const char *p;
	int status, ret = -1;

	if (slurm_command(argv, sx->env, &out, &err, &status) < 0)
		goto out;
	if (status) {
		strbuf_setlen(&err, strcspn(err.buf, "\n"));
		pm_error(PM_EFAIL, "cannot reach Slurm (scontrol show config: %s); is SLURM_CONF set?",
			 err.len ? err.buf : "no message");
		goto out;
	}
	sx->max_array = 1001;
	p = strstr(out.buf, "\nMaxArraySize");
	if (p && (p = strchr(p, '=')))
		sx->max_array = strtol(p + 1, NULL, 10);
	ret = 0;
out:
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

static int check_settings(const struct plan_step *ps)
{
	int k;

	for (k = 0; k < SLURM_NKEYS; k++) {
		char *why;

		if (!ps->slurm[k])
			continue;
		why = slurm_key_check((enum slurm_key)k, ps->slurm[k]);
		if (why) {
			pm_error(PM_ECONFIG, "step [%s]: %s = %s: %s", ps->name, slurm_key_names[k],
				 ps->slurm[k], why);
			free(why);
			return -1;
		}
	}
	return 0;
}

static int slurm_begin(struct executor *ex, const struct runner *r)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	const struct plan *plan = r->plan;
	char *path = NULL;
	size_t i, j, n;
	int ret = -1;

	sx->r = r;
	sx->plan = plan;
	sx->sfd = -1;
	for (i = 0; i < plan->nsteps; i++) {
		if (i && plan->steps[i].priority != sx->top_priority)
			sx->priorities = 1;
		if (!i || plan->steps[i].priority > sx->top_priority)
			sx->top_priority = plan->steps[i].priority;
	}
	sx->dir = realpath(r->opts.log_dir, NULL);
	if (!sx->dir)
		return pm_error(PM_EFAIL, "cannot find run folder '%s': %s", r->opts.log_dir, strerror(errno));
	if (!sx->pmeta) {
		sx->pmeta = realpath("/proc/self/exe", NULL);
		if (!sx->pmeta)
			return pm_error(PM_EFAIL, "cannot find pmeta's own path: %s", strerror(errno));
	}
	if (access(sx->pmeta, X_OK) < 0)
		return pm_error(PM_EFAIL, "cannot run '%s' (the pmeta the nodes run): %s", sx->pmeta,
				strerror(errno));
	for (n = 0; environ[n]; n++)
		;
	sx->env = xcalloc(n + 1, sizeof(char *));
	for (i = 0, j = 0; i < n; i++)
		if (!is_scrubbed(environ[i]))
			sx->env[j++] = environ[i];
	sx->jobs = xcalloc(plan->njobs + 1, sizeof(*sx->jobs));
	for (i = 0; i < plan->njobs; i++) {
		char *log = runner_log_name(plan, i);

		log[strlen(log) - 4] = '\0';
		sx->jobs[i].name = log;
		sx->jobs[i].sub = -1;
		if (r->jobs[i].selected && check_settings(&plan->steps[plan->jobs[i].step]) < 0)
			return -1;
	}
	sx->step_jobs = xcalloc(plan->nsteps + 1, sizeof(size_t *));
	sx->step_njobs = xcalloc(plan->nsteps + 1, sizeof(size_t));
	for (i = 0; i < plan->njobs; i++) {
		size_t s = plan->jobs[i].step;

		sx->step_jobs[s] = xrealloc(sx->step_jobs[s], (sx->step_njobs[s] + 1) * sizeof(size_t));
		sx->step_jobs[s][sx->step_njobs[s]++] = i;
	}
	sx->step_dependents = xcalloc(plan->nsteps + 1, sizeof(size_t *));
	sx->step_ndependents = xcalloc(plan->nsteps + 1, sizeof(size_t));
	for (i = 0; i < plan->nsteps; i++)
		for (j = 0; j < plan->steps[i].ndeps; j++) {
			size_t d = plan->steps[i].deps[j];

			sx->step_dependents[d] = xrealloc(sx->step_dependents[d],
							  (sx->step_ndependents[d] + 1) * sizeof(size_t));
			sx->step_dependents[d][sx->step_ndependents[d]++] = i;
		}
	if (read_cluster_config(sx) < 0)
		return -1;

	/* The run folder's Slurm part; the nodes read and write it. */
	path = slurm_path(sx->dir, "%s", "");
	path[strlen(path) - 1] = '\0';
	if (make_dir(path) < 0)
		goto out;
	free(path);
	path = NULL;
	{
		static const char *const sub[] = { "spec", "rec", "out", NULL };

		for (i = 0; sub[i]; i++) {
			path = slurm_path(sx->dir, "%s", sub[i]);
			if (make_dir(path) < 0)
				goto out;
			free(path);
			path = NULL;
		}
	}
	path = slurm_path(sx->dir, "plan.json");
	if (write_json(path, plan_doc(sx)) < 0)
		goto out;
	for (i = 0; i < plan->njobs; i++) {
		if (!r->jobs[i].selected)
			continue;
		free(path);
		path = slurm_path(sx->dir, "spec/%s.json", sx->jobs[i].name);
		if (write_json(path, job_spec(sx, i)) < 0)
			goto out;
	}
	free(path);
	path = slurm_path(sx->dir, "submitted.jsonl");
	sx->sfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (sx->sfd < 0) {
		pm_error(PM_EFAIL, "cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	free(path);
	path = slurm_path(sx->dir, "open");
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			pm_error(PM_EFAIL, "cannot create '%s': %s", path, strerror(errno));
			goto out;
		}
		close(fd);
	}
	ret = 0;
out:
	free(path);
	return ret;
}

/* --- submitting --- */

static void enqueue(struct slurm_executor *sx, size_t job)
{
	if (sx->nqueue == sx->aqueue) {
		sx->aqueue = sx->aqueue ? 2 * sx->aqueue : 64;
		sx->queue = xrealloc(sx->queue, sx->aqueue * sizeof(size_t));
	}
	sx->queue[sx->nqueue++] = job;
	sx->jobs[job].queued = 1;
}

/* Gives up the current submission of a job that has not started: it is cancelled. */
static void drop_submission(struct slurm_executor *sx, size_t job)
{
	struct sjob *sj = &sx->jobs[job];

	if (sj->sub < 0)
		return;
	sx->subs[sj->sub].bad = 1;
	if (!sj->ended)
		push(&sx->cancel_ids, &sx->ncancel, sj->sid);
	sj->sub = -1;
}

/*
 * The jobs downstream of a job being retried, that Slurm has cancelled or
 * will cancel (their dependency failed): submitted again, after the retry.
 */
static void resubmit_downstream(struct slurm_executor *sx, size_t job)
{
	const struct plan *plan = sx->plan;
	unsigned char *seen = xcalloc(plan->nsteps + 1, 1);
	size_t *queue = xcalloc(plan->nsteps + 1, sizeof(size_t));
	size_t head = 0, tail = 0, i, k;

	queue[tail++] = plan->jobs[job].step;
	seen[plan->jobs[job].step] = 1;
	while (head < tail) {
		size_t s = queue[head++];

		for (i = 0; i < sx->step_ndependents[s]; i++) {
			size_t t = sx->step_dependents[s][i];

			if (seen[t])
				continue;
			seen[t] = 1;
			queue[tail++] = t;
			for (k = 0; k < sx->step_njobs[t]; k++) {
				size_t j = sx->step_jobs[t][k];
				struct sjob *sj = &sx->jobs[j];

				if (!sj->wanted || sj->started || sj->queued)
					continue;
				drop_submission(sx, j);
				enqueue(sx, j);
			}
		}
	}
	free(queue);
	free(seen);
}

static int slurm_start(struct executor *ex, size_t job, int attempt)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	struct sjob *sj = &sx->jobs[job];

	if (sj->sub >= 0) {
		/* A retry: its last attempt is over, and a failed task spoils its array. */
		sx->subs[sj->sub].bad = 1;
		sj->sub = -1;
	}
	sj->wanted = 1;
	sj->attempt = attempt;
	sj->started = sj->ended = sj->ok = 0;
	sj->gone_at = 0;
	sj->cancels = 0;
	if (!sj->queued)
		enqueue(sx, job);
	if (attempt > 1)
		resubmit_downstream(sx, job);
	return 0;
}

/*
 * The afterok list of a job: the Slurm jobs of its predecessors that have
 * not succeeded yet (an array whole while none of its tasks went bad).
 * Returns 0, or 1 when a predecessor has no live submission yet (then the
 * job waits: its predecessor is being retried, or the runner is about to
 * give it up).
 */
static int dependency(struct slurm_executor *sx, size_t job, struct strbuf *dep)
{
	const struct plan *plan = sx->plan;
	const struct plan_step *ps = &plan->steps[plan->jobs[job].step];
	char **refs = NULL;
	size_t nrefs = 0, d, i, k;
	int wait = 0;

	for (d = 0; d < ps->ndeps && !wait; d++)
		for (i = 0; i < sx->step_njobs[ps->deps[d]] && !wait; i++) {
			size_t pj = sx->step_jobs[ps->deps[d]][i];
			const struct sjob *p = &sx->jobs[pj];

			if (!sx->r->jobs[pj].selected)
				continue;
			if (p->ok || sx->r->jobs[pj].state == JOB_SUCCEEDED)
				continue;
			if (!p->wanted || p->queued || p->sub < 0 || p->ended) {
				wait = 1;
				break;
			}
			push(&refs, &nrefs, sx->subs[p->sub].bad ? p->sid : sx->subs[p->sub].id);
		}
	strbuf_reset(dep);
	for (k = 0; !wait && k < nrefs; k++)
		strbuf_addf(dep, "%s%s", k ? ":" : "afterok:", refs[k]);
	free_strings(refs, nrefs);
	return wait;
}

/* "0-3,7,9-10" */
static void add_ranges(struct strbuf *sb, const int *tasks, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j + 1 < n && tasks[j + 1] == tasks[j] + 1)
			j++;
		strbuf_addf(sb, "%s%d", i ? "," : "", tasks[i]);
		if (j > i)
			strbuf_addf(sb, "-%d", tasks[j]);
		i = j + 1;
	}
}

static void add_arg(char ***argv, size_t *n, char *arg)
{
	*argv = xrealloc(*argv, (*n + 2) * sizeof(char *));
	(*argv)[(*n)++] = arg;
	(*argv)[*n] = NULL;
}

/* Minutes of --time for an attempt of ps (0 = no limit of pmeta's). */
static long time_limit(const struct slurm_executor *sx, const struct plan_step *ps)
{
	long attempts = sx->opts.detach ? 1 + ps->retries : 1;
	long secs;

	if (ps->timeout <= 0)
		return 0;
	secs = attempts * (ps->timeout + (long)sx->opts.grace + TIME_MARGIN);
	return (secs + 59) / 60;
}

/*
 * One sbatch for jobs[0..n) (one job, or shards of one step with one
 * attempt: an array when array is set, tasks = shards).
 */
static int submit(struct slurm_executor *sx, const size_t *jobs, size_t n, int array, const char *dep)
{
	const struct plan *plan = sx->plan;
	const struct plan_step *ps = &plan->steps[plan->jobs[jobs[0]].step];
	int attempt = sx->jobs[jobs[0]].attempt;
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	char **argv = NULL, **extra = NULL;
	size_t nargv = 0, nextra = 0, i;
	int *tasks = NULL, status, ret = -1;
	long minutes = time_limit(sx, ps);
	json_t *line, *list;
	char *id;

	add_arg(&argv, &nargv, xstrdup("sbatch"));
	add_arg(&argv, &nargv, xstrdup("--parsable"));
	add_arg(&argv, &nargv, xstrdup("--export=ALL"));
	add_arg(&argv, &nargv, xstrdup("--kill-on-invalid-dep=yes"));
	add_arg(&argv, &nargv, xstrfmt("--job-name=%s", ps->name));
	add_arg(&argv, &nargv, xstrfmt("--chdir=%s", sx->r->opts.root));
	add_arg(&argv, &nargv, xstrdup("--open-mode=append"));
	strbuf_addstr(&sb, "--output=");
	add_pattern_path(&sb, sx->dir);
	strbuf_addf(&sb, "/slurm/out/%%x.%s.out", array ? "%A_%a" : "%j");
	add_arg(&argv, &nargv, strbuf_detach(&sb, NULL));
	if (array) {
		tasks = xcalloc(n, sizeof(int));
		for (i = 0; i < n; i++)
			tasks[i] = plan->jobs[jobs[i]].shard;
		strbuf_addstr(&sb, "--array=");
		add_ranges(&sb, tasks, n);
		add_arg(&argv, &nargv, strbuf_detach(&sb, NULL));
	}
	if (*dep)
		add_arg(&argv, &nargv, xstrfmt("--dependency=%s", dep));
	if (minutes)
		add_arg(&argv, &nargv, xstrfmt("--time=%ld", minutes));
	/*
	 * priority = N (higher first) as Slurm's nice (lower first): the
	 * distance below the plan's highest priority, never negative, so no
	 * privilege is needed and a plan without priorities passes nothing.
	 */
	if (sx->priorities)
		add_arg(&argv, &nargv, xstrfmt("--nice=%d", sx->top_priority - ps->priority));
	if (ps->slurm[SLURM_PARTITION])
		add_arg(&argv, &nargv, xstrfmt("--partition=%s", ps->slurm[SLURM_PARTITION]));
	if (ps->slurm[SLURM_ACCOUNT])
		add_arg(&argv, &nargv, xstrfmt("--account=%s", ps->slurm[SLURM_ACCOUNT]));
	if (ps->slurm[SLURM_CPUS])
		add_arg(&argv, &nargv, xstrfmt("--cpus-per-task=%s", ps->slurm[SLURM_CPUS]));
	if (ps->slurm[SLURM_MEM])
		add_arg(&argv, &nargv, xstrfmt("--mem=%s", ps->slurm[SLURM_MEM]));
	/* The job script: the wrapper, every word quoted for the node's /bin/sh. */
	strbuf_addstr(&sb, "--wrap=exec ");
	strbuf_add_sh_quoted(&sb, sx->pmeta);
	strbuf_addstr(&sb, " job ");
	strbuf_add_sh_quoted(&sb, sx->dir);
	strbuf_addch(&sb, ' ');
	strbuf_add_sh_quoted(&sb, array ? ps->name : sx->jobs[jobs[0]].name);
	strbuf_addf(&sb, " %d --attempts=%d%s", attempt, sx->opts.detach ? 1 + ps->retries : 1,
		    array ? " --array" : "");
	add_arg(&argv, &nargv, strbuf_detach(&sb, NULL));
	/* slurm_extra: checked words, each one argument, never through a shell. */
	if (ps->slurm[SLURM_EXTRA]) {
		if (slurm_extra_split(ps->slurm[SLURM_EXTRA], &extra, &nextra) < 0) {
			pm_error_prefix("step [%s]", ps->name);
			goto out;
		}
		for (i = 0; i < nextra; i++)
			add_arg(&argv, &nargv, xstrdup(extra[i]));
	}

	if (slurm_command(argv, sx->env, &out, &err, &status) < 0)
		goto out;
	id = out.buf;
	id[strcspn(id, ";\n")] = '\0';
	if (status || !*id || strspn(id, "0123456789") != strlen(id)) {
		strbuf_setlen(&err, strcspn(err.buf, "\n"));
		pm_error(PM_EFAIL, "sbatch refused step [%s]: %s", ps->name,
			 err.len ? err.buf : "no job id in its answer");
		goto out;
	}
	if (sx->nsubs == sx->asubs) {
		sx->asubs = sx->asubs ? 2 * sx->asubs : 16;
		sx->subs = xrealloc(sx->subs, sx->asubs * sizeof(*sx->subs));
	}
	sx->subs[sx->nsubs].id = xstrdup(id);
	sx->subs[sx->nsubs].array = array;
	sx->subs[sx->nsubs].bad = 0;
	list = json_array();
	for (i = 0; i < n; i++) {
		struct sjob *sj = &sx->jobs[jobs[i]];
		int shard = plan->jobs[jobs[i]].shard;

		sj->sub = (long)sx->nsubs;
		sj->queued = 0;
		free(sj->sid);
		sj->sid = array ? xstrfmt("%s_%d", id, shard) : xstrdup(id);
		free(sj->rec);
		sj->rec = slurm_path(sx->dir, "rec/%s.%d.jsonl", sj->name, attempt);
		sj->offset = 0;
		sj->seen = SEEN_UNKNOWN;
		json_array_append_new(list, json_pack("{sIsi}", "index", (json_int_t)jobs[i],
						      "task", array ? shard : -1));
	}
	sx->nsubs++;
	/* The reconcile's and cancel's source; written before anything else can need it. */
	line = json_pack("{sssisbsosI}", "id", id, "attempt", attempt, "array", array, "jobs", list,
			 "at_ms", (json_int_t)runner_wall_ms());
	{
		char *text = json_dumps(line, JSON_COMPACT);
		char *nl = xstrfmt("%s\n", text);

		if (write(sx->sfd, nl, strlen(nl)) < 0) {
			/* The run goes on; a reconcile later would miss this sbatch. */
		}
		free(nl);
		free(text);
	}
	json_decref(line);
	ret = 0;
out:
	free_strings(argv, nargv);
	free_strings(extra, nextra);
	free(tasks);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Submits the queued jobs whose predecessors have live submissions, in plan
 * order (a job's predecessors come before it), the shards of a step with
 * one attempt as one array.
 */
static int submit_queue(struct slurm_executor *sx)
{
	const struct plan *plan = sx->plan;
	struct strbuf dep = STRBUF_INIT, other = STRBUF_INIT;
	size_t *batch, i, n = 0;
	int ret = 0;

	if (!sx->nqueue)
		return 0;
	batch = xcalloc(sx->nqueue, sizeof(size_t));
	for (i = 0; i < sx->nqueue; i++) {
		size_t job = sx->queue[i];

		if (sx->jobs[job].queued && sx->jobs[job].wanted) {
			sx->jobs[job].queued = 0;   /* dedupes; set again below */
			batch[n++] = job;
		}
	}
	for (i = 0; i < n; i++)
		sx->jobs[batch[i]].queued = 1;
	qsort(batch, n, sizeof(size_t), cmp_size);
	sx->nqueue = 0;
	for (i = 0; i < n && !ret;) {
		size_t job = batch[i], j = i + 1;
		const struct plan_job *pj = &plan->jobs[job];
		int array = pj->shard >= 0 && pj->shard < sx->max_array;

		if (dependency(sx, job, &dep)) {
			enqueue(sx, job);   /* its predecessor comes first */
			i++;
			continue;
		}
		/* The step's other shards of the same attempt with the same dependency. */
		while (array && j < n && plan->jobs[batch[j]].step == pj->step &&
		       sx->jobs[batch[j]].attempt == sx->jobs[job].attempt &&
		       plan->jobs[batch[j]].shard < sx->max_array &&
		       !dependency(sx, batch[j], &other) && !strcmp(other.buf, dep.buf))
			j++;
		ret = submit(sx, batch + i, j - i, array, dep.buf);
		i = j;
	}
	/* After a failure the rest stays queued: the runner stops the run. */
	for (; i < n; i++)
		if (sx->jobs[batch[i]].queued)
			enqueue(sx, batch[i]);
	free(batch);
	strbuf_release(&dep);
	strbuf_release(&other);
	return ret;
}

/* --- following --- */

struct read_ctx {
	struct slurm_executor *sx;
	size_t job;
};

static void on_record(void *arg, const struct slurm_record *rec)
{
	struct read_ctx *c = arg;
	struct slurm_executor *sx = c->sx;
	struct sjob *sj = &sx->jobs[c->job];
	struct exec_event ev = { .job = c->job, .attempt = rec->attempt, .at_ms = rec->at_ms,
				 .exit_code = -1, .id = *rec->slurm_job ? rec->slurm_job : sj->sid };

	if (!sj->wanted || rec->attempt != sj->attempt || sj->ended)
		return;
	switch (rec->ev) {
	case SLURM_REC_START:
		sj->started = 1;
		ev.kind = EXEC_STARTED;
		ev.node = *rec->node ? rec->node : NULL;
		ev.script = &rec->script;
		break;
	case SLURM_REC_TIMEOUT:
		ev.kind = EXEC_TIMEOUT;
		ev.timed_out = 1;
		break;
	case SLURM_REC_END:
		if (!sj->started)
			return;
		sj->ended = 1;
		sj->ok = rec->exit_code == 0 && !rec->signal && !rec->timed_out;
		if (!sj->ok && sj->sub >= 0)
			sx->subs[sj->sub].bad = 1;
		ev.kind = EXEC_ENDED;
		ev.exit_code = rec->exit_code;
		ev.signal = rec->signal;
		ev.timed_out = rec->timed_out;
		break;
	}
	executor_report(&sx->base, &ev);
}

static int read_records(struct slurm_executor *sx, size_t job)
{
	struct sjob *sj = &sx->jobs[job];
	struct read_ctx c = { sx, job };

	if (!sj->wanted || sj->sub < 0 || sj->ended || !sj->rec)
		return 0;
	if (slurm_records_read(sj->rec, &sj->offset, on_record, &c) < 0) {
		/* A record file that cannot be read now may be read later (NFS). */
		pm_error_clear();
	}
	return 0;
}

/* Whether a predecessor of job has not settled: failed and not resubmitted yet. */
static int predecessors_unsettled(struct slurm_executor *sx, size_t job)
{
	struct strbuf dep = STRBUF_INIT;
	int wait = dependency(sx, job, &dep);

	strbuf_release(&dep);
	return wait;
}

/* Slurm is done with job, but no end record came: report how it ended. */
static void lost(struct slurm_executor *sx, size_t job, const struct slurm_state *st)
{
	struct sjob *sj = &sx->jobs[job];
	const char *state = st ? st->state : "unknown";
	struct exec_event ev = { .job = job, .attempt = sj->attempt, .exit_code = -1, .id = sj->sid };
	char *reason;

	if (!sj->started) {
		ev.kind = EXEC_STARTED;
		executor_report(&sx->base, &ev);
		reason = xstrfmt("slurm: %s before it started%s%s", state,
				 st && strcmp(st->reason, "None") ? ", " : "",
				 st && strcmp(st->reason, "None") ? st->reason : "");
	} else {
		reason = xstrfmt("slurm: %s without the job's end record", state);
	}
	sj->started = 1;
	sj->ended = 1;
	if (sj->sub >= 0)
		sx->subs[sj->sub].bad = 1;
	ev.kind = EXEC_ENDED;
	ev.signal = !strcmp(state, "CANCELLED") || !strcmp(state, "TIMEOUT") ||
		    !strcmp(state, "PREEMPTED") || !strcmp(state, "DEADLINE") ? SIGTERM : SIGKILL;
	ev.timed_out = !strcmp(state, "TIMEOUT");
	ev.reason = reason;
	executor_report(&sx->base, &ev);
	free(reason);
}

/* squeue: what Slurm holds of our jobs; jobs it is done with, without records, are lost. */
static int query(struct slurm_executor *sx)
{
	struct slurm_states st;
	char **ids = NULL;
	size_t nids = 0, i;
	double now = runner_now();

	for (i = 0; i < sx->plan->njobs; i++) {
		struct sjob *sj = &sx->jobs[i];

		if (sj->wanted && sj->sub >= 0 && !sj->ended)
			push(&ids, &nids, sx->subs[sj->sub].id);
	}
	for (i = 0; i < sx->nstopping; i++)
		push(&ids, &nids, sx->stopping[i]);
	if (!nids)
		return 0;
	if (slurm_query(&st, ids, nids) < 0) {
		free_strings(ids, nids);
		if (!sx->query_failing_since)
			sx->query_failing_since = now;
		if (now - sx->query_failing_since > QUERY_PATIENCE)
			return pm_error_prefix("Slurm did not answer for %.0fs", QUERY_PATIENCE);
		pm_error_clear();
		return 0;
	}
	free_strings(ids, nids);
	sx->query_failing_since = 0;
	for (i = 0; i < sx->plan->njobs; i++) {
		struct sjob *sj = &sx->jobs[i];
		const struct slurm_state *s;

		if (!sj->wanted || sj->sub < 0 || sj->ended)
			continue;
		s = slurm_states_find(&st, sj->sid);
		if (s && !slurm_state_final(s->state)) {
			sj->seen = !strcmp(s->state, "PENDING") ? SEEN_PENDING : SEEN_ACTIVE;
			sj->gone_at = 0;
			continue;
		}
		sj->seen = SEEN_GONE;
		/* Its last records may still be on their way (a shared filesystem). */
		read_records(sx, i);
		if (!sj->wanted || sj->ended)
			continue;
		if (!sj->gone_at)
			sj->gone_at = now;
		if (now - sj->gone_at < LOST_AFTER)
			continue;
		/* Never started, cancelled as its predecessor failed: the retry resubmits it. */
		if (!sj->started && predecessors_unsettled(sx, i))
			continue;
		lost(sx, i, s);
	}
	/* Jobs scancelled: still held until Slurm lists them as over. */
	for (i = 0; i < sx->nstopping;) {
		const struct slurm_state *s = slurm_states_find(&st, sx->stopping[i]);
		int held = s && !slurm_state_final(s->state);
		size_t k;

		/* An array: its tasks are listed one by one. */
		for (k = 0; !held && k < st.n; k++)
			held = !strncmp(st.items[k].id, sx->stopping[i], strlen(sx->stopping[i])) &&
			       st.items[k].id[strlen(sx->stopping[i])] == '_' &&
			       !slurm_state_final(st.items[k].state);
		if (held) {
			i++;
			continue;
		}
		free(sx->stopping[i]);
		sx->stopping[i] = sx->stopping[--sx->nstopping];
	}
	slurm_states_release(&st);
	return 0;
}

static int flush_cancels(struct slurm_executor *sx)
{
	size_t i;
	int ret = 0;

	if (sx->ncancel && slurm_cancel(sx->cancel_ids, sx->ncancel, 0) < 0)
		ret = -1;
	if (sx->nkill && slurm_cancel(sx->kill_ids, sx->nkill, 1) < 0)
		ret = -1;
	for (i = 0; i < sx->ncancel; i++)
		push(&sx->stopping, &sx->nstopping, sx->cancel_ids[i]);
	clear(&sx->cancel_ids, &sx->ncancel);
	clear(&sx->kill_ids, &sx->nkill);
	if (ret < 0)
		pm_error_clear();   /* what Slurm did not stop shows in the next squeue */
	return 0;
}

static int slurm_poll(struct executor *ex, double *next)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	double now = runner_now();
	size_t i;
	int busy = 0;

	flush_cancels(sx);
	if (submit_queue(sx) < 0)
		return -1;
	if (sx->opts.detach) {
		/* Everything is Slurm's now; the runner leaves it there. */
		*next = 0;
		return sx->nqueue > 0;
	}
	if (now >= sx->next_records) {
		size_t open = 0;

		for (i = 0; i < sx->plan->njobs; i++)
			if (sx->jobs[i].wanted && !sx->jobs[i].ended) {
				read_records(sx, i);
				open++;
			}
		sx->next_records = now + (open / RECORDS_PER_SECOND > RECORDS_EVERY ?
					  open / RECORDS_PER_SECOND : RECORDS_EVERY);
	}
	if (now >= sx->next_query) {
		if (query(sx) < 0)
			return -1;
		sx->next_query = runner_now() + QUERY_EVERY;
	}
	for (i = 0; i < sx->plan->njobs && !busy; i++)
		busy = sx->jobs[i].wanted && !sx->jobs[i].ended;
	busy = busy || sx->nqueue || sx->nstopping;
	*next = sx->next_records < sx->next_query ? sx->next_records : sx->next_query;
	return busy;
}

static void cancel_one(struct slurm_executor *sx, size_t job, int hard)
{
	struct sjob *sj = &sx->jobs[job];

	if (sj->queued)
		sj->queued = 0;   /* never submitted: nothing to stop */
	if (sj->sub >= 0 && !sj->ended) {
		if (hard || sj->cancels)
			push(&sx->kill_ids, &sx->nkill, sj->sid);
		else
			push(&sx->cancel_ids, &sx->ncancel, sj->sid);
		sj->cancels++;
	}
}

static void slurm_cancel_op(struct executor *ex, size_t job)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	size_t i;

	if (!sx->r)
		return;
	if (job != EXEC_ALL) {
		if (job >= sx->plan->njobs)
			return;
		cancel_one(sx, job, 0);
		/* Given up by the runner (skipped): its end is of no interest. */
		if (!sx->jobs[job].started)
			sx->jobs[job].wanted = 0;
		return;
	}
	sx->cancelled_all++;
	for (i = 0; i < sx->plan->njobs; i++) {
		struct sjob *sj = &sx->jobs[i];

		if (!sj->wanted)
			continue;
		/*
		 * A job whose start was written since the last poll is running:
		 * its end (with the signal scancel sends) is still to come, so it
		 * must not be aborted as never started.
		 */
		if (!sj->started)
			read_records(sx, i);
		cancel_one(sx, i, sx->cancelled_all > 1);
		/* The runner aborts what has not started; a running job's end still comes. */
		if (!sj->started)
			sj->wanted = 0;
	}
}

static void slurm_end(struct executor *ex)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;

	/*
	 * Cancels asked for after the last poll (a run aborted because sbatch
	 * refused a later job): sent now, or the jobs submitted before would
	 * stay queued with nobody following them.
	 */
	flush_cancels(sx);
	if (!sx->opts.detach && sx->dir) {
		char *path = slurm_path(sx->dir, "open");

		/* This pmeta closes the journal now: no reconcile is needed. */
		unlink(path);
		free(path);
	}
	if (sx->sfd >= 0) {
		fdatasync(sx->sfd);
		close(sx->sfd);
		sx->sfd = -1;
	}
}

static void slurm_free(struct executor *ex)
{
	struct slurm_executor *sx = (struct slurm_executor *)ex;
	size_t i;

	if (!sx)
		return;
	for (i = 0; sx->plan && i < sx->plan->njobs; i++) {
		free(sx->jobs[i].name);
		free(sx->jobs[i].sid);
		free(sx->jobs[i].rec);
	}
	for (i = 0; sx->plan && i < sx->plan->nsteps; i++) {
		free(sx->step_dependents ? sx->step_dependents[i] : NULL);
		free(sx->step_jobs ? sx->step_jobs[i] : NULL);
	}
	free(sx->step_dependents);
	free(sx->step_jobs);
	free(sx->step_njobs);
	free(sx->step_ndependents);
	for (i = 0; i < sx->nsubs; i++)
		free(sx->subs[i].id);
	free(sx->subs);
	free(sx->jobs);
	free(sx->queue);
	clear(&sx->cancel_ids, &sx->ncancel);
	clear(&sx->kill_ids, &sx->nkill);
	clear(&sx->stopping, &sx->nstopping);
	free(sx->env);
	if (sx->sfd >= 0)
		close(sx->sfd);
	free(sx->dir);
	free(sx->pmeta);
	free(sx);
}

static const struct executor_ops slurm_ops = {
	.name = "slurm",
	.flags = EXECUTOR_ORDERS_JOBS,
	.id_key = "slurm_job",
	.begin = slurm_begin,
	.start = slurm_start,
	.poll = slurm_poll,
	.cancel = slurm_cancel_op,
	.end = slurm_end,
	.free = slurm_free,
};

struct executor *executor_slurm_new(const struct slurm_options *opts)
{
	struct slurm_executor *sx = xcalloc(1, sizeof(*sx));

	sx->base.ops = &slurm_ops;
	sx->opts = *opts;
	if (sx->opts.grace <= 0)
		sx->opts.grace = 5;
	sx->pmeta = opts->pmeta ? xstrdup(opts->pmeta) : NULL;
	sx->sfd = -1;
	return &sx->base;
}
