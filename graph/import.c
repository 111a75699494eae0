/*
 * pmeta import: one config into the graph, in a fixed number of statements
 * whatever its size (cypher/import_*.cypher, each an UNWIND over a list),
 * the lists written straight into the request as it is sent (graph/neo4j.h,
 * struct neo4j_body): no jansson tree and no whole body in memory. Lists
 * carry step and dataset names, not keys: the statements append them to the
 * key prefixes graph/keys.c makes ($step_prefix, ...).
 *
 * Before anything, one small query asks whether the graph already holds
 * what the import would write (cypher/import_unchanged.cypher): the process
 * keeps a digest of the import's inputs, so an unchanged config costs one
 * round trip and sends no step.
 *
 * Otherwise (docs/config.md, "Large configs, atomically"):
 *   1. steps an earlier, killed import left behind go (import_cleanup);
 *   2. one read says which of the config's steps the graph has, and which
 *      current steps the config no longer has (import_scan);
 *   3. procedures, then the new steps, are written in transactions of
 *      IMPORT_BATCH each, seen by no reader: a process the graph has gets
 *      no HAS_STEP to them yet; a process it does not have gets a draft
 *      node (import_draft), not a :Process, and its steps are linked to it
 *      batch by batch;
 *   4. one final transaction, sent in slices of IMPORT_SLICE steps, writes
 *      the process (a new one: its draft relabelled, import_promote),
 *      retires the steps it no longer has, updates the ones it had, makes
 *      the new ones of a process it had current (HAS_STEP) and records the
 *      digest.
 * Neo4j's heap then holds one batch at a time, and a reader sees the
 * process as it was before the final commit or as it is after, never half
 * of it. What the final transaction holds is the change to the steps the
 * graph had, and for a process it had, each new step's HAS_STEP edge: a new
 * process's final transaction is small whatever its size.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
#include "util/jsonw.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "vcs/workspace.h"

/* New steps (and procedures) per transaction: Neo4j's default 512 MB heap
 * holds a transaction of this many comfortably (docs/config.md). */
#define IMPORT_BATCH 10000
/* Steps per request inside the final transaction. */
#define IMPORT_SLICE 5000
/*
 * Heap a step costs the final transaction until it commits: a new one its
 * HAS_STEP edge, one the graph has the reading and merging of its edges.
 * Measured in Neo4j 5.26 (docs/config.md): 100,000 new steps commit in a
 * 512 MB heap, 200,000 in 1 GB and not in 512 MB; 100,000 steps the graph
 * has commit in 512 MB, with 100,000 new ones beside them they do not.
 */
#define HEAP_PER_NEW_STEP 5120
#define HEAP_PER_EXISTING_STEP 2560
/* From this many steps in the final transaction on, ask Neo4j its heap. */
#define HEAP_CHECK_FROM 10000

/*
 * Bump when import writes the graph differently in a way the statements'
 * text does not show (say, parameters built another way): a graph written
 * by the old way must not pass for unchanged. 2: typed step values.
 * 3: steps carry procedure and runs_after; captions. 4: YAML types and
 * null_params; the registry (its facts are hashed too). 5: the process's
 * step_keys.
 */
#define IMPORT_FORMAT "pmeta import 5"

enum step_state { STEP_NEW, STEP_EXISTING };

struct import {
	struct neo4j *db;
	const char *ws;
	const struct config *cfg;
	struct import_stats *stats;
	char *process_key, *schedule_key, *step_prefix, *procedure_prefix, *dataset_prefix;
	char (*blobs)[GIT_OID_HEXSZ + 1];   /* each step's script, "" when none */
	unsigned char *state;               /* enum step_state, by config index */
	size_t *batch_of;                   /* a new step's batch, by config index */
	size_t *batch_pos;                  /* its index in its batch's rows */
	char **retire;                      /* current steps the config no longer has */
	size_t nretire, aretire;
	size_t nnew, nexisting;
	int known;                          /* the graph has the process */
	int draft;                          /* new steps hang from its draft */
	json_t *registry;                   /* its statements (add_registry) */
	size_t batch;                       /* IMPORT_BATCH, or PMETA_TEST_IMPORT_BATCH */
	long kill_after;                    /* PMETA_TEST_IMPORT_KILL_AFTER, or -1 */
	long pause_after;                   /* PMETA_TEST_IMPORT_PAUSE_AFTER, or -1 */
	const char *pause_file;             /* PMETA_TEST_IMPORT_PAUSE_FILE */
};

/* The git blob id of each step's script <root>/<schedule>/pys/<procedure>.py
 * (as `git hash-object` gives it), "" when the file is missing or the config
 * has no workspace root. blobs holds nsteps slots of 41 bytes. */
static void script_blobs(char (*blobs)[GIT_OID_HEXSZ + 1], const struct config *cfg)
{
	struct strbuf path = STRBUF_INIT;
	git_oid oid;
	char *script;
	size_t i;

	for (i = 0; i < cfg->nsteps; i++) {
		blobs[i][0] = '\0';
		if (!cfg->root)
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/", cfg->root);
		script = config_script_path(cfg->schedule, cfg->steps[i].procedure);
		strbuf_addstr(&path, script);
		free(script);
		if (git_odb_hashfile(&oid, path.buf, GIT_OBJECT_BLOB) == 0)
			git_oid_tostr(blobs[i], GIT_OID_HEXSZ + 1, &oid);
	}
	strbuf_release(&path);
}

