/*
 * pmeta run: build a process's plan as `pmeta plan` does, pick the jobs
 * (--from/--to/--only/--resume), run them with the worker pool and record
 * the run in the journal and in Neo4j. Progress and the summary print here.
 * Several processes run as a chain, once or every DURATION (--every); each
 * holds its process's lock (run/lock.h) while it plans, checks and runs; a
 * process whose incremental steps have nothing new runs nothing and leaves
 * a light record instead of a Run (run/items.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/config.h"
#include "graph/neo4j.h"
#include "graph/plan.h"
#include "graph/slurm_keys.h"
#include "run/executor.h"
#include "run/items.h"
#include "run/journal.h"
#include "run/lock.h"
#include "run/openlineage.h"
#include "run/select.h"
#include "run/session.h"
#include "run/slurm.h"
#include "run/watch.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta run (<config> | <process>)... [-j <n>] [--from <step>]\n"
	"                 [--to <step>] [--only <step>...] [--resume <run>] [--dry-run]\n"
	"                 [--quiet] [--run-mode <mode>] [--latest-patch]\n"
	"                 [--grace <seconds>] [--no-record] [--every <duration>]\n"
	"                 [--cycles <n>] [--wait] [--drain]\n"
	"                 [--executor local|slurm] [--detach]\n"
	"                 [--openlineage <file> | <url>]\n"
	"   or: pmeta run --resume <run> [options]\n",
	"Runs the process's plan on this machine: a job starts as soon as every job of\n"
	"the steps it runs after has succeeded; at most <n> jobs at once (default: the\n"
	"number of cores). Each job runs `/bin/sh -c <command>` from the workspace root\n"
	"with its output in .pmeta/runs/<run>/<step>[.<shard>].log, and the run is\n"
	"recorded in Neo4j (Run, JobRun) and in .pmeta/runs/<run>/journal.jsonl.\n"
	"\n"
	"A step with `items = GLOB` is incremental: its job gets only the items of the\n"
	"datasets it reads that it has not processed yet (PMETA_ITEMS), and does not\n"
	"start when there are none. A process in which nothing is new records no run.\n"
	"Several processes run one after the other, a failure stopping the chain;\n"
	"--every repeats the chain <duration> (30s, 10m, 1h) after it ended, until\n"
	"SIGINT or SIGTERM. A process runs once at a time in a workspace.\n"
	"\n"
	"With --executor slurm (or `executor = slurm` in base.conf) every job goes to\n"
	"Slurm instead (sbatch, an array per sharded step, afterok dependencies), and\n"
	"pmeta follows it to the end, or returns at once with --detach.\n",
	"OpenLineage events (docs/openlineage.md): --openlineage, else the\n"
	"environment's PMETA_OPENLINEAGE, else `openlineage =` in the schedule's\n"
	"base.conf, names a file (one JSON event a line, appended) or an http(s)\n"
	"endpoint (POST, as OpenLineage's HTTP transport; a URL without a path gets\n"
	"/api/v1/lineage). An endpoint that is down never fails the run: what it did\n"
	"not take stays in .pmeta/runs/<run>/openlineage.jsonl for `pmeta sync`.\n\n"
	"Exit status: 0 when every job succeeded or had nothing new (or a loop was\n"
	"stopped between runs), 1 when one failed, the process was running already or\n"
	"the run was interrupted, 2 usage, 3 invalid config, 4 Neo4j unreachable.\n"
};

struct progress {
	int tty;
	const struct run_session *s;
	size_t total;
	int line_shown;
	double last_draw;   /* redraws at most every 100 ms */
};

static void job_label(struct strbuf *sb, const struct plan *plan, size_t job)
{
	const struct plan_job *pj = &plan->jobs[job];

	strbuf_addstr(sb, plan->steps[pj->step].name);
	if (pj->shard >= 0)
		strbuf_addf(sb, "[%d/%d]", pj->shard, plan->steps[pj->step].max_shard);
}

static void clear_line(struct progress *p)
{
	if (p->tty && p->line_shown) {
		fputs("\r\033[K", stdout);
		p->line_shown = 0;
	}
}

static void status_line(struct progress *p, const struct runner *r)
{
	double t = runner_now() - r->mono_started;
	size_t done = r->count[JOB_SUCCEEDED] + r->count[JOB_FAILED] + r->count[JOB_SKIPPED] +
		      r->count[JOB_ABORTED] + r->count[JOB_UP_TO_DATE];

	printf("\r\033[K[%zu/%zu done] %zu running, %zu failed  %d:%02d", done, p->total,
	       r->count[JOB_RUNNING], r->count[JOB_FAILED], (int)t / 60, (int)t % 60);
	fflush(stdout);
	p->line_shown = 1;
}

