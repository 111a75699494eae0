#include <string.h>

#include <git2.h>

#include "cypher.h"
#include "graph/config.h"
#include "graph/import.h"
#include "graph/neo4j.h"
#include "util/err.h"
#include "util/strbuf.h"

static const char *const io_type[] = { "READS", "WRITES", "DELETES" };

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The git blob id of a file (as `git hash-object` gives it), or NULL. */
static json_t *script_blob(const char *path)
{
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	if (git_odb_hashfile(&oid, path, GIT_OBJECT_BLOB) < 0)
		return json_null();
	git_oid_tostr(hex, sizeof(hex), &oid);
	return json_string(hex);
}

static char *step_key(const struct config *cfg, const struct config_step *st)
{
	return xstrfmt("%s/%s/%s", cfg->schedule, cfg->process, st->name);
}

static json_t *process_json(const struct config *cfg)
{
	json_t *inputs = json_array();
	size_t i;

	for (i = 0; i < cfg->ninputs; i++)
		json_array_append_new(inputs, json_string(cfg->datasets[cfg->inputs[i]].name));
	return json_pack("{s:s++, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I}",
			 "key", cfg->schedule, "/", cfg->process,
			 "name", cfg->process, "schedule", cfg->schedule, "family", cfg->family,
			 "prname", cfg->prname, "version", cfg->version, "config", cfg->path,
			 "config_hash", cfg->hash, "inputs", inputs, "steps", (json_int_t)cfg->nsteps);
}

static json_t *step_json(const struct config *cfg, size_t i, json_t *edges[3], json_t *after)
{
	const struct config_step *st = &cfg->steps[i];
	char *key = step_key(cfg, st), *script;
	json_t *props, *proc, *io = json_array(), *deps = json_array();
	size_t j;

	props = json_pack("{s:s, s:s, s:s++, s:I, s:I}", "key", key, "name", st->name,
			  "process", cfg->schedule, "/", cfg->process,
			  "line", (json_int_t)st->line, "order", (json_int_t)i);
	for (j = 0; j < st->nparams; j++)
		json_object_set_new(props, st->params[j].key, json_string(st->params[j].value));
	script = xstrfmt("%s/%s/pys/%s.py", cfg->root, cfg->schedule, st->name);
	proc = json_pack("{s:s++, s:s, s:s, s:s, s:o, s:s+++, s:o}",
			 "key", cfg->schedule, "/", st->name, "name", st->name,
			 "schedule", cfg->schedule, "family", st->family,
			 "version", str_or_null(st->version),
			 "path", cfg->schedule, "/pys/", st->name, ".py",
			 "blob", cfg->root ? script_blob(script) : json_null());
	free(script);
	for (j = 0; j < st->nio; j++) {
		const char *dname = cfg->datasets[st->io[j].dataset].name;

		json_array_append_new(io, json_sprintf("%s|%s", io_type[st->io[j].kind], dname));
		json_array_append_new(edges[st->io[j].kind], json_pack("[s,s]", key, dname));
	}
	for (j = 0; j < st->ndeps; j++) {
		char *other = step_key(cfg, &cfg->steps[st->deps[j]]);

		json_array_append_new(deps, json_string(other));
		json_array_append_new(after, json_pack("[s,s]", key, other));
		free(other);
	}
	free(key);
	return json_pack("{s:o, s:o, s:o, s:o}", "props", props, "procedure", proc, "io", io,
			 "after", deps);
}

/* Neo4j spells it "relationship_deleted" (singular) in the HTTP stats. */
static void add_stats(struct import_stats *s, const json_t *result)
{
	s->nodes_created += neo4j_stat(result, "nodes_created");
	s->nodes_deleted += neo4j_stat(result, "nodes_deleted");
	s->rels_created += neo4j_stat(result, "relationships_created");
	s->rels_deleted += neo4j_stat(result, "relationship_deleted");
	s->props_set += neo4j_stat(result, "properties_set");
}

int import_config(struct neo4j *db, const struct config *cfg, struct import_stats *stats)
{
	json_t *steps = json_array(), *keys = json_array(), *after = json_array();
	json_t *edges[3] = { json_array(), json_array(), json_array() };
	json_t *stmts = json_array(), *results = NULL, *pkey;
	char *process_key;
	size_t i;
	int ret = -1;

	memset(stats, 0, sizeof(*stats));
	if (cfg->nerrors || !cfg->schedule || !cfg->process || !cfg->prname)
		return pm_error(PM_ECONFIG, "%s: config has errors; nothing imported", cfg->file);
	process_key = xstrfmt("%s/%s", cfg->schedule, cfg->process);
	pkey = json_string(process_key);
	for (i = 0; i < cfg->nsteps; i++) {
		char *key = step_key(cfg, &cfg->steps[i]);

		json_array_append_new(keys, json_string(key));
		free(key);
		json_array_append_new(steps, step_json(cfg, i, edges, after));
	}
	/* Statement order matters: stale things go before new ones come. The
	 * parameter objects share arrays (json_incref), not copies. */
	json_array_append_new(stmts, neo4j_stmt(cypher_import_process,
						json_pack("{s:o}", "process", process_json(cfg))));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_stale_steps,
						json_pack("{s:O, s:o}", "process", pkey, "keys", keys)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_steps,
						json_pack("{s:O, s:O}", "process", pkey, "steps", steps)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_stale_io, json_pack("{s:O}", "steps", steps)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_stale_after, json_pack("{s:O}", "steps", steps)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_reads,
						json_pack("{s:o, s:s}", "edges", edges[0], "schedule", cfg->schedule)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_writes,
						json_pack("{s:o, s:s}", "edges", edges[1], "schedule", cfg->schedule)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_deletes,
						json_pack("{s:o, s:s}", "edges", edges[2], "schedule", cfg->schedule)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_after, json_pack("{s:o}", "edges", after)));
	json_array_append_new(stmts, neo4j_stmt(cypher_import_orphan_datasets,
						json_pack("{s:s}", "schedule", cfg->schedule)));
	if (neo4j_commit(db, &results, stmts) < 0) {
		pm_error_prefix("cannot import '%s'", cfg->file);
		goto out;
	}
	for (i = 0; i < json_array_size(results); i++)
		add_stats(stats, json_array_get(results, i));
	ret = 0;
out:
	json_decref(results);
	json_decref(stmts);
	json_decref(steps);
	json_decref(pkey);
	free(process_key);
	return ret;
}
