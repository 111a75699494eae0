#include <stdlib.h>
#include <string.h>

#include "cypher.h"
#include "graph/caption.h"
#include "graph/keys.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "util/err.h"
#include "util/isotime.h"
#include "util/strbuf.h"
#include "vcs/history.h"

json_t *version_node_props(const char *ws, int kind, const char *schedule, const char *name,
			   const char *family, const char *version, const char *path)
{
	char *key = kind == VERSION_PROCESS ? key_process(ws, schedule, name)
					    : key_procedure(ws, schedule, name);
	json_t *o = json_object(), *v = version ? json_string(version) : NULL;

	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "workspace", json_string(ws));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "schedule", json_string(schedule));
	json_object_set_new(o, "family", json_string(family));
	/* json_string refuses text that is not UTF-8: such a version is null. */
	json_object_set_new(o, "version", v ? v : json_null());
	json_object_set_new(o, "path", json_string(path));
	free(key);
	return o;
}

/* A version's node properties (new reference); id (blob or tree) and commit only for a fork's new version. */
static json_t *version_props(const char *ws, const struct version_name *v, const char *id,
			     const char *commit)
{
	char *path = version_path(v), *caption = caption_of(v->name);
	json_t *o = version_node_props(ws, v->kind, v->schedule, v->name, v->family, v->version, path);

	json_object_set_new(o, "caption", json_string(caption));
	if (v->kind == VERSION_PROCESS) {
		char *config = xstrfmt("%s/main.conf", path);

		json_object_set_new(o, "prname", json_string(v->prname));
		json_object_set_new(o, "config", json_string(config));
		if (id)
			json_object_set_new(o, "tree", json_string(id));
		free(config);
	} else if (id) {
		json_object_set_new(o, "blob", json_string(id));
	}
	if (commit)
		json_object_set_new(o, "commit", json_string(commit));
	free(path);
	free(caption);
	return o;
}

json_t *lineage_fork_row(const char *ws, const struct fork_record *rec)
{
	json_t *row = json_object();
	char *schedule_key = key_schedule(ws, rec->src.schedule);

	/* The source's content goes on the edge: the source node's blob is
	 * pmeta import's (the script as it is now), or absent. */
	json_object_set_new(row, "src", version_props(ws, &rec->src, NULL, NULL));
	json_object_set_new(row, "source", rec->source_id ? json_string(rec->source_id) : json_null());
	json_object_set_new(row, "dst", version_props(ws, &rec->dst, rec->dst_id, rec->commit));
	json_object_set_new(row, "schedule_key", json_string(schedule_key));
	free(schedule_key);
	json_object_set_new(row, "commit", json_string(rec->commit));
	json_object_set_new(row, "bump", json_string(rec->bump));
	json_object_set_new(row, "at", json_string(rec->at));
	return row;
}

static void add_stats(struct lineage_stats *st, const json_t *result)
{
	json_t *forks = neo4j_cell(result, 0, "forks");

	st->forks += (long)json_integer_value(forks);
	st->nodes_created += neo4j_stat(result, "nodes_created");
	st->edges_created += neo4j_stat(result, "relationships_created");
	st->properties_set += neo4j_stat(result, "properties_set");
}

int lineage_write_forks(struct neo4j *db, const char *ws, const struct fork_record *recs, size_t n,
			struct lineage_stats *stats)
{
	json_t *stmts = json_array(), *results = NULL, *batch = NULL;
	struct lineage_stats local;
	size_t i;
	int kind, ret = -1;

	memset(&local, 0, sizeof(local));
	/*
	 * One label per query, so one pass per kind; within a kind the rows keep
	 * history order, so a version's own fork comes before forks of it.
	 */
	for (kind = VERSION_PROCEDURE; kind <= VERSION_PROCESS; kind++) {
		for (i = 0; i < n; i++) {
			if ((int)recs[i].src.kind != kind)
				continue;
			if (!batch)
				batch = json_array();
			json_array_append_new(batch, lineage_fork_row(ws, &recs[i]));
			if (json_array_size(batch) == LINEAGE_BATCH) {
				json_array_append_new(stmts, neo4j_stmt(kind == VERSION_PROCESS
									? cypher_sync_process_forks
									: cypher_sync_procedure_forks,
									json_pack("{so}", "forks", batch)));
				batch = NULL;
			}
		}
		if (batch)
			json_array_append_new(stmts, neo4j_stmt(kind == VERSION_PROCESS
								? cypher_sync_process_forks
								: cypher_sync_procedure_forks,
								json_pack("{so}", "forks", batch)));
		batch = NULL;
	}
	if (json_array_size(stmts) == 0) {
		ret = 0;
		goto out;
	}
	if (neo4j_commit(db, &results, stmts) < 0)
		goto out;
	for (i = 0; i < json_array_size(results); i++)
		add_stats(&local, json_array_get(results, i));
	ret = 0;
out:
	if (stats)
		*stats = local;
	json_decref(results);
	json_decref(stmts);
	return ret;
}