static const char *const *import_statements(void)
{
	static const char *const statements[] = {
		cypher_import_cleanup, cypher_import_scan, cypher_import_procedures, cypher_import_datasets,
		cypher_import_draft, cypher_import_new_steps, cypher_import_new_after,
		cypher_import_promote, cypher_import_process, cypher_import_retire,
		cypher_import_steps, cypher_import_link,
		cypher_import_orphan_datasets, cypher_import_mark, NULL
	};
	return statements;
}

/*
 * What the import of cfg would write, as one hash: the import format and
 * statements, the process key (workspace, schedule, process: every key the
 * import writes starts with its parts), the config's path and text (its blob
 * id, which fixes every step's name, procedure and typed values), every
 * script's blob and the registry's statements (git's facts: a commit that
 * only changes an author or a time is written). Equal digests, equal writes.
 */
static void import_digest(char out[GIT_OID_HEXSZ + 1], const char *process_key,
			  const struct config *cfg, char (*blobs)[GIT_OID_HEXSZ + 1],
			  const json_t *registry)
{
	char *facts = json_dumps(registry, JSON_COMPACT | JSON_SORT_KEYS);
	const char *const *stmt;
	struct strbuf sb = STRBUF_INIT;
	git_oid oid;
	size_t i;

	strbuf_addf(&sb, "%s\n", IMPORT_FORMAT);
	for (stmt = import_statements(); *stmt; stmt++) {
		strbuf_addstr(&sb, *stmt);
		strbuf_addch(&sb, '\0');
	}
	strbuf_addf(&sb, "%s\n%s\n%s\n%zu\n", process_key, cfg->path ? cfg->path : "",
		    cfg->hash, cfg->nsteps);
	for (i = 0; i < cfg->nsteps; i++)
		strbuf_addf(&sb, "%s\n", blobs[i]);
	strbuf_addstr(&sb, facts ? facts : "");
	free(facts);
	out[0] = '\0';
	if (git_odb_hash(&oid, sb.buf, sb.len, GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(out, GIT_OID_HEXSZ + 1, &oid);
	strbuf_release(&sb);
}

/* A node's Browser caption (graph/caption.h) as a new JSON string. */
static json_t *caption_json(const char *name)
{
	char *c = caption_of(name);
	json_t *v = json_string(c);

	free(c);
	return v;
}

/* Every step key some step of cfg has, sorted, once each: a plan asks the
 * graph for a step key only when it is one of them (plan_subgraph.cypher). */
static json_t *step_keys_json(const struct config *cfg)
{
	struct strmap seen = STRMAP_INIT;
	const char **keys = NULL;
	json_t *out = json_array();
	size_t i, j, n = 0, alloc = 0;

	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nparams; j++) {
			const char *k = cfg->steps[i].params[j].key;

			if (!strmap_put(&seen, k, 0))
				continue;
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 16;
				keys = xrealloc(keys, alloc * sizeof(*keys));
			}
			keys[n++] = k;
		}
	if (n)
		qsort(keys, n, sizeof(*keys), cmp_strings);
	for (i = 0; i < n; i++)
		json_array_append_new(out, json_string(keys[i]));
	free(keys);
	strmap_release(&seen);
	return out;
}

static json_t *process_json(const char *ws, const char *key, const struct config *cfg)
{
	json_t *inputs = json_array();
	size_t i;

	for (i = 0; i < cfg->ninputs; i++)
		json_array_append_new(inputs, json_string(cfg->datasets[cfg->inputs[i]].name));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:o}",
			 "key", key, "workspace", ws,
			 "name", cfg->process, "schedule", cfg->schedule, "family", cfg->family,
			 "prname", cfg->prname, "version", cfg->version, "config", cfg->path,
			 "config_hash", cfg->hash, "inputs", inputs, "steps", (json_int_t)cfg->nsteps,
			 "step_keys", step_keys_json(cfg), "caption", caption_json(cfg->process));
}

/* A node's Browser caption (graph/caption.h), as a JSON string. */
static void write_caption(struct strbuf *out, const char *name)
{
	char *c = caption_of(name);

	jsonw_string(out, c);
	free(c);
}

/* --- rows, written as JSON text --- */

/*
 * A step key's value, typed: as the reader typed it (YAML), else from its
 * text (graph/value.h); *exact is 0 when the value prints otherwise than
 * the text (its text goes to raw_values). A new reference.
 */
static json_t *param_value(const struct config_param *kv, int *exact)
{
	json_t *v;

	if (kv->typed) {
		char *text = value_text(kv->typed);

		v = json_incref(kv->typed);
		*exact = text && !strcmp(text, kv->value);
		free(text);
	} else {
		v = value_typed(kv->value, exact);
	}
	return v;
}

/* A step key's value as a property; 0 when it is null (YAML): no property,
 * its key goes to null_params. */
static int write_typed(struct strbuf *out, const json_t *v)
{
	if (json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		jsonw_string(out, json_string_value(v));
	} else if (json_is_array(v) || json_is_object(v)) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		strbuf_addstr(out, text ? text : "null");
		free(text);
	} else {
		char *text = value_text(v);

		strbuf_addstr(out, text);
		free(text);
	}
	return 1;
}

