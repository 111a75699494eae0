/*
 * pmeta cancel: stop a run, whichever executor runs it. A run that a pmeta
 * follows (a local run, an attached Slurm run) holds its lock: that pmeta
 * gets SIGTERM, as from Ctrl-C, and stops its jobs itself (process groups,
 * or scancel) and records them aborted. A Slurm run no pmeta follows
 * (--detach, or its pmeta is gone) has its jobs scancelled here and is
 * reconciled at once: the jobs that had not succeeded are aborted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "run/journal.h"
#include "run/procs.h"
#include "run/runner.h"
#include "run/slurm.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta cancel <run> [--wait <seconds>]\n",
	"Stops a run of this workspace (a run id, or 'last'). A run that a pmeta\n"
	"follows (a local run, or a Slurm run without --detach) is stopped through\n"
	"that pmeta: it gets SIGTERM, stops its jobs and records them aborted, as on\n"
	"Ctrl-C. A detached Slurm run has its jobs cancelled with scancel, and its\n"
	"journal and records are brought up to date here. Waits until the run has\n"
	"ended (at most <seconds>, default 60).\n",
	"Exit status: 0 when the run was stopped, 1 when it could not be (no such\n"
	"run, already ended, its pmeta runs on another machine), 2 usage.\n"
};

static int parse_wait(const struct cmd_option *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!*arg || *end || errno || !(v > 0 && v <= 86400))
		return pm_error(PM_EUSAGE, "needs seconds (0 < s <= 86400), not '%s'", arg);
	*(double *)opt->value = v;
	return 0;
}

static void print_outcome(const char *id, const char *path)
{
	json_t *run = NULL, *jobs = NULL;
	int ended;

	if (journal_load(&run, &jobs, &ended, path) < 0) {
		pm_error_clear();
		return;
	}
	printf("run %s %s: %lld succeeded, %lld failed, %lld skipped, %lld aborted\n", id,
	       json_string_value(json_object_get(run, "status")),
	       (long long)json_integer_value(json_object_get(run, "succeeded")),
	       (long long)json_integer_value(json_object_get(run, "failed")),
	       (long long)json_integer_value(json_object_get(run, "skipped")),
	       (long long)json_integer_value(json_object_get(run, "aborted")));
	json_decref(run);
	json_decref(jobs);
}

/* The pmeta that holds the run's lock: SIGTERM, then wait for the lock. */
static int stop_follower(const char *id, const char *dir, double wait_s)
{
	char host[256] = "", *owner_host = NULL;
	long long start = 0;
	long pid = 0;
	double until;
	int lock = -1, ret = EXIT_FAIL;

	gethostname(host, sizeof(host) - 1);
	if (run_owner_read(dir, &pid, &start, &owner_host) < 0) {
		ret = cmd_die(EXIT_FAIL, "run %s is in progress, but %s/owner does not say which "
			      "process follows it", id, dir);
		goto out;
	}
	if (strcmp(owner_host, host)) {
		ret = cmd_die(EXIT_FAIL, "run %s is followed by pmeta on %s (pid %ld): cancel it there",
			      id, owner_host, pid);
		goto out;
	}
	/* The same process, not a later one that got its pid. */
	if (pid <= 1 || !proc_alive((pid_t)pid, start)) {
		ret = cmd_die(EXIT_FAIL, "run %s is in progress, but its pmeta (pid %ld) is not "
			      "found", id, pid);
		goto out;
	}
	if (kill((pid_t)pid, SIGTERM) < 0) {
		ret = cmd_die(EXIT_FAIL, "cannot signal pmeta (pid %ld) running %s: %s", pid, id,
			      strerror(errno));
		goto out;
	}
	printf("run %s: SIGTERM sent to its pmeta (pid %ld), which stops its jobs\n", id, pid);
	fflush(stdout);
	until = runner_now() + wait_s;
	while (run_lock(&lock, dir, 0) < 0) {
		pm_error_clear();
		if (runner_now() > until) {
			ret = cmd_die(EXIT_FAIL, "run %s: its pmeta (pid %ld) has not ended after %.0fs",
				      id, pid, wait_s);
			goto out;
		}
		usleep(100000);
	}
	close(lock);
	ret = EXIT_OK;
out:
	free(owner_host);
	return ret;
}

int cmd_cancel(int argc, char **argv, struct ctx *ctx)
{
	const char *root, *ws;
	char *id = NULL, *dir = NULL, *path = NULL;
	json_t *run = NULL, *jobs = NULL;
	struct neo4j *db;
	double wait_s = 60;
	int ended, lock = -1, ret;
	struct cmd_option options[] = {
		OPT_CALLBACK(0, "wait", &wait_s, "<seconds>", parse_wait,
			     "wait at most this long for the run to end (60)"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (!argc)
		return options_usage_error(&usage, options, "name the run to cancel");
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (ctx_root(ctx, &root) < 0 || ctx_workspace(ctx, &ws) < 0)
		return cmd_error();
	id = run_resolve_id(root, argv[0]);
	if (!id)
		return cmd_error();
	dir = run_dir(root, id);
	path = xstrfmt("%s/journal.jsonl", dir);
	if (access(path, F_OK) < 0) {
		ret = cmd_die(EXIT_FAIL, "no run '%s' in this workspace (no %s)", id, path);
		goto out;
	}
	if (journal_load(&run, &jobs, &ended, path) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (ended) {
		ret = cmd_die(EXIT_FAIL, "run %s has already ended (%s)", id,
			      json_string_value(json_object_get(run, "status")));
		goto out;
	}
	if (run_lock(&lock, dir, 0) < 0) {
		/* A pmeta follows it. */
		pm_error_clear();
		ret = stop_follower(id, dir, wait_s);
	} else if (slurm_run_open(dir)) {
		size_t n = 0;

		/* Ours now: no reconcile runs while the jobs are being stopped. */
		if (slurm_cancel_run(dir, wait_s, &n) < 0 || slurm_reconcile(dir, &ended) < 0) {
			ret = cmd_error();
			goto out;
		}
		printf("run %s: %zu Slurm job%s cancelled\n", id, n, n == 1 ? "" : "s");
		ret = EXIT_OK;
	} else {
		ret = cmd_die(EXIT_FAIL, "run %s is not running: the pmeta that ran it is gone; "
			      "'pmeta runs --sync' closes it as aborted", id);
		goto out;
	}
	if (lock >= 0) {
		close(lock);
		lock = -1;
	}
	if (ret != EXIT_OK)
		goto out;
	/* The records follow the journal when Neo4j answers; else a later sync writes them. */
	{
		size_t replayed;

		if (ctx_db(ctx, &db) < 0 || journal_replay_all(db, ws, root, &replayed) < 0) {
			cmd_warn("%s; the run's records are in %s: 'pmeta runs --sync' writes them",
				 pm_error_msg(), path);
			pm_error_clear();
		}
	}
	print_outcome(id, path);
out:
	if (lock >= 0)
		close(lock);
	json_decref(run);
	json_decref(jobs);
	free(id);
	free(dir);
	free(path);
	return ret;
}
