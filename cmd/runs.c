/*
 * pmeta runs: recent runs, newest first; --sync writes the workspace's
 * unsynced run journals to Neo4j (what `pmeta sync` also does).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "run/journal.h"
#include "run/records.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta runs [<process>] [-n <count>] [--json] [--all-workspaces]\n"
	"   or: pmeta runs --sync\n",
	"Lists recent runs of this workspace (all, or of one process), newest first:\n"
	"id, status, process, start, duration and job counts. Journals of this\n"
	"workspace that Neo4j has not seen yet (a run while Neo4j was down, a run\n"
	"with --no-record, a runner that died) are written first.\n",
	NULL
};

int cmd_runs(int argc, char **argv, struct ctx *ctx)
{
	const char *root = NULL, *ws = NULL, *process = NULL;
	struct neo4j *db;
	json_t *list = NULL;
	long limit = 20;
	size_t replayed = 0, i;
	int json = 0, sync = 0, all = 0, ret;
	struct cmd_option options[] = {
		OPT_INT('n', NULL, &limit, "<count>", 1, LONG_MAX, "how many runs (default 20)"),
		OPT_FLAG(0, "json", &json, "a JSON array of runs (docs/json.md)"),
		OPT_FLAG(0, "all-workspaces", &all, "runs of every workspace sharing this Neo4j,\n"
			 "and runs no workspace has claimed yet (workspace null)"),
		OPT_FLAG(0, "sync", &sync, "only write the unsynced journals, and say how many"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	process = argc ? argv[0] : NULL;
	ret = EXIT_OK;
	if (sync && (process || json || all))
		return options_usage_error(&usage, options, "--sync takes no other argument");
	/* Outside a workspace only --all-workspaces has something to list. */
	if (ctx_root(ctx, &root) < 0 || ctx_workspace(ctx, &ws) < 0) {
		if (!all)
			return cmd_error();
		pm_error_clear();
		root = ws = NULL;
	}
	if (ctx_db(ctx, &db) < 0)
		return cmd_error();
	if (root && journal_replay_all(db, ws, root, &replayed) < 0)
		return cmd_error();
	if (sync) {
		printf("%zu run%s written from local journals to Neo4j\n", replayed,
		       replayed == 1 ? "" : "s");
		return EXIT_OK;
	}
	if (records_list(db, all ? NULL : ws, process, limit, &list) < 0)
		return cmd_error();
	if (json) {
		json_t *shaped = records_runs_json(list);
		char *s = json_dumps(shaped, JSON_INDENT(2) | JSON_SORT_KEYS);

		puts(s);
		free(s);
		json_decref(shaped);
	} else if (!json_array_size(list)) {
		printf(process ? "no run of %s recorded\n" : "no run recorded\n", process);
	} else {
		json_t *r;

		if (all)
			printf("%-24s ", "WORKSPACE");
		printf("%-36s %-9s %-28s %-24s %9s  %s\n", "RUN", "STATUS", "PROCESS", "STARTED",
		       "DURATION", "JOBS ok/failed/skipped/total");
		json_array_foreach(list, i, r) {
			const json_t *d = json_object_get(r, "duration_ms");
			const char *sc = json_string_value(json_object_get(r, "schedule"));
			const char *pn = json_string_value(json_object_get(r, "process_name"));
			const char *w = json_string_value(json_object_get(r, "workspace"));
			char dur[32];
			char *proc = xstrfmt("%s/%s", sc ? sc : "?", pn ? pn : "?");

			if (json_is_integer(d))
				snprintf(dur, sizeof(dur), "%.1fs", json_integer_value(d) / 1000.0);
			else
				snprintf(dur, sizeof(dur), "-");
			if (all)
				printf("%-24s ", w ? w : "(unclaimed)");
			printf("%-36s %-9s %-28s %-24s %9s  %lld/%lld/%lld/%lld\n",
			       json_string_value(json_object_get(r, "id")),
			       json_string_value(json_object_get(r, "status")) ?
			       json_string_value(json_object_get(r, "status")) : "?",
			       proc,
			       json_string_value(json_object_get(r, "started_at")) ?
			       json_string_value(json_object_get(r, "started_at")) : "-",
			       dur,
			       (long long)json_integer_value(json_object_get(r, "succeeded")),
			       (long long)json_integer_value(json_object_get(r, "failed")),
			       (long long)json_integer_value(json_object_get(r, "skipped")),
			       (long long)json_integer_value(json_object_get(r, "njobs")));
			free(proc);
		}
	}
	json_decref(list);
	return ret;
}