static int dep_ready(const struct import *im, size_t step, size_t dep);

static int has_param(const struct config_step *st, const char *key)
{
	size_t j;

	for (j = 0; j < st->nparams; j++)
		if (!strcmp(st->params[j].key, key))
			return 1;
	return 0;
}

/*
 * [name, props, [reads], [writes], [deletes], [after], ...] of step i.
 * props holds what the plan reads from the step (line, order, runs_after:
 * the orders of the steps it runs after) and every step key (procedure,
 * when the config names one: the plan reads that too),
 * typed, with raw_values where a typed value prints otherwise. after names
 * the steps it runs after; for a new step (is_new) only those that exist
 * before its batch, then [after_here] gives those of its own batch by
 * their index in the batch (import_new_steps.cypher).
 */
static void write_step(struct strbuf *out, const struct import *im, size_t i, int is_new)
{
	const struct config *cfg = im->cfg;
	const struct config_step *st = &cfg->steps[i];
	size_t j, k, nraw = 0, nnull = 0;
	int first;

	strbuf_addch(out, '[');
	jsonw_string(out, st->name);
	strbuf_addf(out, ",{\"line\":%zu,\"order\":%zu,\"runs_after\":[", st->line, i);
	for (j = 0; j < st->ndeps; j++)
		strbuf_addf(out, "%s%zu", j ? "," : "", st->deps[j]);
	strbuf_addstr(out, "],\"caption\":");
	write_caption(out, st->name);
	/* `procedure = X`, when the config has it, is one of them. */
	for (j = 0; j < st->nparams; j++) {
		size_t mark = out->len;
		int exact;
		json_t *v = param_value(&st->params[j], &exact);

		strbuf_addch(out, ',');
		jsonw_string(out, st->params[j].key);
		strbuf_addch(out, ':');
		if (!write_typed(out, v)) {
			strbuf_setlen(out, mark);
			nnull++;
		}
		nraw += !exact;
		json_decref(v);
	}
	/* A step that runs another procedure without the key (dag.yaml: its
	 * algo_name's version 000) carries it too: the plan reads it here. */
	if (strcmp(st->procedure, st->name) && !has_param(st, "procedure")) {
		strbuf_addstr(out, ",\"procedure\":");
		jsonw_string(out, st->procedure);
	}
	if (nnull) {
		first = 1;
		strbuf_addstr(out, ",\"null_params\":[");
		for (j = 0; j < st->nparams; j++) {
			json_t *v = st->params[j].typed;

			if (!v || !json_is_null(v))
				continue;
			if (!first)
				strbuf_addch(out, ',');
			jsonw_string(out, st->params[j].key);
			first = 0;
		}
		strbuf_addch(out, ']');
	}
	if (nraw) {
		first = 1;
		strbuf_addstr(out, ",\"raw_values\":[");
		for (j = 0; j < st->nparams; j++) {
			int exact;
			json_t *v;
			char *kv;

			v = param_value(&st->params[j], &exact);
			json_decref(v);
			if (exact)
				continue;
			kv = xstrfmt("%s=%s", st->params[j].key, st->params[j].value);
			if (!first)
				strbuf_addch(out, ',');
			jsonw_string(out, kv);
			free(kv);
			first = 0;
		}
		strbuf_addch(out, ']');
	}
	strbuf_addch(out, '}');
	for (k = CONFIG_READS; k <= CONFIG_DELETES; k++) {
		first = 1;
		strbuf_addstr(out, ",[");
		for (j = 0; j < st->nio; j++) {
			if (st->io[j].kind != (enum config_io_kind)k)
				continue;
			if (!first)
				strbuf_addch(out, ',');
			jsonw_string(out, cfg->datasets[st->io[j].dataset].name);
			first = 0;
		}
		strbuf_addch(out, ']');
	}
	strbuf_addstr(out, ",[");
	first = 1;
	for (j = 0; j < st->ndeps; j++) {
		size_t d = st->deps[j];

		if (is_new && im->state[d] == STEP_NEW && im->batch_of[d] >= im->batch_of[i])
			continue;
		if (!first)
			strbuf_addch(out, ',');
		jsonw_string(out, cfg->steps[d].name);
		first = 0;
	}
	strbuf_addch(out, ']');
	if (is_new) {
		strbuf_addstr(out, ",[");
		first = 1;
		for (j = 0; j < st->ndeps; j++) {
			size_t d = st->deps[j];

			if (im->state[d] != STEP_NEW || im->batch_of[d] != im->batch_of[i])
				continue;
			strbuf_addf(out, first ? "%zu" : ",%zu", im->batch_pos[d]);
			first = 0;
		}
		strbuf_addch(out, ']');
	}
	strbuf_addch(out, ']');
}


/* A new step's dependency exists once the new step's batch is written: a
 * step the graph had, or a new one of the same or an earlier batch. The
 * others are of a later batch (import_new_after). */
static int dep_ready(const struct import *im, size_t step, size_t dep)
{
	return im->state[dep] == STEP_EXISTING || im->batch_of[dep] <= im->batch_of[step];
}

/*
 * A statement's parameters as a stream (struct neo4j_body): the fixed
 * ones, written first from a small jansson object, then one list named
 * `list`, of rows row() writes for the items [from, to) of ctx. row returns
 * 0 when an item has no row after all.
 */