int lineage_resolve(struct neo4j *db, const char *ws, const char *name, char **key, char **kind)
{
	const char *slash = strchr(name, '/');
	char *schedule = slash ? xstrndup(name, (size_t)(slash - name)) : NULL;
	/* "sche_001/proc_004_v_000": a procedure's and a process's key look alike. */
	char *want = slash ? key_procedure(ws, schedule, slash + 1) : NULL;
	json_t *res = NULL;
	size_t n;
	int ret = -1, r;

	*key = *kind = NULL;
	r = neo4j_query(db, &res, cypher_lineage_resolve,
			json_pack("{s:s?, s:s, s:s}", "key", want, "name", slash ? slash + 1 : name,
				  "workspace", ws));
	free(schedule);
	free(want);
	if (r < 0)
		return -1;
	n = neo4j_nrows(res);
	if (n == 0) {
		pm_error(PM_EGIT, "no version '%s' in the graph of workspace '%s' (run 'pmeta sync' or "
			 "'pmeta import' first)", name, ws);
		goto out;
	}
	if (n > 1) {
		pm_error(PM_EGIT, "'%s' is in %zu schedules ('%s', '%s'...): name one as SCHEDULE/%s", name, n,
			 key_local(json_string_value(neo4j_cell(res, 0, "key"))),
			 key_local(json_string_value(neo4j_cell(res, 1, "key"))), name);
		goto out;
	}
	*key = xstrdup(json_string_value(neo4j_cell(res, 0, "key")));
	*kind = xstrdup(json_string_value(neo4j_cell(res, 0, "kind")));
	ret = 0;
out:
	json_decref(res);
	return ret;
}

/* A JSON object of the result row's columns (new reference). */
static json_t *row_object(const json_t *result, size_t row)
{
	json_t *cols = json_object_get(result, "columns"), *vals = neo4j_row(result, row);
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < json_array_size(cols); i++)
		json_object_set(o, json_string_value(json_array_get(cols, i)), json_array_get(vals, i));
	return o;
}

/* Attaches each row of result to the node named by its "key" column, under `field`. */
static void attach(json_t *index, const json_t *result, const char *field)
{
	size_t i;

	for (i = 0; i < neo4j_nrows(result); i++) {
		json_t *o = row_object(result, i);
		json_t *node = json_object_get(index, json_string_value(json_object_get(o, "key")));

		json_object_del(o, "key");
		if (node)
			json_array_append(json_object_get(node, field), o);
		json_decref(o);
	}
}

static const char *key_of(json_t *o, const char *field)
{
	const char *s = json_string_value(json_object_get(o, field));

	return s ? s : "";
}

/*
 * Depth of every node from the parent links: ancestors of the target count
 * -1, -2, ... up its chain; every other node one more than its parent.
 * Nodes whose chain does not reach a node of known depth are dropped.
 */
static int assign_depths(json_t *index, const char *target, int up)
{
	const char *k;
	json_t *node, *cur;
	json_int_t d;
	json_t **stack = NULL;
	size_t n = 0, alloc = 0;

	json_object_set_new(json_object_get(index, target), "depth", json_integer(0));
	if (up) {
		cur = json_object_get(index, target);
		for (d = -1; (node = json_object_get(index, key_of(cur, "parent"))) &&
			     !json_object_get(node, "depth"); d--) {
			json_object_set_new(node, "depth", json_integer(d));
			cur = node;
		}
	}
	json_object_foreach(index, k, node) {
		if (json_object_get(node, "depth"))
			continue;
		n = 0;
		for (cur = node; cur && !json_object_get(cur, "depth");
		     cur = json_object_get(index, key_of(cur, "parent"))) {
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 64;
				stack = xrealloc(stack, alloc * sizeof(*stack));
			}
			stack[n++] = cur;
			if (n > json_object_size(index))
				break; /* a cycle: FORKED_FROM should never have one */
		}
		d = cur && n <= json_object_size(index)
			? json_integer_value(json_object_get(cur, "depth")) : -1000000000;
		while (n > 0)
			json_object_set_new(stack[--n], "depth", json_integer(d < -999999 ? d : ++d));
	}
	free(stack);
	return 0;
}

