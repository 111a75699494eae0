/*
 * pmeta status: one run, job by job, from the graph (after writing any
 * journal of this workspace that Neo4j has not seen yet), or from the
 * local journal when Neo4j cannot be reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
#include "run/journal.h"
#include "run/runner.h"
#include "util/isotime.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta status [<run> | <process>] [--json]\n",
	"Shows a run job by job: status, exit code, attempts, duration and log. With\n"
	"no argument the latest run; with a process name the latest run of that\n"
	"process; 'last' is the newest run started from this workspace. Only runs of\n"
	"this workspace (.pmeta/workspace) are shown. Under the jobs: each version\n"
	"that ran, the blob that ran and who wrote it (the registry: 'pmeta show').\n"
	"Reads Neo4j (writing this workspace's unsynced run journals first); when\n"
	"Neo4j cannot be reached, reads the run's local journal instead and says so.\n",
	NULL
};

/* ms since the epoch of "2026-11-21T10:15:00.123Z", or -1. */
static long long parse_iso(const char *s)
{
	long long ms;

	return iso_time_parse(s, &ms) == 0 ? ms : -1;
}

static void format_duration(char *buf, size_t n, long long ms)
{
	if (ms < 0)
		snprintf(buf, n, "-");
	else if (ms < 60000)
		snprintf(buf, n, "%.1fs", ms / 1000.0);
	else if (ms < 3600000)
		snprintf(buf, n, "%lldm%02llds", ms / 60000, (ms / 1000) % 60);
	else
		snprintf(buf, n, "%lldh%02lldm", ms / 3600000, (ms / 60000) % 60);
}

/* Duration of a run or job object: recorded, or running so far. */
static long long duration_of(const json_t *o)
{
	const json_t *d = json_object_get(o, "duration_ms");
	long long start, end;

	if (json_is_integer(d))
		return (long long)json_integer_value(d);
	start = parse_iso(json_string_value(json_object_get(o, "started_at")));
	if (start < 0)
		return -1;
	end = parse_iso(json_string_value(json_object_get(o, "finished_at")));
	if (end < 0)
		end = runner_wall_ms();
	return end - start;
}

static const char *str(const json_t *o, const char *key, const char *fallback)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : fallback;
}

static void print_text(const json_t *run, const json_t *jobs, const char *source)
{
	static const char *const states[] = { "succeeded", "failed", "skipped", "aborted",
					      "running", "pending", NULL };
	size_t counts[6] = { 0 }, i, k;
	const json_t *job;
	char dur[32];

	json_array_foreach(jobs, i, job)
		for (k = 0; states[k]; k++)
			if (!strcmp(str(job, "status", ""), states[k]))
				counts[k]++;
	format_duration(dur, sizeof(dur), duration_of(run));
	printf("run       %s  %s%s\n", str(run, "id", "?"), str(run, "status", "?"),
	       !strcmp(source, "journal") ? "  (from the local journal: not in Neo4j)" : "");
	printf("process   %s/%s\n", str(run, "schedule", "?"), str(run, "process_name", "?"));
	printf("started   %s  finished %s  (%s)\n", str(run, "started_at", "-"),
	       str(run, "finished_at", "-"), dur);
	printf("jobs      ");
	for (k = 0; states[k]; k++)
		if (counts[k] || k < 4)
			printf("%s%zu %s", k ? ", " : "", counts[k], states[k]);
	printf(" (of %zu)\n", json_array_size(jobs));
	if (json_string_value(json_object_get(run, "resume_of")))
		printf("resumes   %s\n", str(run, "resume_of", ""));
	if (json_string_value(json_object_get(run, "selection")))
		printf("selection %s\n", str(run, "selection", ""));
	printf("\n%-28s %-5s %-9s %4s %5s %9s  %s\n", "STEP", "SHARD", "STATUS", "EXIT", "TRIES",
	       "DURATION", "LOG");
	json_array_foreach(jobs, i, job) {
		const json_t *shard = json_object_get(job, "shard");
		const json_t *code = json_object_get(job, "exit_code");
		char sh[16], ex[16];

		if (json_is_integer(shard))
			snprintf(sh, sizeof(sh), "%lld", (long long)json_integer_value(shard));
		else
			snprintf(sh, sizeof(sh), "-");
		if (json_is_integer(code))
			snprintf(ex, sizeof(ex), "%lld", (long long)json_integer_value(code));
		else if (json_string_value(json_object_get(job, "signal")))
			snprintf(ex, sizeof(ex), "%s", str(job, "signal", "") + 3);
		else
			snprintf(ex, sizeof(ex), "-");
		if (!strcmp(str(job, "status", ""), "pending") || !strcmp(str(job, "status", ""), "skipped"))
			snprintf(dur, sizeof(dur), "-");
		else
			format_duration(dur, sizeof(dur), duration_of(job));
		printf("%-28s %-5s %-9s %4s %5lld %9s  %s%s%s\n", str(job, "step", "?"), sh,
		       str(job, "status", "?"), ex,
		       (long long)json_integer_value(json_object_get(job, "attempts")), dur,
		       str(job, "log", "-"),
		       json_is_true(json_object_get(job, "timed_out")) ? "  (timed out)" : "",
		       json_string_value(json_object_get(job, "reused_from")) ? "  (reused)" : "");
	}
}