struct rows_body {
	const void *ctx;
	json_t *fixed;
	const char *list;
	size_t from, to, pos;
	int (*row)(struct strbuf *out, const void *ctx, size_t i);
	char open, close;       /* '[' ']' for a list, '{' '}' for a map */
	int started, any;
};

static int rows_next(void *arg, struct strbuf *out)
{
	struct rows_body *b = arg;

	if (!b->started) {
		char *fixed = json_dumps(b->fixed, JSON_COMPACT);
		size_t n = fixed ? strlen(fixed) : 0;

		if (n < 2) {
			free(fixed);
			return pm_error(PM_EFAIL, "cannot write the parameters of an import statement");
		}
		/* {"a":1,...} becomes {"a":1,...,"list":[ */
		strbuf_add(out, fixed, n - 1);
		if (n > 2)
			strbuf_addch(out, ',');
		jsonw_string(out, b->list);
		strbuf_addch(out, ':');
		strbuf_addch(out, b->open);
		free(fixed);
		b->started = 1;
		return 1;
	}
	while (b->pos < b->to) {
		size_t mark = out->len, i = b->pos++;

		if (b->any)
			strbuf_addch(out, ',');
		if (!b->row(out, b->ctx, i)) {
			strbuf_setlen(out, mark);
			continue;
		}
		b->any = 1;
		return 1;
	}
	strbuf_addch(out, b->close);
	strbuf_addch(out, '}');
	return 0;
}

static void rows_rewind(void *arg)
{
	struct rows_body *b = arg;

	b->pos = b->from;
	b->started = b->any = 0;
}

static void rows_init(struct rows_body *b, const void *ctx, json_t *fixed, const char *list,
		      size_t from, size_t to, int (*row)(struct strbuf *, const void *, size_t))
{
	memset(b, 0, sizeof(*b));
	b->ctx = ctx;
	b->fixed = fixed;
	b->list = list;
	b->from = b->pos = from;
	b->to = to;
	b->row = row;
	b->open = '[';
	b->close = ']';
}

static void add_stats(struct import_stats *s, const json_t *result)
{
	s->nodes_created += neo4j_stat(result, "nodes_created");
	s->nodes_deleted += neo4j_stat(result, "nodes_deleted");
	s->rels_created += neo4j_stat(result, "relationships_created");
	/* Neo4j spells it "relationship_deleted" (singular) in the HTTP stats. */
	s->rels_deleted += neo4j_stat(result, "relationship_deleted");
	s->props_set += neo4j_stat(result, "properties_set");
}

/* One statement with b's rows: in the transaction tx, or (tx NULL) in a
 * transaction of its own. Adds its counters; *result (may be NULL) gets
 * the statement's result. */
static int send_rows(struct import *im, struct neo4j_tx *tx, const char *statement,
		     struct rows_body *b, json_t **result)
{
	struct neo4j_body body = { rows_next, rows_rewind, b };
	json_t *res = NULL;
	int r;

	r = tx ? neo4j_tx_query_body(tx, &res, statement, &body) :
		 neo4j_query_body(im->db, &res, statement, &body);
	if (r < 0)
		return -1;
	add_stats(im->stats, res);
	if (result)
		*result = res;
	else
		json_decref(res);
	return 0;
}

/* --- the rows of each statement --- */

static int row_new_step(struct strbuf *out, const void *ctx, size_t i)
{
	const struct import *im = ctx;

	if (im->state[i] != STEP_NEW)
		return 0;
	write_step(out, im, i, 1);
	return 1;
}

static int row_existing_step(struct strbuf *out, const void *ctx, size_t i)
{
	const struct import *im = ctx;

	if (im->state[i] != STEP_EXISTING)
		return 0;
	write_step(out, im, i, 0);
	return 1;
}

/* [name, [the steps it runs after]] of a new step: those of a later batch
 * (late 1), or the others (late 0); no row when none. */
static int write_after(struct strbuf *out, const struct import *im, size_t i, int late)
{
	const struct config_step *st = &im->cfg->steps[i];
	size_t j;
	int n = 0;

	if (im->state[i] != STEP_NEW)
		return 0;
	for (j = 0; j < st->ndeps; j++) {
		if (dep_ready(im, i, st->deps[j]) == late)
			continue;
		if (!n) {
			strbuf_addch(out, '[');
			jsonw_string(out, st->name);
			strbuf_addstr(out, ",[");
		} else {
			strbuf_addch(out, ',');
		}
		jsonw_string(out, im->cfg->steps[st->deps[j]].name);
		n++;
	}
	if (n)
		strbuf_addstr(out, "]]");
	return n;
}

static int row_late_after(struct strbuf *out, const void *ctx, size_t i)
{
	return write_after(out, ctx, i, 1);
}

static int row_new_name(struct strbuf *out, const void *ctx, size_t i)
{
	const struct import *im = ctx;

	if (im->state[i] != STEP_NEW)
		return 0;
	jsonw_string(out, im->cfg->steps[i].name);
	return 1;
}

static int row_retire(struct strbuf *out, const void *ctx, size_t i)
{
	const struct import *im = ctx;

	jsonw_string(out, im->retire[i]);
	return 1;
}

