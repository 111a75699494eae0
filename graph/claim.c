/*
 * Claiming the nodes an earlier pmeta wrote (see graph/claim.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cypher.h"
#include "graph/claim.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "util/strbuf.h"

static json_t *string_list(char *const *items, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

static long cell(const json_t *res, const char *column)
{
	return (long)json_integer_value(neo4j_cell(res, 0, column));
}

int claim_legacy(struct neo4j *db, const char *ws, const char *root,
		 char *const *schedules, size_t nschedules, char *const *runs, size_t nruns,
		 struct claim_stats *st)
{
	char *prefix = key_qualify(ws, "");
	json_t *res = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = neo4j_query(db, &res, cypher_sync_claim,
			  json_pack("{s:s, s:s, s:o, s:o, s:s}", "workspace", ws, "prefix", prefix,
				    "schedules", string_list(schedules, nschedules),
				    "runs", string_list(runs, nruns), "root", root));
	free(prefix);
	if (ret < 0)
		return -1;
	st->schedules = cell(res, "schedules");
	st->datasets = cell(res, "datasets");
	st->procedures = cell(res, "procedures");
	st->steps = cell(res, "steps");
	st->processes = cell(res, "processes");
	st->runs = cell(res, "runs");
	st->merged = cell(res, "merged");
	json_decref(res);
	return 0;
}