/* Who wrote each version the run ran (the registry), under the jobs. */
static void print_versions(const json_t *versions)
{
	const json_t *v, *b;
	size_t i, k;

	if (!json_array_size(versions))
		return;
	printf("\n%-36s %-12s %s\n", "VERSION", "BLOB", "WRITTEN BY");
	json_array_foreach(versions, i, v) {
		struct strbuf blobs = STRBUF_INIT;

		json_array_foreach(json_object_get(v, "blobs"), k, b)
			if (json_string_value(b))
				strbuf_addf(&blobs, "%s%.12s", blobs.len ? "," : "", json_string_value(b));
		printf("%-36s %-12s ", str(v, "name", "?"), blobs.len ? blobs.buf : "-");
		if (json_string_value(json_object_get(v, "author")))
			printf("%s <%s>, created %s", str(v, "author", ""), str(v, "author_email", ""),
			       str(v, "created_at", "?"));
		else
			printf("(not in the registry: 'pmeta sync' fills it)");
		if (json_string_value(json_object_get(v, "forked_from")))
			printf(", forked from %s", str(v, "forked_from", ""));
		putchar('\n');
		strbuf_release(&blobs);
	}
}

/* Reads the run from the graph: 1 found, 0 not there, -1 error. */
static int graph_run(struct neo4j *db, const char *ws, const char *id, json_t **run, json_t **jobs)
{
	json_t *res = NULL;
	char *key = key_run(ws, id);
	int found = 0;

	if (neo4j_query(db, &res, cypher_run_get, json_pack("{ss}", "key", key)) < 0) {
		free(key);
		return -1;
	}
	free(key);
	if (neo4j_nrows(res)) {
		json_t *job;
		size_t i;

		*run = json_incref(neo4j_cell(res, 0, "run"));
		*jobs = json_incref(neo4j_cell(res, 0, "jobs"));
		records_times_text(*run);
		json_array_foreach(*jobs, i, job)
			records_times_text(job);
		found = 1;
	}
	json_decref(res);
	return found;
}

static int journal_run(const char *root, const char *id, json_t **run, json_t **jobs)
{
	char *dir = run_dir(root, id), *path = xstrfmt("%s/journal.jsonl", dir);
	int ended, ret = journal_load(run, jobs, &ended, path);

	free(dir);
	free(path);
	return ret;
}

int cmd_status(int argc, char **argv, struct ctx *ctx)
{
	const char *root = NULL, *ws = NULL, *arg = NULL, *source = "neo4j";
	struct neo4j *db = NULL;
	json_t *run = NULL, *jobs = NULL, *versions = NULL;
	char *id = NULL;
	int json = 0, ret, online = 1;
	size_t replayed;
	struct cmd_option options[] = {
		OPT_FLAG(0, "json", &json, "one JSON object: the Run properties, \"source\"\n"
			 "and \"jobs\""),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	arg = argc ? argv[0] : NULL;
	ret = EXIT_OK;
	/* Runs belong to a workspace: without one there is nothing to show. */
	if (ctx_root(ctx, &root) < 0 || ctx_workspace(ctx, &ws) < 0)
		return cmd_error();
	if (ctx_db(ctx, &db) < 0)
		return cmd_error();
	if (journal_replay_all(db, ws, root, &replayed) < 0) {
		if (pm_error_class() != PM_ENEO4J)
			return cmd_error();
		online = 0;
		cmd_warn("%s; showing the local journal", pm_error_msg());
	}

	if (arg && (!strcmp(arg, "last") || !strcmp(arg, "latest")) && root) {
		id = run_latest_local(root);
	} else if (arg && run_id_valid(arg)) {
		id = xstrdup(arg);
	} else if (online) {
		json_t *res = NULL;
		const char *slash = arg ? strchr(arg, '/') : NULL;
		char *schedule = slash ? xstrndup(arg, (size_t)(slash - arg)) : NULL;
		int r = neo4j_query(db, &res, cypher_run_latest,
				    json_pack("{s:s, s:s?, s:s?}", "workspace", ws, "schedule", schedule,
					      "process", slash ? slash + 1 : arg));

		free(schedule);
		if (r < 0) {
			if (pm_error_class() != PM_ENEO4J || !root)
				return cmd_error();
			online = 0;
			cmd_warn("%s; showing the local journal", pm_error_msg());
		} else if (neo4j_nrows(res)) {
			id = xstrdup(json_string_value(neo4j_cell(res, 0, "id")));
		}
		json_decref(res);
	}
	if (!id && !online && root && !arg)
		id = run_latest_local(root);
	if (!id) {
		if (arg)
			return cmd_die(EXIT_FAIL, "no run of '%s' recorded", arg);
		return cmd_die(EXIT_FAIL, "no run recorded yet");
	}

	if (online) {
		int found = graph_run(db, ws, id, &run, &jobs);

		if (found < 0) {
			if (!root) {
				ret = cmd_error();
				goto out;
			}
			cmd_warn("%s; showing the local journal", pm_error_msg());
			online = 0;
		} else if (!found) {
			online = 0;
		}
	}
	if (!online) {
		source = "journal";
		if (!root || journal_run(root, id, &run, &jobs) < 0) {
			ret = cmd_die(EXIT_FAIL, "no run '%s' in Neo4j nor in this workspace", id);
			goto out;
		}
	}
	if (online) {
		char *key = key_run(ws, id);
		int r = registry_run_versions(&versions, db, key);

		free(key);
		if (r < 0) {
			ret = cmd_error();
			goto out;
		}
	}
	if (json) {
		json_t *o = json_deep_copy(run);
		char *s;

		json_object_set_new(o, "source", json_string(source));
		json_object_set(o, "jobs", jobs);
		if (versions)
			json_object_set(o, "versions", versions);
		s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
		puts(s);
		free(s);
		json_decref(o);
	} else {
		print_text(run, jobs, source);
		print_versions(versions);
	}
out:
	json_decref(versions);
	json_decref(run);
	json_decref(jobs);
	free(id);
	return ret;
}