/* "name": index, of import_scan's map. */
static int row_index(struct strbuf *out, const void *ctx, size_t i)
{
	const struct import *im = ctx;

	jsonw_string(out, im->cfg->steps[i].name);
	strbuf_addf(out, ":%zu", i);
	return 1;
}

/* The distinct procedures of the config, each by a step that runs it. */
struct procs {
	const struct import *im;
	size_t *step;
	size_t n;
};

/* [name, family, version, blob, caption] */
static int row_procedure(struct strbuf *out, const void *ctx, size_t k)
{
	const struct procs *p = ctx;
	const struct config_step *st = &p->im->cfg->steps[p->step[k]];
	const char *blob = p->im->blobs[p->step[k]];

	strbuf_addch(out, '[');
	jsonw_string(out, st->procedure);
	strbuf_addch(out, ',');
	jsonw_string(out, st->family);
	strbuf_addch(out, ',');
	if (st->version)
		jsonw_string(out, st->version);
	else
		strbuf_addstr(out, "null");
	strbuf_addch(out, ',');
	if (*blob)
		jsonw_string(out, blob);
	else
		strbuf_addstr(out, "null");
	strbuf_addch(out, ',');
	write_caption(out, st->procedure);
	strbuf_addch(out, ']');
	return 1;
}

/* --- the phases --- */

static int scan_row(void *arg, const struct neo4j_value *cols, size_t ncols)
{
	struct import *im = arg;
	const char *name;

	if (ncols != 2 || cols[0].type != NEO4J_INT)
		return pm_error(PM_ENEO4J, "the graph sent an import scan row of another shape");
	if (cols[0].u.integer >= 0) {
		size_t i = (size_t)cols[0].u.integer;

		if (i >= im->cfg->nsteps)
			return pm_error(PM_ENEO4J, "the graph sent step %zu of %zu", i, im->cfg->nsteps);
		if (im->state[i] != STEP_EXISTING) {
			im->state[i] = STEP_EXISTING;
			im->nexisting++;
			im->nnew--;
		}
		return 0;
	}
	if (cols[0].u.integer == -2) {
		im->known = 1;
		return 0;
	}
	name = neo4j_value_str(&cols[1]);
	if (!name)
		return 0;
	if (im->nretire == im->aretire) {
		im->aretire = im->aretire ? 2 * im->aretire : 16;
		im->retire = xrealloc(im->retire, im->aretire * sizeof(*im->retire));
	}
	im->retire[im->nretire++] = xstrdup(name);
	return 0;
}

/* Steps of the process an earlier import left behind (import_cleanup). */
static int cleanup(struct import *im)
{
	json_t *res = NULL;

	if (neo4j_query(im->db, &res, cypher_import_cleanup,
			json_pack("{s:s}", "process", im->process_key)) < 0)
		return -1;
	add_stats(im->stats, res);
	json_decref(res);
	return 0;
}

/* Which of the config's steps the graph has, which current ones it no
 * longer has (import_scan). */
static int scan(struct import *im, json_t *fixed)
{
	struct rows_body b;
	struct neo4j_body body = { rows_next, rows_rewind, &b };
	size_t i;

	rows_init(&b, im, fixed, "index", 0, im->cfg->nsteps, row_index);
	b.open = '{';
	b.close = '}';
	for (i = 0; i < im->cfg->nsteps; i++)
		im->state[i] = STEP_NEW;
	im->nnew = im->cfg->nsteps;
	im->nexisting = 0;
	im->known = 0;
	return neo4j_query_rows_body(im->db, cypher_import_scan, &body, scan_row, im);
}

/* The config's datasets that some step reads, writes or deletes. */
struct datasets {
	const struct config *cfg;
	size_t *index;
	size_t n;
};

static int row_dataset(struct strbuf *out, const void *ctx, size_t k)
{
	const struct datasets *d = ctx;
	const char *name = d->cfg->datasets[d->index[k]].name;

	strbuf_addch(out, '[');
	jsonw_string(out, name);
	strbuf_addch(out, ',');
	write_caption(out, name);
	strbuf_addch(out, ']');
	return 1;
}

/* Procedures, then datasets, IMPORT_BATCH a transaction: both belong to the
 * schedule; import_procedures and import_datasets write only what differs. */
static int write_procedures_and_datasets(struct import *im, json_t *fixed)
{
	const struct config *cfg = im->cfg;
	struct procs p = { im, NULL, 0 };
	struct datasets d = { cfg, NULL, 0 };
	struct strmap seen = STRMAP_INIT;
	unsigned char *used = xcalloc(cfg->ndatasets + 1, 1);
	struct rows_body b;
	size_t i, j;
	int ret = 0;

	p.step = xmalloc((cfg->nsteps + 1) * sizeof(size_t));
	for (i = 0; i < cfg->nsteps; i++)
		if (strmap_put(&seen, cfg->steps[i].procedure, i))
			p.step[p.n++] = i;
	for (i = 0; i < p.n && ret == 0; i += im->batch) {
		rows_init(&b, &p, fixed, "procedures", i, i + im->batch < p.n ? i + im->batch : p.n,
			  row_procedure);
		ret = send_rows(im, NULL, cypher_import_procedures, &b, NULL);
	}
	d.index = xmalloc((cfg->ndatasets + 1) * sizeof(size_t));
	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nio; j++)
			used[cfg->steps[i].io[j].dataset] = 1;
	for (i = 0; i < cfg->ndatasets; i++)
		if (used[i])
			d.index[d.n++] = i;
	for (i = 0; i < d.n && ret == 0; i += im->batch) {
		rows_init(&b, &d, fixed, "datasets", i, i + im->batch < d.n ? i + im->batch : d.n,
			  row_dataset);
		ret = send_rows(im, NULL, cypher_import_datasets, &b, NULL);
	}
	strmap_release(&seen);
	free(p.step);
	free(d.index);
	free(used);
	return ret;
}

