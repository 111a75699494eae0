/*
 * pmeta runs: recent runs, newest first; --sync writes the workspace's
 * unsynced run journals to Neo4j (what `pmeta sync` also does).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/neo4j.h"
#include "run/journal.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta runs [<process>] [-n <count>] [--json]\n"
	"   or: pmeta runs --sync\n",
	"Lists recent runs (all, or of one process), newest first: id, status,\n"
	"process, start, duration and job counts. Journals of this workspace that\n"
	"Neo4j has not seen yet (a run while Neo4j was down, a run with --no-record,\n"
	"a runner that died) are written first.\n",
	NULL
};

int cmd_runs(int argc, char **argv, struct ctx *ctx)
{
	const char *root = NULL, *process = NULL;
	struct neo4j *db;
	json_t *res = NULL, *list;
	long limit = 20;
	size_t replayed = 0, i;
	int json = 0, sync = 0, ret;
	struct cmd_option options[] = {
		OPT_INT('n', NULL, &limit, "<count>", 1, LONG_MAX, "how many runs (default 20)"),
		OPT_FLAG(0, "json", &json, "a JSON array of the Run properties"),
		OPT_FLAG(0, "sync", &sync, "only write the unsynced journals, and say how many"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	process = argc ? argv[0] : NULL;
	ret = EXIT_OK;
	if (sync && (process || json))
		return options_usage_error(&usage, options, "--sync takes no other argument");
	if (ctx_root(ctx, &root) < 0) {
		if (sync)
			return cmd_error();
		pm_error_clear();
		root = NULL;
	}
	if (ctx_db(ctx, &db) < 0)
		return cmd_error();
	if (root && journal_replay_all(db, root, &replayed) < 0)
		return cmd_error();
	if (sync) {
		printf("%zu run%s written from local journals to Neo4j\n", replayed,
		       replayed == 1 ? "" : "s");
		return EXIT_OK;
	}
	if (neo4j_query(db, &res, cypher_run_list,
			json_pack("{s:o,s:I}", "process", process ? json_string(process) : json_null(),
				  "limit", (json_int_t)limit)) < 0)
		return cmd_error();
	list = json_array();
	for (i = 0; i < neo4j_nrows(res); i++)
		json_array_append(list, neo4j_cell(res, i, "run"));
	if (json) {
		char *s = json_dumps(list, JSON_INDENT(2) | JSON_SORT_KEYS);

		puts(s);
		free(s);
	} else if (!json_array_size(list)) {
		printf(process ? "no run of %s recorded\n" : "no run recorded\n", process);
	} else {
		json_t *r;

		printf("%-22s %-9s %-28s %-24s %9s  %s\n", "RUN", "STATUS", "PROCESS", "STARTED",
		       "DURATION", "JOBS ok/failed/skipped/total");
		json_array_foreach(list, i, r) {
			const json_t *d = json_object_get(r, "duration_ms");
			char dur[32];

			if (json_is_integer(d))
				snprintf(dur, sizeof(dur), "%.1fs", json_integer_value(d) / 1000.0);
			else
				snprintf(dur, sizeof(dur), "-");
			printf("%-22s %-9s %-28s %-24s %9s  %lld/%lld/%lld/%lld\n",
			       json_string_value(json_object_get(r, "id")),
			       json_string_value(json_object_get(r, "status")) ?
			       json_string_value(json_object_get(r, "status")) : "?",
			       json_string_value(json_object_get(r, "process")) ?
			       json_string_value(json_object_get(r, "process")) : "?",
			       json_string_value(json_object_get(r, "started_at")) ?
			       json_string_value(json_object_get(r, "started_at")) : "-",
			       dur,
			       (long long)json_integer_value(json_object_get(r, "succeeded")),
			       (long long)json_integer_value(json_object_get(r, "failed")),
			       (long long)json_integer_value(json_object_get(r, "skipped")),
			       (long long)json_integer_value(json_object_get(r, "jobs")));
		}
	}
	json_decref(list);
	json_decref(res);
	return ret;
}
