/*
 * pmeta import: one config, one transaction, a fixed number of statements
 * whatever the size (cypher/import_*.cypher, each an UNWIND over a list).
 * Lists carry step and dataset names, not keys: the statements append them
 * to the key prefixes graph/keys.c makes ($step_prefix, ...), which keeps a
 * 100,000-step request small.
 */
#include <string.h>

#include <git2.h>

#include "cypher.h"
#include "graph/caption.h"
#include "graph/config.h"
#include "graph/import.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
#include "graph/value.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/workspace.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A node's Browser caption (graph/caption.h) as a new JSON string. */
static json_t *caption_json(const char *name)
{
	char *c = caption_of(name);
	json_t *v = json_string(c);

	free(c);
	return v;
}

/* {name: caption} of every dataset and procedure the config names. */
static json_t *captions_json(const struct config *cfg)
{
	json_t *map = json_object();
	size_t i;

	for (i = 0; i < cfg->ndatasets; i++)
		json_object_set_new(map, cfg->datasets[i].name, caption_json(cfg->datasets[i].name));
	for (i = 0; i < cfg->nsteps; i++)
		json_object_set_new(map, cfg->steps[i].procedure, caption_json(cfg->steps[i].procedure));
	return map;
}

/* The git blob id of a file (as `git hash-object` gives it), or null. */
static json_t *script_blob(const char *path)
{
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];

	if (git_odb_hashfile(&oid, path, GIT_OBJECT_BLOB) < 0)
		return json_null();
	git_oid_tostr(hex, sizeof(hex), &oid);
	return json_string(hex);
}

static json_t *process_json(const char *ws, const char *key, const struct config *cfg)
{
	json_t *inputs = json_array();
	size_t i;

	for (i = 0; i < cfg->ninputs; i++)
		json_array_append_new(inputs, json_string(cfg->datasets[cfg->inputs[i]].name));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o}",
			 "key", key, "workspace", ws,
			 "name", cfg->process, "schedule", cfg->schedule, "family", cfg->family,
			 "prname", cfg->prname, "version", cfg->version, "config", cfg->path,
			 "config_hash", cfg->hash, "inputs", inputs, "steps", (json_int_t)cfg->nsteps,
			 "caption", caption_json(cfg->process));
}

/*
 * The step's keys as properties, typed: as the reader typed them (YAML),
 * else from their text (graph/value.h). A key whose property would print
 * otherwise than its text keeps the text in raw_values ("threshold=0.50",
 * "x_cols=a,b"); a null (YAML) is no property, and its key is listed in
 * null_params.
 */
static void add_params(json_t *props, const struct config_step *st)
{
	json_t *raw = NULL, *nulls = NULL;
	size_t j;

	for (j = 0; j < st->nparams; j++) {
		const struct config_param *kv = &st->params[j];
		json_t *v;
		int exact;

		if (kv->typed) {
			char *text = value_text(kv->typed);

			v = json_incref(kv->typed);
			exact = text && !strcmp(text, kv->value);
			free(text);
		} else {
			v = value_typed(kv->value, &exact);
		}
		if (json_is_null(v)) {
			if (!nulls)
				nulls = json_array();
			json_array_append_new(nulls, json_string(kv->key));
			json_decref(v);
		} else {
			json_object_set_new(props, kv->key, v);
		}
		if (!exact) {
			char *pair = xstrfmt("%s=%s", kv->key, kv->value);

			if (!raw)
				raw = json_array();
			json_array_append_new(raw, json_string(pair));
			free(pair);
		}
	}
	if (raw)
		json_object_set_new(props, "raw_values", raw);
	if (nulls)
		json_object_set_new(props, "null_params", nulls);
}

/* [name, props, family, version, blob, reads, writes, deletes, after, procedure]:
 * one array per step, so the request holds few JSON values per step; the
 * procedure is null when it is the step's own name (most steps). */
static json_t *step_json(const char *ws, const char *process_key, const struct config *cfg, size_t i)
{
	const struct config_step *st = &cfg->steps[i];
	json_t *props, *blob = json_null(), *io[3], *after = json_array();
	char *key = key_step(ws, cfg->schedule, cfg->process, st->name);
	size_t j;

	props = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "key", key, "name", st->name,
			  "process", process_key, "workspace", ws,
			  "line", (json_int_t)st->line, "order", (json_int_t)i,
			  "caption", caption_json(st->name));
	free(key);
	add_params(props, st);
	if (cfg->root) {
		char *script = config_script_path(cfg->schedule, st->procedure);
		char *full = xstrfmt("%s/%s", cfg->root, script);

		json_decref(blob);
		blob = script_blob(full);
		free(script);
		free(full);
	}
	for (j = 0; j < 3; j++)
		io[j] = json_array();
	for (j = 0; j < st->nio; j++)
		json_array_append_new(io[st->io[j].kind], json_string(cfg->datasets[st->io[j].dataset].name));
	for (j = 0; j < st->ndeps; j++)
		json_array_append_new(after, json_string(cfg->steps[st->deps[j]].name));
	return json_pack("[s, o, s, o, o, o, o, o, o, o]", st->name, props, st->family,
			 str_or_null(st->version), blob, io[CONFIG_READS], io[CONFIG_WRITES],
			 io[CONFIG_DELETES], after,
			 str_or_null(strcmp(st->procedure, st->name) ? st->procedure : NULL));
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