/*
 * The test hooks of t0107, once the k-th batch of new steps is committed:
 * PMETA_TEST_IMPORT_KILL_AFTER=k kills pmeta (a real SIGKILL, as a crash or
 * the OOM killer would), to show that readers still see the process as it
 * was and that the next import cleans up; PMETA_TEST_IMPORT_PAUSE_AFTER=k
 * creates PMETA_TEST_IMPORT_PAUSE_FILE and waits (at most two minutes)
 * until the test removes it, so that another import runs in between.
 */
static void test_batch_hook(const struct import *im, long batch)
{
	if (im->kill_after >= 0 && batch == im->kill_after)
		raise(SIGKILL);
	if (im->pause_after >= 0 && batch == im->pause_after && im->pause_file) {
		FILE *f = fopen(im->pause_file, "w");
		int i;

		if (f)
			fclose(f);
		for (i = 0; f && i < 2400 && access(im->pause_file, F_OK) == 0; i++)
			usleep(50000);
	}
}

/* How many rows row() writes for [from, to). */
static size_t count_rows(const struct import *im, size_t from, size_t to,
			 int (*row)(struct strbuf *, const void *, size_t))
{
	struct strbuf probe = STRBUF_INIT;
	size_t i, n = 0;

	for (i = from; i < to; i++) {
		strbuf_reset(&probe);
		n += row(&probe, im, i) > 0;
	}
	strbuf_release(&probe);
	return n;
}

/* A statement whose result says how many rows it wrote: all of them? */
static int send_counted(struct import *im, struct neo4j_tx *tx, const char *statement,
			struct rows_body *b, size_t want, const char *what)
{
	json_t *res = NULL;
	size_t got;

	if (send_rows(im, tx, statement, b, &res) < 0)
		return -1;
	got = (size_t)json_integer_value(neo4j_cell(res, 0, "written"));
	json_decref(res);
	if (got != want)
		return pm_error(PM_EFAIL, "%zu of %zu %s were not written: a dataset, procedure or "
				"step they name was gone (another import at the same time?); import "
				"it again", want - (got < want ? got : 0), want, what);
	return 0;
}

/* A new step whose key another import of the process wrote meanwhile
 * (after this one's clean-up): say so, in place of the server's words. */
static int taken_step(const struct import *im)
{
	if (strcmp(neo4j_last_code(im->db), "Neo.ClientError.Schema.ConstraintValidationFailed"))
		return -1;
	return pm_error(PM_EFAIL, "another import of %s/%s wrote its new steps meanwhile; "
			"nothing of this one was made current; import it again",
			im->cfg->schedule, im->cfg->process);
}

/* New steps, IMPORT_BATCH a transaction, not current yet; each batch's
 * AFTER edges once it is written; then AFTER edges to later batches. */
static int write_new_steps(struct import *im, json_t *fixed)
{
	const struct config *cfg = im->cfg;
	struct rows_body b;
	size_t i, from, n = 0, batch = 0;

	/* Batches of new steps in config order; batch_of says which, and
	 * batch_pos where in the batch's rows. */
	for (i = 0; i < cfg->nsteps; i++) {
		im->batch_of[i] = batch;
		im->batch_pos[i] = n;
		if (im->state[i] == STEP_NEW && ++n == im->batch) {
			n = 0;
			batch++;
		}
	}
	/* A process the graph does not have: its new steps hang from a draft
	 * that the final transaction relabels (import_draft.cypher). */
	im->draft = !im->known && im->nnew;
	if (im->draft) {
		json_t *res = NULL;

		if (neo4j_query(im->db, &res, cypher_import_draft,
				json_pack("{s:s, s:s}", "process", im->process_key,
					  "workspace", im->ws)) < 0)
			return -1;
		/* The draft is the process node: counted as created once, here. */
		add_stats(im->stats, res);
		json_decref(res);
	}
	for (from = 0, batch = 0; from < cfg->nsteps; batch++) {
		size_t to = from;

		/* The config range that holds this batch's new steps. */
		while (to < cfg->nsteps && im->batch_of[to] == batch)
			to++;
		n = count_rows(im, from, to, row_new_step);
		if (n) {
			rows_init(&b, im, fixed, "steps", from, to, row_new_step);
			if (send_counted(im, NULL, cypher_import_new_steps, &b, n, "new steps") < 0)
				return taken_step(im);
			test_batch_hook(im, (long)batch + 1);
		}
		from = to;
	}
	for (from = 0; from < cfg->nsteps; from += im->batch) {
		size_t to = from + im->batch < cfg->nsteps ? from + im->batch : cfg->nsteps;

		/* Most configs name only earlier steps: nothing to send. */
		rows_init(&b, im, fixed, "steps", from, to, row_late_after);
		if (count_rows(im, from, to, row_late_after) &&
		    send_rows(im, NULL, cypher_import_new_after, &b, NULL) < 0)
			return -1;
	}
	return 0;
}