static int by_depth_then_key(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t dx = json_integer_value(json_object_get(x, "depth"));
	json_int_t dy = json_integer_value(json_object_get(y, "depth"));

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(key_of(x, "key"), key_of(y, "key"));
}

int lineage_load(json_t **out, struct neo4j *db, const struct lineage_query *q)
{
	json_t *stmts = json_array(), *results = NULL, *tree, *nodes = json_array();
	json_t *index = json_object(), *procs = json_array(), *processes = json_array(), *node;
	json_t **sorted = NULL;
	int up = q->up || !q->down, down = q->down || !q->up;
	const char *k;
	size_t i, n = 0;
	int ret = -1;

	*out = NULL;
	json_array_append_new(stmts, neo4j_stmt(cypher_lineage_tree,
						json_pack("{sssbsb}", "key", q->key, "up", up, "down", down)));
	if (neo4j_commit(db, &results, stmts) < 0)
		goto out;
	tree = json_array_get(results, 0);
	for (i = 0; i < neo4j_nrows(tree); i++) {
		json_t *o = row_object(tree, i);
		long long ms;

		/* A datetime, which Neo4j prints without zero seconds: as git's time. */
		if (iso_time_parse(json_string_value(json_object_get(o, "at")), &ms) == 0) {
			char *at = iso_time_s(ms);

			json_object_set_new(o, "at", json_string(at));
			free(at);
		}
		json_object_set_new(index, key_of(o, "key"), o);
	}
	if (!json_object_get(index, q->key)) {
		pm_error(PM_EGIT, "no version '%s' in the graph", q->key);
		goto out;
	}
	assign_depths(index, q->key, up);

	/* Keep what --depth allows, ordered by depth then key. */
	sorted = xcalloc(json_object_size(index) + 1, sizeof(*sorted));
	json_object_foreach(index, k, node) {
		json_int_t d = json_integer_value(json_object_get(node, "depth"));

		if (d < -999999 || (q->depth >= 0 && (d > q->depth || -d > q->depth)))
			continue;
		sorted[n++] = node;
	}
	qsort(sorted, n, sizeof(*sorted), by_depth_then_key);
	for (i = 0; i < n; i++) {
		int is_process = !strcmp(key_of(sorted[i], "kind"), "process");

		/* One shape for both kinds: the list that does not apply is null. */
		json_object_set_new(sorted[i], "used_by", is_process ? json_null() : json_array());
		json_object_set_new(sorted[i], "steps", is_process ? json_array() : json_null());
		json_array_append(is_process ? processes : procs, json_object_get(sorted[i], "key"));
		json_array_append(nodes, sorted[i]);
	}
	if (q->usage) {
		json_t *more = json_array(), *res2 = NULL;

		json_array_append_new(more, neo4j_stmt(cypher_lineage_usage, json_pack("{sO}", "keys", procs)));
		json_array_append_new(more, neo4j_stmt(cypher_lineage_steps, json_pack("{sO}", "keys", processes)));
		if (neo4j_commit(db, &res2, more) < 0) {
			json_decref(more);
			goto out;
		}
		attach(index, json_array_get(res2, 0), "used_by");
		attach(index, json_array_get(res2, 1), "steps");
		json_decref(res2);
		json_decref(more);
	}
	*out = json_pack("{sssOsO}", "key", q->key, "kind",
			 json_object_get(json_object_get(index, q->key), "kind"), "nodes", nodes);
	ret = 0;
out:
	free(sorted);
	json_decref(nodes);
	json_decref(index);
	json_decref(procs);
	json_decref(processes);
	json_decref(results);
	json_decref(stmts);
	return ret;
}
