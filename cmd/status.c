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
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
#include "run/journal.h"
#include "run/records.h"
#include "run/runner.h"
#include "util/isotime.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta status [<run> | <process>] [--json | --config]\n",
	"Shows a run job by job: status, exit code, attempts, duration and log. With\n"
	"no argument the latest run; with a process name the latest run of that\n"
	"process; 'last' is the newest run started from this workspace. Only runs of\n"
	"this workspace (.pmeta/workspace) are shown. Each job names the procedure\n"
	"version it ran and the git blob of its script when it started (a '*' marks\n"
	"uncommitted edits); under the jobs, who wrote each version that ran (the\n"
	"registry: 'pmeta show'). Reads Neo4j (writing this workspace's unsynced run\n"
	"journals first); when Neo4j cannot be reached, reads the run's local\n"
	"journal instead and says so.\n",
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

/* "3f2a9c1" of a job's blob, "3f2a9c1*" when its script had uncommitted edits, "-". */
static void short_blob(char *buf, size_t n, const json_t *job)
{
	const char *blob = json_string_value(json_object_get(job, "blob"));

	if (!blob)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.7s%s", blob, json_is_true(json_object_get(job, "dirty")) ? "*" : "");
}

static void print_text(const json_t *run, const json_t *jobs, const char *source)
{
	static const char *const states[] = { "succeeded", "failed", "skipped", "aborted",
					      "running", "pending", "up_to_date", NULL };
	size_t counts[7] = { 0 }, i, k, dirty = 0;
	const json_t *job;
	char dur[32], blob[16];
	int slurm = !strcmp(str(run, "executor", ""), "slurm");

	json_array_foreach(jobs, i, job) {
		for (k = 0; states[k]; k++)
			if (!strcmp(str(job, "status", ""), states[k]))
				counts[k]++;
		dirty += json_is_true(json_object_get(job, "dirty"));
	}
	format_duration(dur, sizeof(dur), duration_of(run));
	printf("run       %s  %s%s\n", str(run, "id", "?"), str(run, "status", "?"),
	       !strcmp(source, "journal") ? "  (from the local journal: not in Neo4j)" : "");
	printf("process   %s/%s\n", str(run, "schedule", "?"), str(run, "process_name", "?"));
	if (slurm)
		printf("executor  slurm%s\n", json_is_true(json_object_get(run, "detached")) ?
		       " (detached)" : "");
	if (json_string_value(json_object_get(run, "config")))
		printf("config    %s  %.12s\n", str(run, "config", ""), str(run, "config_hash", "-"));
	if (json_string_value(json_object_get(run, "host")))
		printf("by        %s@%s, pmeta %s\n", str(run, "user", "?"), str(run, "host", "?"),
		       str(run, "pmeta_version", "?"));
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
	printf("\n%-28s %-5s %-9s %4s %5s %9s  %-24s %-8s  %s%s\n", "STEP", "SHARD", "STATUS",
	       "EXIT", "TRIES", "DURATION", "PROCEDURE", "BLOB", slurm ? "SLURM JOB@NODE        " : "",
	       "LOG");
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
		if (!strcmp(str(job, "status", ""), "pending") || !strcmp(str(job, "status", ""), "skipped") ||
		    !strcmp(str(job, "status", ""), "up_to_date"))
			snprintf(dur, sizeof(dur), "-");
		else
			format_duration(dur, sizeof(dur), duration_of(job));
		short_blob(blob, sizeof(blob), job);
		printf("%-28s %-5s %-9s %4s %5lld %9s  %-24s %-8s  ", str(job, "step", "?"), sh,
		       str(job, "status", "?"), ex,
		       (long long)json_integer_value(json_object_get(job, "attempts")), dur,
		       str(job, "procedure", "-"), blob);
		if (slurm) {
			char *where = xstrfmt("%s%s%s", str(job, "slurm_job", "-"),
					      json_string_value(json_object_get(job, "node")) ? "@" : "",
					      str(job, "node", ""));

			printf("%-22s", where);
			free(where);
		}
		printf("%s%s%s", str(job, "log", "-"),
		       json_is_true(json_object_get(job, "timed_out")) ? "  (timed out)" : "",
		       json_string_value(json_object_get(job, "reused_from")) ? "  (reused)" : "");
		/* An incremental job: what it was handed, what it processed. */
		if (json_is_integer(json_object_get(job, "nitems")))
			printf("  (%lld items, %lld processed)",
			       (long long)json_integer_value(json_object_get(job, "nitems")),
			       (long long)json_integer_value(json_object_get(job, "nprocessed")));
		if (json_string_value(json_object_get(job, "error")))
			printf("  (%s)", str(job, "error", ""));
		putchar('\n');
	}
	if (dirty)
		printf("\n* dirty: the script differed from HEAD's when the job started "
		       "(uncommitted edits ran)\n");
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

/* The config text a run ran: from the graph, else from its journal's header. */
static int print_config(struct neo4j *db, int online, const char *ws, const char *id,
			const json_t *run)
{
	const char *text = json_string_value(json_object_get(run, "config_text"));
	char *found = NULL;

	if (!text && online) {
		if (records_config_text(db, ws, id, NULL, &found) < 0)
			return cmd_error();
		text = found;
	}
	if (!text)
		return cmd_die(EXIT_FAIL, "run %s has no config text recorded (it ran a process by "
			       "name, without its config file, or before pmeta kept config texts)", id);
	fputs(text, stdout);
	free(found);
	return EXIT_OK;
}

int cmd_status(int argc, char **argv, struct ctx *ctx)
{
	const char *root = NULL, *ws = NULL, *arg = NULL, *source = "neo4j";
	struct neo4j *db = NULL;
	json_t *run = NULL, *jobs = NULL, *versions = NULL;
	char *id = NULL;
	int json = 0, config = 0, ret, online = 1;
	size_t replayed;
	struct cmd_option options[] = {
		OPT_FLAG(0, "json", &json, "one JSON object: the run's fields, \"source\" and\n"
			 "\"jobs\" (docs/json.md)"),
		OPT_FLAG(0, "config", &config, "print the text of the config the run ran\n"
			 "(kept once per content, even after the file changed)"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (json && config)
		return options_usage_error(&usage, options, "--json and --config do not go together");
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
		if (records_latest(db, ws, arg, &id) < 0) {
			if (pm_error_class() != PM_ENEO4J || !root)
				return cmd_error();
			online = 0;
			cmd_warn("%s; showing the local journal", pm_error_msg());
		}
	}
	if (!id && !online && root && !arg)
		id = run_latest_local(root);
	if (!id) {
		if (arg)
			return cmd_die(EXIT_FAIL, "no run of '%s' recorded", arg);
		return cmd_die(EXIT_FAIL, "no run recorded yet");
	}

	if (online) {
		int found = records_get(db, ws, id, &run, &jobs);

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
		if (!root || records_load_journal(root, ws, id, &run, &jobs) < 0) {
			ret = cmd_die(EXIT_FAIL, "no run '%s' in Neo4j nor in this workspace", id);
			goto out;
		}
	}
	if (online && !config) {
		char *key = key_run(ws, id);
		int r = registry_run_versions(&versions, db, key);

		free(key);
		if (r < 0) {
			ret = cmd_error();
			goto out;
		}
	}
	if (config) {
		ret = print_config(db, online, ws, id, run);
	} else if (json) {
		json_t *o = records_status_json(run, jobs, source);
		char *s;

		/* Who wrote what ran is the registry's: null from a journal. */
		json_object_set(o, "versions", versions ? versions : json_null());
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