/* The final transaction: process, retirements, the steps the graph had,
 * the new steps made current, orphan datasets, digest. */
static int write_final(struct import *im, json_t *fixed, const char *digest)
{
	const struct config *cfg = im->cfg;
	struct neo4j_tx *tx = NULL;
	struct rows_body b;
	json_t *res = NULL;
	size_t from, linked = 0, i;

	if (neo4j_tx_begin(im->db, &tx) < 0)
		return -1;
	if (im->draft) {
		if (neo4j_tx_query(tx, &res, cypher_import_promote,
				   json_pack("{s:s}", "process", im->process_key)) < 0)
			goto fail;
		linked = (size_t)json_integer_value(neo4j_cell(res, 0, "linked"));
		json_decref(res);
		res = NULL;
	}
	if (neo4j_tx_query(tx, &res, cypher_import_process,
			   json_pack("{s:o, s:s, s:s}", "process",
				     process_json(im->ws, im->process_key, cfg),
				     "schedule_key", im->schedule_key, "workspace", im->ws)) < 0)
		goto fail;
	add_stats(im->stats, res);
	json_decref(res);
	res = NULL;
	for (from = 0; from < im->nretire; from += IMPORT_SLICE) {
		rows_init(&b, im, fixed, "names", from,
			  from + IMPORT_SLICE < im->nretire ? from + IMPORT_SLICE : im->nretire, row_retire);
		if (send_rows(im, tx, cypher_import_retire, &b, NULL) < 0)
			goto fail;
	}
	if (im->nexisting) {
		size_t n = 0;

		/* Slices of IMPORT_SLICE existing steps, in config order. */
		for (from = 0; from < cfg->nsteps;) {
			size_t to = from;

			for (n = 0; to < cfg->nsteps && n < IMPORT_SLICE; to++)
				n += im->state[to] == STEP_EXISTING;
			rows_init(&b, im, fixed, "steps", from, to, row_existing_step);
			if (n && send_counted(im, tx, cypher_import_steps, &b, n, "steps") < 0)
				goto fail;
			from = to;
		}
	}
	for (from = 0; !im->draft && from < cfg->nsteps;) {
		size_t to = from, n;

		/* Slices of IMPORT_SLICE new steps, by name. */
		for (n = 0; to < cfg->nsteps && n < IMPORT_SLICE; to++)
			n += im->state[to] == STEP_NEW;
		rows_init(&b, im, fixed, "names", from, to, row_new_name);
		if (n) {
			if (send_rows(im, tx, cypher_import_link, &b, &res) < 0)
				goto fail;
			linked += (size_t)json_integer_value(neo4j_cell(res, 0, "linked"));
			json_decref(res);
			res = NULL;
		}
		from = to;
	}
	if (linked != im->nnew) {
		pm_error(PM_EFAIL, "%zu of its %zu new steps were gone before they were made current "
			 "(another import of '%s' at the same time?); nothing changed, import it again",
			 im->nnew - (linked < im->nnew ? linked : 0), im->nnew, im->process_key);
		goto fail;
	}
	/* The registry: the process exists now, and every procedure. */
	for (i = 0; i < json_array_size(im->registry); i++) {
		json_t *one = json_pack("[O]", json_array_get(im->registry, i));
		int r = neo4j_tx_run(tx, &res, one);

		json_decref(one);
		if (r < 0)
			goto fail;
		add_stats(im->stats, json_array_get(res, 0));
		json_decref(res);
		res = NULL;
	}
	if (neo4j_tx_query(tx, &res, cypher_import_orphan_datasets,
			   json_pack("{s:s, s:s}", "workspace", im->ws, "schedule", cfg->schedule)) < 0)
		goto fail;
	add_stats(im->stats, res);
	json_decref(res);
	res = NULL;
	if (neo4j_tx_query(tx, &res, cypher_import_mark,
			   json_pack("{s:s, s:s}", "process", im->process_key, "digest", digest)) < 0)
		goto fail;
	add_stats(im->stats, res);
	json_decref(res);
	return neo4j_tx_commit(tx, NULL, NULL);
fail:
	neo4j_tx_rollback(tx);
	return -1;
}