static void add(json_t *stmts, const char *statement, json_t *params)
{
	json_array_append_new(stmts, neo4j_stmt(statement, params));
}

/*
 * The registry's statements for the process and the procedures its steps
 * run (graph/registry.h): descriptions from the files, git's facts from
 * one walk of the history of the workspace holding the config.
 */
static int add_registry(json_t *stmts, const char *ws, const struct config *cfg)
{
	struct registry reg;
	git_repository *repo = NULL;
	char *git_root = NULL;
	json_t *more;
	size_t i;
	int ret = -1;

	if (workspace_find(&git_root, cfg->root) < 0 || workspace_open(&repo, git_root) < 0) {
		free(git_root);
		return -1;
	}
	registry_init(&reg, cfg->root, git_root);
	reg.skip_unknown = 1;
	registry_add_process(&reg, cfg->schedule, cfg->process, cfg->path,
			     cfg->description ? cfg->description : "");
	for (i = 0; i < cfg->nsteps; i++)
		registry_add_procedure(&reg, cfg->schedule, cfg->steps[i].procedure);
	if (registry_origins(&reg, repo, NULL) == 0) {
		more = registry_statements(ws, &reg);
		json_array_extend(stmts, more);
		json_decref(more);
		ret = 0;
	}
	registry_release(&reg);
	git_repository_free(repo);
	free(git_root);
	return ret;
}

int import_config(struct neo4j *db, const char *ws, const struct config *cfg,
		  struct import_stats *stats)
{
	json_t *steps = json_array(), *names = json_array(), *index = json_object();
	json_t *stmts = json_array(), *results = NULL;
	struct neo4j_tx *tx;
	char *process_key = NULL, *schedule_key = NULL, *step_prefix = NULL;
	char *procedure_prefix = NULL, *dataset_prefix = NULL;
	size_t i;
	int ret = -1;

	memset(stats, 0, sizeof(*stats));
	if (cfg->nerrors || !cfg->schedule || !cfg->process || !cfg->prname) {
		pm_error(PM_ECONFIG, "%s: config has errors; nothing imported", cfg->file);
		goto out;
	}
	schedule_key = key_schedule(ws, cfg->schedule);
	process_key = key_process(ws, cfg->schedule, cfg->process);
	step_prefix = key_step(ws, cfg->schedule, cfg->process, "");
	procedure_prefix = key_procedure(ws, cfg->schedule, "");
	dataset_prefix = key_dataset(ws, cfg->schedule, "");
	for (i = 0; i < cfg->nsteps; i++) {
		json_array_append_new(names, json_string(cfg->steps[i].name));
		json_array_append_new(steps, step_json(ws, process_key, cfg, i));
		json_object_set_new(index, cfg->steps[i].name, json_integer((json_int_t)i));
	}
	/* Stale edges go before new ones come: a first import scans nothing. */
	add(stmts, cypher_import_process, json_pack("{s:o, s:s, s:s}", "process",
						    process_json(ws, process_key, cfg),
						    "schedule_key", schedule_key, "workspace", ws));
	add(stmts, cypher_import_stale_steps, json_pack("{s:s, s:O}", "process", process_key, "names", names));
	add(stmts, cypher_import_stale_edges, json_pack("{s:s, s:O, s:O}", "process", process_key,
							"steps", steps, "index", index));
	add(stmts, cypher_import_steps, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:o}",
						  "process", process_key, "workspace", ws,
						  "schedule", cfg->schedule, "step_prefix", step_prefix,
						  "procedure_prefix", procedure_prefix,
						  "dataset_prefix", dataset_prefix, "steps", steps,
						  "captions", captions_json(cfg)));
	add(stmts, cypher_import_after, json_pack("{s:s, s:O}", "step_prefix", step_prefix, "steps", steps));
	add(stmts, cypher_import_orphan_datasets, json_pack("{s:s, s:s}", "workspace", ws,
							    "schedule", cfg->schedule));
	/* Git is read before anything is written: a history it cannot read writes nothing. */
	if (cfg->root && add_registry(stmts, ws, cfg) < 0)
		goto fail;
	/*
	 * One explicit transaction, one request per statement: as atomic as a
	 * single /tx/commit, but Neo4j holds one statement's parameters at a
	 * time (100,000 steps in one request took twice as long, in GC).
	 */
	if (neo4j_tx_begin(db, &tx) < 0)
		goto fail;
	for (i = 0; i < json_array_size(stmts); i++) {
		json_t *one = json_pack("[O]", json_array_get(stmts, i));
		int r = neo4j_tx_run(tx, &results, one);

		json_decref(one);
		if (r < 0) {
			neo4j_tx_rollback(tx);
			goto fail;
		}
		add_stats(stats, json_array_get(results, 0));
		json_decref(results);
		results = NULL;
	}
	if (neo4j_tx_commit(tx, NULL, NULL) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	pm_error_prefix("cannot import '%s'", cfg->file);
out:
	json_decref(results);
	json_decref(stmts);
	json_decref(steps);
	json_decref(names);
	json_decref(index);
	free(schedule_key);
	free(process_key);
	free(step_prefix);
	free(procedure_prefix);
	free(dataset_prefix);
	return ret;
}