static void on_progress(void *data, const struct runner *r, enum runner_event ev, size_t job)
{
	struct progress *p = data;
	const struct job_result *jr = job < r->plan->njobs ? &r->jobs[job] : NULL;
	struct strbuf sb = STRBUF_INIT;
	double t = runner_now() - r->mono_started;
	int permanent = !p->tty;

	strbuf_addf(&sb, "[%6.1fs] ", t);
	switch (ev) {
	case RUNNER_JOB_STARTED:
		strbuf_addstr(&sb, "started   ");
		job_label(&sb, r->plan, job);
		if (jr->nitems >= 0)
			strbuf_addf(&sb, " with %ld items", jr->nitems);
		if (jr->attempts > 1)
			strbuf_addf(&sb, " (attempt %d)", jr->attempts);
		break;
	case RUNNER_JOB_RETRY:
		strbuf_addstr(&sb, "retry     ");
		job_label(&sb, r->plan, job);
		if (jr->signal)
			strbuf_addf(&sb, ": attempt %d ended by %s", jr->attempts,
				    run_signal_name(jr->signal));
		else
			strbuf_addf(&sb, ": attempt %d exited %d", jr->attempts, jr->exit_code);
		permanent = 1;
		break;
	case RUNNER_JOB_TIMEOUT:
		strbuf_addstr(&sb, "timeout   ");
		job_label(&sb, r->plan, job);
		strbuf_addf(&sb, " after %lds: SIGTERM to its process group",
			    r->plan->steps[r->plan->jobs[job].step].timeout);
		permanent = 1;
		break;
	case RUNNER_JOB_FINISHED:
		strbuf_addf(&sb, "%-9s ", job_state_name(jr->state));
		job_label(&sb, r->plan, job);
		if (jr->state == JOB_SUCCEEDED || jr->state == JOB_FAILED ||
		    (jr->state == JOB_ABORTED && jr->attempts))
			strbuf_addf(&sb, " (%.1fs)", (jr->finished_ms - jr->started_ms) / 1000.0);
		if (jr->nitems >= 0 && jr->state == JOB_UP_TO_DATE)
			strbuf_addstr(&sb, " (nothing new)");
		else if (jr->nitems >= 0 && jr->state == JOB_SUCCEEDED)
			strbuf_addf(&sb, " %ld items, %ld processed", jr->nitems, jr->nprocessed);
		else if (jr->nitems >= 0)
			strbuf_addf(&sb, " %ld items", jr->nitems);
		if (jr->state == JOB_FAILED && jr->error) {
			strbuf_addf(&sb, ": %s", jr->error);
			permanent = 1;
		} else if (jr->state == JOB_FAILED) {
			if (jr->timed_out)
				strbuf_addstr(&sb, " timed out");
			else if (jr->signal)
				strbuf_addf(&sb, " killed by %s", run_signal_name(jr->signal));
			else
				strbuf_addf(&sb, " exit %d", jr->exit_code);
			permanent = 1;
		}
		if (jr->state == JOB_SKIPPED && jr->cause != (size_t)-1) {
			strbuf_addstr(&sb, " after failed ");
			job_label(&sb, r->plan, jr->cause);
		}
		break;
	case RUNNER_INTERRUPTED:
		strbuf_addf(&sb, "interrupted by %s: stopping the running jobs",
			    run_signal_name(r->interrupted));
		permanent = 1;
		break;
	case RUNNER_TICK:
		permanent = 0;
		strbuf_reset(&sb);
		break;
	}
	if (permanent && sb.len) {
		clear_line(p);
		printf("%s\n", sb.buf);
	}
	if (p->tty && (permanent || ev == RUNNER_TICK || runner_now() - p->last_draw >= 0.1)) {
		status_line(p, r);
		p->last_draw = runner_now();
	}
	strbuf_release(&sb);
}

/* A pmeta follows the run (it holds its lock), or its jobs are Slurm's. */
static int run_in_progress(const char *dir)
{
	int lock;

	if (slurm_run_open(dir))
		return 1;
	if (run_lock(&lock, dir, 0) < 0) {
		pm_error_clear();
		return 1;
	}
	close(lock);
	return 0;
}

/* --executor: local or slurm. */
static int parse_executor(const struct cmd_option *opt, const char *arg)
{
	char *why = executor_name_check(arg);

	if (why) {
		pm_error(PM_EUSAGE, "%s", why);
		free(why);
		return -1;
	}
	*(const char **)opt->value = arg;
	return 0;
}

/* --grace: seconds from SIGTERM to SIGKILL, 0 < s <= 3600. */
static int parse_grace(const struct cmd_option *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!*arg || *end || errno || !(v > 0 && v <= 3600))
		return pm_error(PM_EUSAGE, "needs seconds (0 < s <= 3600), not '%s'", arg);
	*(double *)opt->value = v;
	return 0;
}