/* One round trip: does the graph hold what this import would write? */
static int graph_unchanged(struct neo4j *db, const char *process_key, const char *digest,
			   size_t nsteps, int *unchanged)
{
	json_t *res = NULL;

	*unchanged = 0;
	if (neo4j_query(db, &res, cypher_import_unchanged,
			json_pack("{s:s, s:s, s:I}", "process", process_key, "digest", digest,
				  "steps", (json_int_t)nsteps)) < 0)
		return -1;
	*unchanged = json_is_true(neo4j_cell(res, 0, "unchanged"));
	json_decref(res);
	return 0;
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

/*
 * Before writing: does the final transaction fit Neo4j's heap? One that does
 * not fails after minutes, and a server whose heap ran out in a commit may
 * not write again until it restarts, so refuse first. A server that does
 * not say its heap (no dbms.queryJmx) is tried as before.
 * PMETA_TEST_NEO4J_HEAP (bytes) stands for the server's answer in tests
 * (t0107), and asks at any size.
 */
static int check_heap(const struct import *im)
{
	long long heap = env_long("PMETA_TEST_NEO4J_HEAP", -1, 0);
	/* A new process's new steps cost the final transaction nothing. */
	size_t nnew = im->known ? im->nnew : 0;
	unsigned long long need = (unsigned long long)nnew * HEAP_PER_NEW_STEP +
				  (unsigned long long)im->nexisting * HEAP_PER_EXISTING_STEP;
	json_t *res = NULL;
	char *also;

	if (heap < 0) {
		if (nnew + im->nexisting < HEAP_CHECK_FROM)
			return 0;
		if (neo4j_query(im->db, &res, cypher_import_heap, NULL) < 0) {
			pm_error_clear();
			return 0;
		}
		heap = json_integer_value(neo4j_cell(res, 0, "heap"));
		json_decref(res);
		if (heap <= 0)
			return 0;
	}
	if (need <= (unsigned long long)heap)
		return 0;
	also = im->nexisting ? xstrfmt(" and update %zu steps the graph has", im->nexisting) : NULL;
	pm_error(PM_EFAIL, "the final transaction would make %zu new steps current%s, more than "
		 "Neo4j's heap of %lld MB holds (about %llu new steps); nothing was written. Give "
		 "Neo4j a larger heap (server.memory.heap.max_size; 1 GB holds 200,000 new steps), "
		 "see docs/config.md, \"Large configs, atomically\"", nnew, also ? also : "",
		 heap >> 20, (unsigned long long)heap / HEAP_PER_NEW_STEP);
	free(also);
	return -1;
}

int import_config(struct neo4j *db, const char *ws, const struct config *cfg, int force,
		  struct import_stats *stats)
{
	struct import im;
	json_t *fixed = NULL;
	char digest[GIT_OID_HEXSZ + 1];
	size_t i;
	int ret = -1, unchanged = 0;

	memset(stats, 0, sizeof(*stats));
	if (cfg->nerrors || !cfg->schedule || !cfg->process || !cfg->prname)
		return pm_error(PM_ECONFIG, "%s: config has errors; nothing imported", cfg->file);
	memset(&im, 0, sizeof(im));
	im.db = db;
	im.ws = ws;
	im.cfg = cfg;
	im.stats = stats;
	/* Test hooks (t0107): smaller batches; a kill or a pause after batch k. */
	im.batch = (size_t)env_long("PMETA_TEST_IMPORT_BATCH", IMPORT_BATCH, 1);
	im.kill_after = env_long("PMETA_TEST_IMPORT_KILL_AFTER", -1, 0);
	im.pause_after = env_long("PMETA_TEST_IMPORT_PAUSE_AFTER", -1, 0);
	im.pause_file = getenv("PMETA_TEST_IMPORT_PAUSE_FILE");
	im.process_key = key_process(ws, cfg->schedule, cfg->process);
	im.blobs = xcalloc(cfg->nsteps + 1, sizeof(*im.blobs));
	script_blobs(im.blobs, cfg);
	/* Git is read before anything is written: a history it cannot read
	 * writes nothing. Its facts are part of what is compared. */
	im.registry = json_array();
	if (cfg->root && add_registry(im.registry, ws, cfg) < 0)
		goto fail;
	import_digest(digest, im.process_key, cfg, im.blobs, im.registry);
	/* An empty digest (libgit2 could not hash) never passes for unchanged. */
	if (!force && *digest) {
		if (graph_unchanged(db, im.process_key, digest, cfg->nsteps, &unchanged) < 0)
			goto fail;
		if (unchanged) {
			stats->unchanged = 1;
			ret = 0;
			goto out;
		}
	}
	im.schedule_key = key_schedule(ws, cfg->schedule);
	im.step_prefix = key_step(ws, cfg->schedule, cfg->process, "");
	im.procedure_prefix = key_procedure(ws, cfg->schedule, "");
	im.dataset_prefix = key_dataset(ws, cfg->schedule, "");
	im.state = xcalloc(cfg->nsteps + 1, 1);
	im.batch_of = xcalloc(cfg->nsteps + 1, sizeof(size_t));
	im.batch_pos = xcalloc(cfg->nsteps + 1, sizeof(size_t));
	fixed = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "process", im.process_key,
			  "workspace", ws, "schedule", cfg->schedule, "step_prefix", im.step_prefix,
			  "procedure_prefix", im.procedure_prefix, "dataset_prefix", im.dataset_prefix);
	if (cleanup(&im) < 0 ||
	    scan(&im, fixed) < 0 ||
	    check_heap(&im) < 0 ||
	    write_procedures_and_datasets(&im, fixed) < 0 ||
	    write_new_steps(&im, fixed) < 0 ||
	    write_final(&im, fixed, digest) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	pm_error_prefix("cannot import '%s'", cfg->file);
out:
	json_decref(fixed);
	json_decref(im.registry);
	for (i = 0; i < im.nretire; i++)
		free(im.retire[i]);
	free(im.retire);
	free(im.state);
	free(im.batch_of);
	free(im.batch_pos);
	free(im.blobs);
	free(im.schedule_key);
	free(im.process_key);
	free(im.step_prefix);
	free(im.procedure_prefix);
	free(im.dataset_prefix);
	return ret;
}