static void print_dry_run(const struct plan *plan, const struct run_choice *c,
			  const char *resume_id)
{
	size_t st, k;

	printf("dry run of %s/%s: %zu of %zu jobs would run", plan->schedule, plan->process, c->nselected,
	       plan->njobs);
	if (c->nreused)
		printf(", %zu reused from %s", c->nreused, resume_id);
	putchar('\n');
	for (k = 0; k < plan->nleft_out; k++)
		printf("left out: %s (%s); the steps after it wait for its predecessors\n",
		       plan->left_out[k].step, plan->left_out[k].reason);
	for (st = 0; st < plan->nstages; st++) {
		printf("stage %zu\n", st);
		for (k = 0; k < plan->stages[st].njobs; k++) {
			size_t j = plan->stages[st].jobs[k];
			struct strbuf label = STRBUF_INIT;

			job_label(&label, plan, j);
			printf("  %-6s %-32s %s", c->selected[j] ? "run" : c->reuse[j] ? "reuse" : "skip",
			       label.buf, c->why[j]);
			if (plan->steps[plan->jobs[j].step].priority)
				printf(" (priority %d)", plan->steps[plan->jobs[j].step].priority);
			putchar('\n');
			if (c->selected[j])
				printf("         $ %s\n", plan->jobs[j].command);
			strbuf_release(&label);
		}
	}
	if (plan->ninputs) {
		printf("external inputs:");
		for (k = 0; k < plan->ninputs; k++)
			printf(" %s", plan->inputs[k]);
		putchar('\n');
	}
}

/*
 * A job may print what it was given (pass_env = NEO4J_PASSWORD): the
 * summary shows its log's last lines, never the password in them.
 */
static void redact_secrets(char **text)
{
	const char *pw = getenv("NEO4J_PASSWORD");
	struct strbuf sb = STRBUF_INIT;
	const char *p = *text, *hit;
	size_t len = pw ? strlen(pw) : 0;

	if (!len || !strstr(*text, pw))
		return;
	while ((hit = strstr(p, pw))) {
		strbuf_add(&sb, p, (size_t)(hit - p));
		strbuf_addstr(&sb, "***");
		p = hit + len;
	}
	strbuf_addstr(&sb, p);
	free(*text);
	*text = strbuf_detach(&sb, NULL);
}

static void print_summary(const struct run_session *s)
{
	const struct runner *r = &s->runner;
	const struct plan *plan = s->plan;
	size_t i, nreused = 0;

	for (i = 0; i < plan->njobs; i++)
		nreused += s->reuse[i] != NULL;
	printf("run %s %s: %zu succeeded, %zu failed, %zu skipped, %zu aborted", s->id, s->status,
	       r->count[JOB_SUCCEEDED], r->count[JOB_FAILED], r->count[JOB_SKIPPED],
	       r->count[JOB_ABORTED]);
	if (r->count[JOB_UP_TO_DATE])
		printf(", %zu up to date", r->count[JOB_UP_TO_DATE]);
	if (nreused)
		printf(", %zu reused", nreused);
	printf(" (of %zu) in %.1fs\n", r->nselected + nreused, s->elapsed);
	for (i = 0; i < plan->njobs; i++) {
		const struct job_result *jr = &r->jobs[i];
		struct strbuf label = STRBUF_INIT;
		char *name, *path, *tail;

		if (!jr->selected || jr->state != JOB_FAILED)
			continue;
		job_label(&label, plan, i);
		if (jr->error) {
			/* Failed before it started: no log, the reason is ours. */
			printf("failed: %s: %s\n", label.buf, jr->error);
			strbuf_release(&label);
			continue;
		}
		name = runner_log_name(plan, i);
		path = xstrfmt("%s/%s", s->dir, name);
		printf("failed: %s: ", label.buf);
		if (jr->timed_out)
			printf("timed out after %lds", plan->steps[plan->jobs[i].step].timeout);
		else if (jr->signal)
			printf("killed by %s", run_signal_name(jr->signal));
		else
			printf("exit %d", jr->exit_code);
		if (jr->attempts > 1)
			printf(" (after %d attempts)", jr->attempts);
		printf(", log %s/%s\n", s->rel_dir, name);
		tail = run_log_tail(path, 5);
		redact_secrets(&tail);
		if (*tail) {
			char *line = tail, *nl;

			for (; line; line = nl ? nl + 1 : NULL) {
				nl = strchr(line, '\n');
				printf("    | %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
			}
		}
		free(tail);
		free(path);
		free(name);
		strbuf_release(&label);
	}
}

/*
 * Where the run's OpenLineage events go: --openlineage, PMETA_OPENLINEAGE,
 * or base.conf's `openlineage` (a file there is relative to the workspace
 * root). NULL: nowhere. Caller frees.
 */
static char *openlineage_target(const char *option, const char *root, const struct plan *plan)
{
	struct config_base base = { 0 };
	const char *env = getenv("PMETA_OPENLINEAGE");
	char *target = NULL;

	if (option)
		return xstrdup(option);
	if (env && *env)
		return xstrdup(env);
	if (config_base_load(&base, root, plan->schedule) == 0 && base.openlineage)
		target = openlineage_target_is_url(base.openlineage) || base.openlineage[0] == '/' ?
			 xstrdup(base.openlineage) : xstrfmt("%s/%s", root, base.openlineage);
	pm_error_clear();  /* an unreadable base.conf failed the plan already */
	config_base_release(&base);
	return target;
}

/* {step: {"reads": [...], "writes": [...], "deletes": [...]}} of the plan's process (new reference). */
static int step_datasets(json_t **out, struct neo4j *db, const struct plan *plan)
{
	json_t *res = NULL;
	size_t i;

	*out = NULL;
	if (neo4j_query(db, &res, cypher_run_step_datasets, json_pack("{s:s}", "process", plan->process_key)) < 0)
		return -1;
	*out = json_object();
	for (i = 0; i < neo4j_nrows(res); i++)
		json_object_set_new(*out, json_string_value(neo4j_cell(res, i, "step")),
				    json_pack("{s:O, s:O, s:O}", "reads", neo4j_cell(res, i, "reads"),
					      "writes", neo4j_cell(res, i, "writes"),
					      "deletes", neo4j_cell(res, i, "deletes")));
	json_decref(res);
	return 0;
}

/* --every: "30s", "10m", "1h", "1.5s" or bare seconds; up to a week. */
static int parse_every(const struct cmd_option *opt, const char *arg)
{
	char *end;
	double v, unit = 1;

	errno = 0;
	v = strtod(arg, &end);
	if (*end == 's' || *end == 'm' || *end == 'h') {
		unit = *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;
		end++;
	}
	if (!*arg || *end || errno || !isfinite(v) || !(v > 0) || v * unit > 7 * 86400)
		return pm_error(PM_EUSAGE, "needs a duration such as 30s, 10m or 1h (at most a week), "
				"not '%s'", arg);
	*(double *)opt->value = v * unit;
	return 0;
}

/* What one `pmeta run` asked for, shared by every process and cycle it runs. */
struct run_request {
	struct ctx *ctx;
	const char *root, *ws;
	struct plan_options popts;
	struct run_selection sel;      /* from, to, only (parsed once) */
	const char *resume;
	const char *openlineage;       /* --openlineage, or NULL */
	const char *executor;          /* --executor, or NULL */
	const char *selection;         /* as recorded on the Run, or NULL */
	long jobs;
	double grace;
	int dry_run, quiet, no_record, wait, drain, detach;
	int looping;                   /* a chain or --every: signals end it cleanly */
};

/* A loop's SIGINT/SIGTERM/SIGHUP between runs: stop, and end the sleep at once. */
static volatile sig_atomic_t stop_signal;
static int stop_pipe[2] = { -1, -1 };

static void on_stop(int sig)
{
	int saved = errno;
	char c = 0;

	stop_signal = sig;
	if (stop_pipe[1] >= 0 && write(stop_pipe[1], &c, 1) < 0) {
		/* a wake-up is pending already */
	}
	errno = saved;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static void stop_handlers(struct sigaction *old, int install)
{
	struct sigaction sa;
	size_t i;

	if (!install) {
		for (i = 0; i < NSTOP; i++)
			sigaction(stop_signals[i], &old[i], NULL);
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		stop_pipe[0] = stop_pipe[1] = -1;
		return;
	}
	if (pipe(stop_pipe) == 0)
		for (i = 0; i < 2; i++)
			fcntl(stop_pipe[i], F_SETFL, fcntl(stop_pipe[i], F_GETFL) | O_NONBLOCK);
	for (i = 0; i < 2; i++)
		if (stop_pipe[i] >= 0)
			fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a --wait for a lock must end on a signal. */
	sa.sa_handler = on_stop;
	for (i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &sa, &old[i]);
}

/* Sleeps up to seconds; returns early (1) when a stop signal came. */
static int sleep_or_stop(double seconds)
{
	double until = runner_now() + seconds;

	while (!stop_signal) {
		struct pollfd pfd = { stop_pipe[0], POLLIN, 0 };
		double left = until - runner_now();
		char buf[16];

		if (left <= 0)
			break;
		if (poll(&pfd, stop_pipe[0] >= 0 ? 1 : 0, (int)(left * 1000) + 1) > 0)
			while (read(stop_pipe[0], buf, sizeof(buf)) > 0)
				;
	}
	return stop_signal != 0;
}

static void on_lock_wait(void *arg, const char *holder)
{
	const char *name = arg;

	fprintf(stderr, "pmeta: %s is running (%s); waiting for it\n", name, holder);
}

/*
 * One recorded run of plan with the chosen jobs: session, progress,
 * summary, item lineage. Returns the exit code.
 */
static int run_once(struct run_request *rq, struct plan *plan, const struct run_choice *choice,
		    const char *target, const char *resume_id, const char *executor,
		    struct items_run *ir, struct process_lock *lock)
{
	struct run_session_options sopts = { 0 };
	struct run_session s;
	struct progress prog = { 0 };
	struct neo4j *db;
	struct openlineage *ol = NULL;
	char *ol_target = NULL, *producer = NULL;
	json_t *io = NULL;
	struct executor *ex = NULL;
	size_t i, nitems = 0;
	int slurm = executor && !strcmp(executor, EXECUTOR_SLURM), ret;

	if (slurm) {
		struct slurm_options so = { 0 };

		so.detach = rq->detach;
		so.grace = rq->grace;
		so.pmeta = getenv("PMETA_SLURM_PMETA");
		ex = executor_slurm_new(&so);
	}
	prog.tty = !rq->quiet && isatty(STDOUT_FILENO);
	if (!prog.tty)
		setvbuf(stdout, NULL, _IOLBF, 0);
	prog.total = choice->nselected;
	sopts.root = rq->root;
	sopts.target = target;
	sopts.max_jobs = (unsigned)rq->jobs;
	sopts.grace = rq->grace;
	sopts.executor = ex;
	sopts.detach = rq->detach;
	sopts.tick = prog.tty ? 1.0 : 0;
	sopts.resume_of = resume_id;
	sopts.selection = rq->selection;
	sopts.version = pmeta_version();
	sopts.record = !rq->no_record;
	sopts.record_wait = 5;
	sopts.progress = on_progress;
	sopts.progress_data = &prog;
	if (ir) {
		sopts.gate = items_gate;
		sopts.settled = items_settled;
		sopts.gate_data = ir;
		/* Refused before anything is written: see docs/items.md, "On a cluster". */
		if (ex && (ex->ops->flags & EXECUTOR_ORDERS_JOBS)) {
			ret = cmd_die(EXIT_USAGE, "%s/%s has incremental steps (items =), whose gap "
				      "must be computed when their job is ready; the %s executor "
				      "hands jobs over before that: run it with the local executor",
				      plan->schedule, plan->process, ex->ops->name);
			executor_free(ex);
			return ret;
		}
	}
	/* Checked before the run folder is made: a bad target runs nothing. */
	ol_target = openlineage_target(rq->openlineage, rq->root, plan);
	if (ol_target && (openlineage_check(ol_target) < 0 || ctx_db(rq->ctx, &db) < 0 ||
			  step_datasets(&io, db, plan) < 0)) {
		free(ol_target);
		json_decref(io);
		executor_free(ex);
		return cmd_error();
	}
	if (run_session_init(&s, plan, &sopts) < 0) {
		run_session_release(&s);
		free(ol_target);
		json_decref(io);
		executor_free(ex);
		return cmd_error();
	}
	prog.s = &s;
	if (ol_target) {
		struct openlineage_options oo = { 0 };

		/* A URI: the version without the git description after it. */
		producer = xstrfmt("urn:pmeta:%.*s", (int)strcspn(cmd_version_string(), " "),
				   cmd_version_string());
		oo.target = ol_target;
		oo.run_id = s.id;
		oo.run_dir = s.dir;
		oo.root = rq->root;
		oo.plan = plan;
		oo.io = io;
		oo.producer = producer;
		oo.version = cmd_version_string();
		if (openlineage_start(&ol, &oo) < 0) {
			ret = cmd_error();
			goto out;
		}
		s.opts.openlineage = ol;
	}
	for (i = 0; i < plan->njobs; i++) {
		s.runner.jobs[i].selected = choice->selected[i];
		s.reuse[i] = choice->reuse[i];
	}
	if (ir)
		items_run_set_dir(ir, s.id, s.dir);
	process_lock_note(lock, s.id);
	if (slurm)
		printf("run %s: %s/%s, %zu jobs, on Slurm%s%s%s\n", s.id, plan->schedule,
		       plan->process, choice->nselected, rq->detach ? ", detached" : "",
		       rq->selection ? ", " : "", rq->selection ? rq->selection : "");
	else
		printf("run %s: %s/%s, %zu jobs, -j %u%s%s\n", s.id, plan->schedule, plan->process,
		       choice->nselected, s.runner.opts.max_jobs, rq->selection ? ", " : "",
		       rq->selection ? rq->selection : "");
	if (run_session_execute(&s) < 0) {
		clear_line(&prog);
		ret = cmd_error();
		goto out;
	}
	clear_line(&prog);
	if (s.runner.detached)
		printf("run %s submitted to Slurm (%zu jobs): 'pmeta status %s' follows it, "
		       "'pmeta cancel %s' stops it\n", s.id, choice->nselected, s.id, s.id);
	else
		print_summary(&s);
	if (ol) {
		struct openlineage_result olr = { 0 };

		openlineage_finish(ol, 5, &olr);
		ol = NULL;
		s.opts.openlineage = NULL;
		if (olr.error)
			cmd_warn("OpenLineage: %lu of %lu events not delivered (%s); they are in "
				 "%s/openlineage.jsonl: 'pmeta sync' sends them", olr.events - olr.delivered,
				 olr.events, olr.error, s.rel_dir);
		free(olr.error);
	}
	if (s.journal_error)
		cmd_warn("the run's journal is incomplete (%s): its records in Neo4j are the only full copy",
			 s.journal_error);
	if (s.record_error)
		cmd_warn("run not recorded in Neo4j (%s); it is in %s/journal.jsonl: "
			 "'pmeta runs --sync' writes it", s.record_error, s.rel_dir);
	else if (!rq->no_record && !s.records.synced)
		cmd_warn("Neo4j did not take the run's records (%s); they are in %s/journal.jsonl: "
			 "'pmeta runs --sync' writes them", s.records.error ? s.records.error : "unknown error",
			 s.rel_dir);
	if (ir && items_run_warning(ir))
		cmd_warn("%s", items_run_warning(ir));
	/* What the jobs processed: the ledger has it; now the graph's copy. */
	if (ir && !rq->no_record && (ctx_db(rq->ctx, &db) < 0 ||
				     items_run_sync(ir, db, rq->ws, &nitems) < 0)) {
		cmd_warn("the items this run processed are not in Neo4j yet (%s); the ledgers in "
			 ".pmeta/items keep them: 'pmeta runs --sync' writes them", pm_error_msg());
		pm_error_clear();
	}
	ret = strcmp(s.status, "succeeded") && strcmp(s.status, "submitted") ? EXIT_FAIL : EXIT_OK;
out:
	openlineage_finish(ol, 0, NULL);
	run_session_release(&s);
	executor_free(ex);
	json_decref(io);
	free(ol_target);
	free(producer);
	return ret;
}

/*
 * Plans, locks, checks and runs one process (a config or a name): once,
 * or with --drain until no incremental job leaves items behind.
 */
static int run_target(struct run_request *rq, const char *target_arg)
{
	struct run_selection sel = rq->sel;
	struct run_choice choice = { 0 };
	struct process_lock lock = PROCESS_LOCK_INIT;
	struct items_plan *ip = NULL;
	struct items_run *ir = NULL;
	struct plan *plan = NULL;
	struct neo4j *db;
	const char *target = target_arg, *executor = rq->executor;
	char *resume_id = NULL, *default_target = NULL, *name = NULL;
	json_t *old_run = NULL, *old_jobs = NULL;
	int ret = EXIT_OK, round;

	if (rq->resume) {
		char *dir, *path;
		int ended;

		resume_id = run_resolve_id(rq->root, rq->resume);
		if (!resume_id) {
			ret = cmd_error();
			goto out;
		}
		dir = run_dir(rq->root, resume_id);
		path = xstrfmt("%s/journal.jsonl", dir);
		/* A Slurm run no pmeta follows: bring its journal up to date first. */
		if (journal_reconcile(dir) < 0) {
			free(path);
			free(dir);
			ret = cmd_error();
			goto out;
		}
		if (access(path, F_OK) < 0) {
			ret = cmd_die(EXIT_FAIL, "no run '%s' in this workspace (no %s)", resume_id, path);
			free(path);
			free(dir);
			goto out;
		}
		if (journal_load(&old_run, &old_jobs, &ended, path) < 0) {
			free(path);
			free(dir);
			ret = cmd_error();
			goto out;
		}
		free(path);
		/* Jobs of a run still going would run twice. */
		if (!ended && run_in_progress(dir)) {
			free(dir);
			ret = cmd_die(EXIT_FAIL, "run %s is still in progress: wait for its end "
				      "('pmeta status %s') or stop it ('pmeta cancel %s')", resume_id,
				      resume_id, resume_id);
			goto out;
		}
		free(dir);
		if (!target) {
			const char *sc = json_string_value(json_object_get(old_run, "schedule"));
			const char *p = json_string_value(json_object_get(old_run, "process_name"));

			if (!sc || !p) {
				ret = cmd_die(EXIT_FAIL, "run '%s' does not name its process", resume_id);
				goto out;
			}
			/* A target as the user would type it: schedule/process. */
			default_target = xstrfmt("%s/%s", sc, p);
			target = default_target;
		}
		sel.resume_id = resume_id;
		sel.resume_jobs = old_jobs;
	}

	if (ctx_db(rq->ctx, &db) < 0 || plan_load(&plan, db, rq->ws, rq->root, target, &rq->popts) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (resume_id) {
		const char *sc = json_string_value(json_object_get(old_run, "schedule"));
		const char *p = json_string_value(json_object_get(old_run, "process_name"));

		if (sc && p && (strcmp(sc, plan->schedule) || strcmp(p, plan->process))) {
			ret = cmd_die(EXIT_USAGE, "run %s ran %s/%s, not %s/%s", resume_id, sc, p,
				      plan->schedule, plan->process);
			goto out;
		}
	}
	/* Where the jobs run: the command line, base.conf, the run resumed, this machine. */
	if (!executor)
		executor = plan->executor;
	if (!executor && old_run)
		executor = json_string_value(json_object_get(old_run, "executor"));
	if (rq->detach && !(executor && !strcmp(executor, EXECUTOR_SLURM))) {
		ret = cmd_die(EXIT_USAGE, "--detach needs the slurm executor "
			      "(--executor slurm, or executor = slurm in base.conf)");
		goto out;
	}
	if (executor && !strcmp(executor, EXECUTOR_SLURM) && rq->jobs && !rq->dry_run)
		cmd_warn("-j has no effect on Slurm, which schedules the jobs itself");
	if (run_select(&choice, plan, &sel) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (rq->dry_run) {
		print_dry_run(plan, &choice, resume_id);
		goto out;
	}
	if (!choice.nselected) {
		ret = cmd_die(EXIT_FAIL, "nothing to run: the selection leaves no job of %s/%s",
			      plan->schedule, plan->process);
		goto out;
	}
	name = xstrfmt("%s/%s", plan->schedule, plan->process);
	if (process_lock_take(&lock, rq->root, plan->schedule, plan->process, rq->wait,
			      on_lock_wait, name) < 0) {
		ret = stop_signal ? EXIT_OK : cmd_error();
		goto out;
	}
	if (stop_signal)
		goto out;   /* stopped while planning or waiting: nothing started */
	if (items_plan_load(&ip, db, plan, rq->root) < 0) {
		ret = cmd_error();
		goto out;
	}
	for (round = 1;; round++) {
		struct items_run_options iopts = { 0 };

		items_run_free(ir);
		ir = NULL;
		if (ip->nsteps) {
			iopts.force = rq->popts.run_mode && !strcmp(rq->popts.run_mode, "force");
			items_run_init(&ir, ip, plan, &iopts);
		}
		/* Nothing new anywhere: no run, no JobRuns, one light record. */
		if (ir && round == 1) {
			double t0 = runner_now();
			size_t seen = 0;
			long long checks = 0;
			int up = items_up_to_date(ir, choice.selected, &seen);

			if (up < 0) {
				ret = cmd_error();
				goto out;
			}
			if (up) {
				printf("%s: up to date: nothing new for its %zu jobs (%zu items checked in "
				       "%.2fs); no run recorded\n", name, choice.nselected, seen,
				       runner_now() - t0);
				if (!rq->no_record && items_record_check(db, plan, rq->root, &checks) < 0) {
					cmd_warn("the check is not in Neo4j (%s)", pm_error_msg());
					pm_error_clear();
				}
				goto out;
			}
		}
		ret = run_once(rq, plan, &choice, target, round == 1 ? resume_id : NULL, executor, ir,
			       &lock);
		if (ret != EXIT_OK || !rq->drain || !ir || !items_run_left(ir) || stop_signal)
			break;
		printf("%s: --drain: items are left, running again\n", name);
	}
out:
	items_run_free(ir);
	items_plan_free(ip);
	process_lock_release(&lock);
	run_choice_release(&choice);
	plan_free(plan);
	json_decref(old_run);
	json_decref(old_jobs);
	free(resume_id);
	free(default_target);
	free(name);
	return ret;
}

int cmd_run(int argc, char **argv, struct ctx *ctx)
{
	struct run_request rq;
	struct strbuf only = STRBUF_INIT, selection = STRBUF_INIT;
	struct sigaction old[NSTOP];
	struct opt_list only_opt = OPT_LIST_INIT;
	const char **only_list = NULL;
	double every = 0;
	long cycles = 0, cycle;
	int ret, i, ntargets;
	struct cmd_option options[] = {
		OPT_INT('j', "jobs", &rq.jobs, "<n>", 1, 4096, "run at most <n> jobs at once"),
		OPT_STRING(0, "from", &rq.sel.from, "<step>", "run <step> and every step after it"),
		OPT_STRING(0, "to", &rq.sel.to, "<step>", "run <step> and every step it needs"),
		OPT_LIST(0, "only", &only_opt, "<step>", "run only these steps (repeat, or a,b,c)"),
		OPT_STRING(0, "resume", &rq.resume, "<run>",
			   "rerun what failed, was skipped or aborted in <run>\n"
			   "(an id or 'last') and what depends on it; reuse its\n"
			   "successes"),
		OPT_FLAG('n', "dry-run", &rq.dry_run, "print what would run and why, run nothing"),
		OPT_FLAG('q', "quiet", &rq.quiet, "one line per job event, even on a terminal"),
		OPT_STRING(0, "run-mode", &rq.popts.run_mode, "<mode>",
			   "pass --run_mode=<mode> to every procedure; 'force'\n"
			   "also runs incremental steps with every item"),
		OPT_FLAG(0, "latest-patch", &rq.popts.latest_patch,
			 "run the newest patch fork of every procedure"),
		OPT_CALLBACK(0, "grace", &rq.grace, "<seconds>", parse_grace,
			     "from SIGTERM to SIGKILL when stopping jobs (default 5)"),
		OPT_FLAG(0, "no-record", &rq.no_record,
			 "keep the run in the journal only ('pmeta runs --sync'\n"
			 "writes it to Neo4j later)"),
		OPT_CALLBACK(0, "every", &every, "<duration>", parse_every,
			     "run the chain again <duration> after it ended\n"
			     "(30s, 10m, 1h), until SIGINT or SIGTERM"),
		OPT_INT(0, "cycles", &cycles, "<n>", 1, INT_MAX, "stop after <n> cycles of the chain"),
		OPT_FLAG(0, "wait", &rq.wait, "wait for a run of the same process to end\n"
			 "instead of failing at once"),
		OPT_FLAG(0, "drain", &rq.drain, "run again while incremental jobs leave items\n"
			 "for later (their batch was full)"),
		OPT_CALLBACK(0, "executor", &rq.executor, "<name>", parse_executor,
			     "where the jobs run: local (this machine) or slurm\n"
			     "(default: base.conf's executor, else local)"),
		OPT_FLAG(0, "detach", &rq.detach,
			 "on Slurm: submit every job, print the run id and\n"
			 "return; 'pmeta status <run>' follows it"),
		OPT_STRING(0, "openlineage", &rq.openlineage, "<file|url>",
			   "emit OpenLineage events: append them to <file>, or\n"
			   "POST them to <url> (default: PMETA_OPENLINEAGE, then\n"
			   "base.conf's openlineage)"),
		OPT_END()
	};

	memset(&rq, 0, sizeof(rq));
	rq.ctx = ctx;
	rq.grace = 5;
	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		goto out;
	ret = EXIT_OK;
	ntargets = argc;
	if (!ntargets && !rq.resume) {
		ret = options_usage_error(&usage, options, "name a config or a process to run");
		goto out;
	}
	if (ntargets > 1 && (rq.resume || rq.sel.from || rq.sel.to || only_opt.nr)) {
		ret = options_usage_error(&usage, options, "--from, --to, --only and --resume "
					  "pick steps of one process, and %d are named", ntargets);
		goto out;
	}
	if (rq.resume && (every > 0 || cycles || rq.drain)) {
		ret = options_usage_error(&usage, options, "--resume reruns one run once: not with "
					  "--every, --cycles or --drain");
		goto out;
	}
	for (i = 0; (size_t)i < only_opt.nr; i++) {
		if (only.len)
			strbuf_addch(&only, ',');
		strbuf_addstr(&only, only_opt.items[i]);
	}
	if (only.len) {
		char *p = only.buf;
		size_t n = 1;

		for (; *p; p++)
			n += *p == ',';
		only_list = xcalloc(n, sizeof(*only_list));
		for (p = strtok(only.buf, ","); p; p = strtok(NULL, ","))
			if (*p)
				only_list[rq.sel.nonly++] = p;
	}
	rq.sel.only = only_list;

	if (ctx_root(ctx, &rq.root) < 0 || ctx_workspace(ctx, &rq.ws) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (rq.sel.from)
		strbuf_addf(&selection, "--from %s ", rq.sel.from);
	if (rq.sel.to)
		strbuf_addf(&selection, "--to %s ", rq.sel.to);
	for (i = 0; (size_t)i < rq.sel.nonly; i++)
		strbuf_addf(&selection, "--only %s ", rq.sel.only[i]);
	if (rq.resume)
		strbuf_addf(&selection, "--resume %s ", rq.resume);
	if (selection.len)
		strbuf_setlen(&selection, selection.len - 1);
	rq.selection = selection.len ? selection.buf : NULL;
	/* --dry-run shows the chain once. */
	if (rq.dry_run) {
		every = 0;
		cycles = 1;
	}
	rq.looping = every > 0 || cycles > 1 || ntargets > 1;
	if (!cycles)
		cycles = every > 0 ? 0 : 1;   /* 0: until a signal */

	/* A loop's lines must reach a pipe or a file as they happen. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	stop_signal = 0;
	if (rq.looping)
		stop_handlers(old, 1);
	/* Between cycles, folders nothing touched are not read again (run/watch.h). */
	if (every > 0)
		watch_enable();
	for (cycle = 1; !cycles || cycle <= cycles; cycle++) {
		if (rq.looping && (every > 0 || cycles > 1))
			printf("--- cycle %ld%s\n", cycle, every > 0 ? "" : " (--cycles)");
		for (i = 0; i < (ntargets ? ntargets : 1) && !stop_signal; i++) {
			ret = run_target(&rq, ntargets ? argv[i] : NULL);
			if (ret != EXIT_OK)
				break;   /* a failure stops the chain */
		}
		if (ret != EXIT_OK || stop_signal || (cycles && cycle == cycles))
			break;
		if (every > 0 && sleep_or_stop(every))
			break;
	}
	if (stop_signal && ret == EXIT_OK)
		printf("stopped by %s after %ld cycle%s\n", run_signal_name(stop_signal),
		       cycle, cycle == 1 ? "" : "s");
	if (rq.looping)
		stop_handlers(old, 0);
	watch_end();
	items_looks_forget();
out:
	free(only_list);
	strbuf_release(&only);
	strbuf_release(&selection);
	opt_list_release(&only_opt);
	return ret;
}
