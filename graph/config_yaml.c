/*
 * The YAML reader (dag.yaml): the DAG files ML platforms save from the
 * graph a user drew, read with libyaml into the one config model.
 *
 *   dag:
 *     operator_list: [read_1, split_2, ...]          node ids, in order
 *     operator_rels:                                 output port -> input port
 *       read_1: [{target: split_2, source_index: 0, target_index: 0}]
 *     operator_details:
 *       read_1: {algo_name: algo_local_read_data, cn_name: ..., type: ...,
 *                data_type: ..., coordinate: {x: 10, y: 20}, params: {...}}
 *
 * Each operator is a step named by its node id. Its procedure is its
 * algo_name: a version name (<family>_v_<DDD>) as it is, any other name is
 * version 000 of that family (algo_local_model_gbdt runs
 * algo_local_model_gbdt_v_000, whose script is S/pys/algo_local_model_gbdt_v_000.py),
 * so that fork, lineage and --latest-patch work on it like on any procedure.
 * Output port i of node n is the dataset "n/out<i>" (n writes out0 up to
 * the highest port a rel leaves from); a rel is a READS of the target from
 * that dataset, so the order follows the rels (config_derive.c). A step
 * writes nothing named after itself (no_own_dataset).
 *
 * algo_name, cn_name, type, data_type, the coordinates (coordinate_x,
 * coordinate_y) and the datasets of each input and output port, in port
 * order (inputs, outputs), are kept on the step as keys, so a UI could
 * redraw the DAG. params and any other key of an operator are the step's
 * keys, with the meanings of docs/config.md (enabled, priority, max_shard
 * ...), typed as YAML types them (graph/config.h: config_param.typed).
 *
 * libyaml's event parser does the parsing and checks the encoding; the
 * small tree below keeps every node's line (libyaml's marks) for messages.
 * Plain scalars are typed by the YAML 1.2 core schema (true/false, ~/null,
 * integers, floats); quoted ones are strings.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "graph/config_build.h"
#include "util/strbuf.h"
#include "vcs/version.h"

#define MAX_DEPTH 64        /* nesting of a params value */
#define MAX_PORT 99         /* port indexes 0..99 */

enum ynode_kind { Y_SCALAR, Y_SEQ, Y_MAP };

/* A YAML node: a scalar, a sequence, or a mapping (keys and values alternate). */
struct ynode {
	enum ynode_kind kind;
	size_t line;
	char *tag;              /* an explicit tag, or NULL */
	char *text;             /* a scalar's value */
	int plain;              /* a plain scalar without a tag: typed by the core schema */
	struct ynode **items;
	size_t n;
};

static void ynode_free(struct ynode *y)
{
	size_t i;

	if (!y)
		return;
	for (i = 0; i < y->n; i++)
		ynode_free(y->items[i]);
	free(y->items);
	free(y->tag);
	free(y->text);
	free(y);
}

static void ynode_add(struct ynode *parent, struct ynode *child)
{
	if (!(parent->n & (parent->n - 1)))
		parent->items = xrealloc(parent->items, (parent->n ? 2 * parent->n : 1) * sizeof(*parent->items));
	parent->items[parent->n++] = child;
}

/* The line of a byte offset (libyaml gives reader errors as offsets). */
static size_t line_at(const char *text, size_t len, size_t offset)
{
	size_t i, line = 1;

	for (i = 0; i < offset && i < len; i++)
		line += text[i] == '\n';
	return line;
}

static void parse_error(struct config *cfg, const yaml_parser_t *p, const char *text, size_t len)
{
	const char *problem = p->problem ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_READER_ERROR:
		/* Invalid UTF-8 never gets here: config_check_text replaced it. */
		config_diag(cfg, 1, line_at(text, len, p->problem_offset), "cannot read the text: %s (byte %zu)",
			    problem, p->problem_offset);
		break;
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		if (p->context)
			config_diag(cfg, 1, p->problem_mark.line + 1, "invalid YAML: %s %s (line %zu)",
				    problem, p->context, (size_t)p->context_mark.line + 1);
		else
			config_diag(cfg, 1, p->problem_mark.line + 1, "invalid YAML: %s", problem);
		break;
	default:
		config_diag(cfg, 1, 0, "libyaml cannot parse the file: %s", problem);
		break;
	}
}

/* Refuses a second key of the same name in each mapping. */
static void check_duplicate_keys(struct config *cfg, const struct ynode *map)
{
	struct strmap seen = STRMAP_INIT;
	size_t i, first;

	for (i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->items[i];

		if (k->kind != Y_SCALAR) {
			config_diag(cfg, 1, k->line, "a mapping key must be a plain name, not a %s",
				    k->kind == Y_SEQ ? "list" : "mapping");
			continue;
		}
		if (strmap_get(&seen, k->text, &first))
			config_diag(cfg, 1, k->line, "duplicate key '%s' (first at line %zu)", k->text,
				    map->items[first]->line);
		else
			strmap_put(&seen, k->text, i);
	}
	strmap_release(&seen);
}

/*
 * The document as a tree, or NULL after recording why not: a syntax or
 * encoding error, an alias (refused: an operator's values are its own), a
 * second document, or nesting deeper than MAX_DEPTH.
 */
static struct ynode *compose(struct config *cfg, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct ynode *stack[MAX_DEPTH + 2], *root = NULL;
	size_t depth = 0, ndocs = 0;
	int done = 0, failed = 0;

	if (!yaml_parser_initialize(&parser)) {
		config_diag(cfg, 1, 0, "libyaml cannot start");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && !failed) {
		struct ynode *y = NULL;
		size_t line;

		if (!yaml_parser_parse(&parser, &ev)) {
			parse_error(cfg, &parser, text, len);
			failed = 1;
			break;
		}
		line = ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				config_diag(cfg, 1, line, "a second YAML document: the file holds one DAG");
				failed = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			config_diag(cfg, 1, line, "alias *%s: anchors and aliases are not supported",
				    (const char *)ev.data.alias.anchor);
			failed = 1;
			break;
		case YAML_SCALAR_EVENT:
			y = xcalloc(1, sizeof(*y));
			y->kind = Y_SCALAR;
			y->text = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
			if (strlen(y->text) != ev.data.scalar.length)
				config_diag(cfg, 1, line, "a value holds a NUL character");
			if (ev.data.scalar.tag)
				y->tag = xstrdup((const char *)ev.data.scalar.tag);
			y->plain = !y->tag && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			y = xcalloc(1, sizeof(*y));
			y->kind = ev.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth && stack[depth - 1]->kind == Y_MAP)
				check_duplicate_keys(cfg, stack[depth - 1]);
			if (depth)
				depth--;
			break;
		default:
			break;
		}
		if (y) {
			y->line = line;
			if (depth)
				ynode_add(stack[depth - 1], y);
			else if (!root)
				root = y;
			else
				ynode_free(y);
			if (y->kind != Y_SCALAR) {
				if (depth == MAX_DEPTH + 1) {
					config_diag(cfg, 1, line, "values nested deeper than %d levels", MAX_DEPTH);
					failed = 1;
				} else {
					stack[depth++] = y;
				}
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (failed) {
		ynode_free(root);
		return NULL;
	}
	if (!root)
		config_diag(cfg, 1, 1, "empty: no 'dag:' mapping");
	return root;
}

/* The value of key in a mapping, or NULL. */
static const struct ynode *map_get(const struct ynode *map, const char *key)
{
	size_t i;

	for (i = 0; i + 1 < map->n; i += 2)
		if (map->items[i]->kind == Y_SCALAR && !strcmp(map->items[i]->text, key))
			return map->items[i + 1];
	return NULL;
}

static const char *kind_name(const struct ynode *y)
{
	return y->kind == Y_MAP ? "a mapping" : y->kind == Y_SEQ ? "a list" : "a scalar";
}

/* --- scalars: the YAML 1.2 core schema --- */

#define TAG_PREFIX "tag:yaml.org,2002:"

static int match_any(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

/* An integer of the core schema: 1 and *out, 0 when s is none, -1 when it is one past 64 bits. */
static int is_core_int(const char *s, long long *out)
{
	const char *p = s;
	int base = 10;
	char *end;

	if (!strncmp(s, "0o", 2)) {
		base = 8;
		p += 2;
	} else if (!strncmp(s, "0x", 2)) {
		base = 16;
		p += 2;
	} else if (*p == '-' || *p == '+') {
		p++;
	}
	if (!*p)
		return 0;
	for (; *p; p++)
		if (base == 16 ? !isxdigit((unsigned char)*p) : base == 8 ? (*p < '0' || *p > '7')
								   : !isdigit((unsigned char)*p))
			return 0;
	errno = 0;
	*out = strtoll(base == 10 ? s : s + 2, &end, base);
	return errno ? -1 : 1;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int is_core_float(const char *s, double *out)
{
	const char *p = s;
	int digits = 0;

	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		digits = 1;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			digits = 1;
		}
	}
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return 0;
	errno = 0;
	*out = strtod(s, NULL);
	return !errno && isfinite(*out);
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };

/*
 * A scalar's JSON value (new reference). Plain scalars are typed by the
 * core schema; quoted ones and `!!str` are strings; `!!int`, `!!float`,
 * `!!bool` and `!!null` must read as one. Values JSON cannot carry to
 * Neo4j (.inf, .nan, integers past 64 bits) stay text.
 */
static json_t *scalar_json(struct config *cfg, const struct ynode *y)
{
	const char *s = y->text, *tag = y->tag;
	long long n;
	double d;
	int is_int;

	if (tag && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) && strcmp(tag, "!")) {
		config_diag(cfg, 0, y->line, "tag %s is not a YAML core tag: '%s' is kept as text", tag, s);
		tag = TAG_PREFIX "str";
	}
	if (tag && strcmp(tag, "!"))
		tag += strlen(TAG_PREFIX);
	if (!y->plain && !(tag && strcmp(tag, "!") && strcmp(tag, "str")))
		return json_string(s);
	if ((!tag && match_any(s, null_words)) || (tag && !strcmp(tag, "null")))
		return json_null();
	if ((!tag || !strcmp(tag, "bool")) && match_any(s, true_words))
		return json_true();
	if ((!tag || !strcmp(tag, "bool")) && match_any(s, false_words))
		return json_false();
	is_int = is_core_int(s, &n);
	if ((!tag || !strcmp(tag, "int")) && is_int > 0)
		return json_integer((json_int_t)n);
	if (!tag && is_int < 0)
		return json_string(s);      /* past 64 bits: the digits, not a rounded float */
	if ((!tag || !strcmp(tag, "float")) && is_core_float(s, &d))
		return json_real(d);
	if (tag && strcmp(tag, "str") && strcmp(tag, "!"))
		config_diag(cfg, 1, y->line, "'%s' is not a valid !!%s", s, tag);
	return json_string(s);
}

/* The JSON of any node (new reference); maps keep their key order. */
static json_t *node_json(struct config *cfg, const struct ynode *y)
{
	json_t *out;
	size_t i;

	if (y->kind == Y_SCALAR)
		return scalar_json(cfg, y);
	if (y->kind == Y_SEQ) {
		out = json_array();
		for (i = 0; i < y->n; i++)
			json_array_append_new(out, node_json(cfg, y->items[i]));
		return out;
	}
	out = json_object();
	for (i = 0; i + 1 < y->n; i += 2)
		if (y->items[i]->kind == Y_SCALAR)
			json_object_set_new(out, y->items[i]->text, node_json(cfg, y->items[i + 1]));
	return out;
}

/*
 * A list Neo4j can hold as a property: scalars of one type, numbers all
 * integers or all floats (a mix becomes floats), no null, no nesting.
 * Returns it (new reference), or NULL.
 */
static json_t *property_list(json_t *list)
{
	json_t *v, *out;
	size_t i;
	int type = -1, reals = 0;

	json_array_foreach(list, i, v) {
		int t = json_typeof(v);

		if (t == JSON_TRUE || t == JSON_FALSE)
			t = JSON_TRUE;
		if (t == JSON_INTEGER || t == JSON_REAL) {
			reals |= t == JSON_REAL;
			t = JSON_REAL;
		}
		if (t != JSON_STRING && t != JSON_TRUE && t != JSON_REAL)
			return NULL;
		if (type >= 0 && t != type)
			return NULL;
		type = t;
	}
	if (!reals)
		return json_incref(list);
	out = json_array();
	json_array_foreach(list, i, v)
		json_array_append_new(out, json_real(json_is_integer(v) ? (double)json_integer_value(v)
									: json_real_value(v)));
	return out;
}

/*
 * A key of the step from a YAML value: the typed value and the text that
 * key rules and command templates see. A scalar's text is as written
 * (null: empty); a list of scalars is its items' texts joined by commas
 * (the INI lists' form); a mapping, or a list Neo4j cannot hold as a
 * property, is its compact JSON text and stored as that text.
 */
static void add_yaml_param(struct config *cfg, size_t step, const char *key, const struct ynode *y,
			   size_t line)
{
	struct config_step *st = &cfg->steps[step];
	json_t *typed = node_json(cfg, y), *list = NULL;
	struct strbuf text = STRBUF_INIT;
	size_t i, idx;

	for (i = 0; i < st->nparams; i++)
		if (!strcmp(st->params[i].key, key)) {
			config_diag(cfg, 1, line, "duplicate key '%s' in operator '%s' (first at line %zu)",
				    key, st->name, st->params[i].line);
			json_decref(typed);
			return;
		}
	if (y->kind == Y_SCALAR) {
		if (!json_is_null(typed))
			strbuf_addstr(&text, y->text);
	} else if (y->kind == Y_SEQ && (list = property_list(typed))) {
		for (i = 0; i < y->n; i++)
			strbuf_addf(&text, "%s%s", i ? "," : "", y->items[i]->text);
		json_decref(typed);
		typed = list;
	} else {
		char *dump = json_dumps(typed, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

		strbuf_addstr(&text, dump ? dump : "");
		free(dump);
		json_decref(typed);
		typed = json_string(text.buf);
	}
	idx = config_add_param(cfg, step, key, text.buf, line);
	cfg->steps[step].params[idx].typed = typed;
	strbuf_release(&text);
}

/* A list of strings as a step key (inputs, outputs): typed, and joined by commas. */
static void add_string_list(struct config *cfg, size_t step, const char *key, char **items, size_t n,
			    size_t line)
{
	struct strbuf text = STRBUF_INIT;
	json_t *list = json_array();
	size_t i, idx;

	for (i = 0; i < n; i++) {
		strbuf_addf(&text, "%s%s", i ? "," : "", items[i] ? items[i] : "");
		json_array_append_new(list, json_string(items[i] ? items[i] : ""));
	}
	idx = config_add_param(cfg, step, key, text.buf, line);
	cfg->steps[step].params[idx].typed = list;
	strbuf_release(&text);
}

/* --- the DAG --- */

/* What the rels say about each operator while they are read. */
struct ports {
	char **inputs;          /* dataset of each input port, NULL when none feeds it */
	size_t *input_lines;
	size_t ninputs;
	long max_output;        /* highest output port a rel leaves from, -1 when none */
	size_t details_line;    /* its operator_details key, 0 when it has none */
};

static const struct ynode *need_map(struct config *cfg, const struct ynode *parent, const char *key,
				    const char *where, int required)
{
	const struct ynode *y = map_get(parent, key);

	if (!y || (y->kind == Y_SCALAR && y->plain && match_any(y->text, null_words))) {
		if (required)
			config_diag(cfg, 1, parent->line, "no '%s:' in %s", key, where);
		return NULL;
	}
	if (y->kind != Y_MAP) {
		config_diag(cfg, 1, y->line, "'%s' is %s, not a mapping", key, kind_name(y));
		return NULL;
	}
	return y;
}

static void read_list(struct config *cfg, const struct ynode *dag)
{
	const struct ynode *list = map_get(dag, "operator_list");
	size_t i, first;

	if (!list) {
		config_diag(cfg, 1, dag->line, "no 'operator_list:' in 'dag'");
		return;
	}
	if (list->kind != Y_SEQ) {
		config_diag(cfg, 1, list->line, "'operator_list' is %s, not a list of node ids",
			    kind_name(list));
		return;
	}
	for (i = 0; i < list->n; i++) {
		const struct ynode *id = list->items[i];

		if (id->kind != Y_SCALAR) {
			config_diag(cfg, 1, id->line, "operator_list: %s, not a node id", kind_name(id));
			continue;
		}
		first = config_find_step(cfg, id->text);
		if (first != CONFIG_NONE) {
			config_diag(cfg, 1, id->line, "duplicate node id '%s' in operator_list (first at line %zu)",
				    id->text, cfg->steps[first].line);
			continue;
		}
		if (!version_is_ident(id->text)) {
			config_diag(cfg, 1, id->line, "node id '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)",
				    id->text);
			continue;
		}
		config_add_step(cfg, id->text, id->line);
	}
}

/* A port index: an integer in 0..MAX_PORT, or -1 after an error. */
static long port_index(struct config *cfg, const struct ynode *rel, const char *key, const char *src)
{
	const struct ynode *y = map_get(rel, key);
	long long n;

	if (!y) {
		config_diag(cfg, 1, rel->line, "a rel of '%s' has no %s", src, key);
		return -1;
	}
	if (y->kind != Y_SCALAR || !y->plain || is_core_int(y->text, &n) <= 0 || n < 0 || n > MAX_PORT) {
		config_diag(cfg, 1, y->line, "%s = '%s' is out of range: a port is an integer in 0..%d", key,
			    y->kind == Y_SCALAR ? y->text : kind_name(y), MAX_PORT);
		return -1;
	}
	return (long)n;
}

static void read_rel(struct config *cfg, struct ports *ports, size_t src, const struct ynode *rel)
{
	const char *sname = cfg->steps[src].name;
	const struct ynode *target;
	struct ports *tp;
	size_t tgt, i;
	long si, ti;
	char *dataset;

	if (rel->kind != Y_MAP) {
		config_diag(cfg, 1, rel->line, "a rel of '%s' is %s, not {target, source_index, target_index}",
			    sname, kind_name(rel));
		return;
	}
	for (i = 0; i + 1 < rel->n; i += 2) {
		const char *k = rel->items[i]->text;

		if (k && strcmp(k, "target") && strcmp(k, "source_index") && strcmp(k, "target_index"))
			config_diag(cfg, 0, rel->items[i]->line, "a rel of '%s': unknown key '%s' ignored",
				    sname, k);
	}
	target = map_get(rel, "target");
	si = port_index(cfg, rel, "source_index", sname);
	ti = port_index(cfg, rel, "target_index", sname);
	if (!target) {
		config_diag(cfg, 1, rel->line, "a rel of '%s' has no target", sname);
		return;
	}
	if (target->kind != Y_SCALAR || (tgt = config_find_step(cfg, target->text)) == CONFIG_NONE) {
		config_diag(cfg, 1, target->line, "rel from '%s' to unknown node '%s' (not in operator_list)",
			    sname, target->kind == Y_SCALAR ? target->text : kind_name(target));
		return;
	}
	if (tgt == src) {
		config_diag(cfg, 1, target->line, "cycle: %s -> %s: the operator feeds itself", sname, sname);
		return;
	}
	if (si < 0 || ti < 0)
		return;
	tp = &ports[tgt];
	if ((size_t)ti < tp->ninputs && tp->inputs[ti]) {
		config_diag(cfg, 1, target->line, "input port %ld of '%s' is fed twice: from %s and %s/out%ld "
			    "(first at line %zu)", ti, target->text, tp->inputs[ti], sname, si,
			    tp->input_lines[ti]);
		return;
	}
	if ((size_t)ti >= tp->ninputs) {
		tp->inputs = xrealloc(tp->inputs, (ti + 1) * sizeof(*tp->inputs));
		tp->input_lines = xrealloc(tp->input_lines, (ti + 1) * sizeof(*tp->input_lines));
		for (i = tp->ninputs; i <= (size_t)ti; i++) {
			tp->inputs[i] = NULL;
			tp->input_lines[i] = 0;
		}
		tp->ninputs = (size_t)ti + 1;
	}
	dataset = xstrfmt("%s/out%ld", sname, si);
	tp->inputs[ti] = dataset;
	tp->input_lines[ti] = target->line;
	if (si > ports[src].max_output)
		ports[src].max_output = si;
	config_add_io(cfg, tgt, dataset, CONFIG_READS, 0, target->line);
}

static void read_rels(struct config *cfg, struct ports *ports, const struct ynode *dag)
{
	const struct ynode *rels = need_map(cfg, dag, "operator_rels", "'dag'", 0);
	size_t i, j;

	if (!rels)
		return;
	for (i = 0; i + 1 < rels->n; i += 2) {
		const struct ynode *k = rels->items[i], *list = rels->items[i + 1];
		size_t src;

		if (k->kind != Y_SCALAR)
			continue;
		src = config_find_step(cfg, k->text);
		if (src == CONFIG_NONE) {
			config_diag(cfg, 1, k->line, "operator_rels: unknown node '%s' (not in operator_list)",
				    k->text);
			continue;
		}
		if (list->kind == Y_SCALAR && list->plain && match_any(list->text, null_words))
			continue;
		if (list->kind != Y_SEQ) {
			config_diag(cfg, 1, list->line, "operator_rels of '%s' is %s, not a list of rels",
				    k->text, kind_name(list));
			continue;
		}
		for (j = 0; j < list->n; j++)
			read_rel(cfg, ports, src, list->items[j]);
	}
}

/* The procedure an algo_name runs: itself when it is a version name, else its version 000. */
static void set_procedure(struct config *cfg, size_t step, const struct ynode *algo)
{
	struct config_step *st = &cfg->steps[step];
	char *family = NULL, *version = NULL;

	if (algo->kind != Y_SCALAR || !version_is_ident(algo->text)) {
		config_diag(cfg, 1, algo->line, "algo_name '%s' of '%s' is not an identifier "
			    "([A-Za-z_][A-Za-z0-9_]*)", algo->kind == Y_SCALAR ? algo->text : kind_name(algo),
			    st->name);
		return;
	}
	if (version_split(algo->text, &family, &version) == 0)
		st->procedure = xstrdup(algo->text);
	else
		st->procedure = xstrfmt("%s_v_000", algo->text);
	st->procedure_line = algo->line;
	st->procedure_key = "algo_name";
	free(family);
	free(version);
}

/* An operator's details: its procedure and its keys, in file order. */
static void read_details(struct config *cfg, size_t step, const struct ynode *d)
{
	const struct ynode *algo = map_get(d, "algo_name");
	size_t i, j;

	if (!algo)
		config_diag(cfg, 1, cfg->steps[step].line, "operator '%s' has no algo_name",
			    cfg->steps[step].name);
	else
		set_procedure(cfg, step, algo);
	for (i = 0; i + 1 < d->n; i += 2) {
		const struct ynode *k = d->items[i], *v = d->items[i + 1];

		if (k->kind != Y_SCALAR)
			continue;
		if (!strcmp(k->text, "procedure")) {
			config_diag(cfg, 1, k->line, "'procedure' in a DAG operator: its algo_name names "
				    "the procedure it runs");
		} else if (!strcmp(k->text, "coordinate")) {
			const struct ynode *x, *y;

			if (v->kind != Y_MAP || !(x = map_get(v, "x")) || !(y = map_get(v, "y"))) {
				config_diag(cfg, 1, v->line, "coordinate of '%s' is not {x: ..., y: ...}",
					    cfg->steps[step].name);
				continue;
			}
			add_yaml_param(cfg, step, "coordinate_x", x, x->line);
			add_yaml_param(cfg, step, "coordinate_y", y, y->line);
		} else if (!strcmp(k->text, "params")) {
			if (v->kind == Y_SCALAR && v->plain && match_any(v->text, null_words))
				continue;
			if (v->kind != Y_MAP) {
				config_diag(cfg, 1, v->line, "params of '%s' is %s, not a mapping",
					    cfg->steps[step].name, kind_name(v));
				continue;
			}
			for (j = 0; j + 1 < v->n; j += 2) {
				const struct ynode *pk = v->items[j];

				if (pk->kind != Y_SCALAR)
					continue;
				if (!strcmp(pk->text, "procedure"))
					config_diag(cfg, 1, pk->line, "'procedure' in a DAG operator: its "
						    "algo_name names the procedure it runs");
				else
					add_yaml_param(cfg, step, pk->text, v->items[j + 1], pk->line);
			}
		} else {
			add_yaml_param(cfg, step, k->text, v, k->line);
		}
	}
}

static void read_all_details(struct config *cfg, struct ports *ports, const struct ynode *dag)
{
	const struct ynode *details = need_map(cfg, dag, "operator_details", "'dag'", 1);
	size_t i, step;

	if (!details)
		return;
	for (i = 0; i + 1 < details->n; i += 2) {
		const struct ynode *k = details->items[i], *d = details->items[i + 1];

		if (k->kind != Y_SCALAR)
			continue;
		step = config_find_step(cfg, k->text);
		if (step == CONFIG_NONE) {
			config_diag(cfg, 1, k->line, "operator_details: unknown node '%s' (not in operator_list)",
				    k->text);
			continue;
		}
		if (d->kind != Y_MAP) {
			config_diag(cfg, 1, d->line, "operator_details of '%s' is %s, not a mapping", k->text,
				    kind_name(d));
			continue;
		}
		/* The step's line is where its details are: messages point there. */
		cfg->steps[step].line = k->line;
		ports[step].details_line = k->line;
		read_details(cfg, step, d);
	}
}

/* A `description:` (at the top or in dag), else the file's leading comment block. */
static void read_description(struct config *cfg, const struct ynode *root, const struct ynode *dag,
			     const char *text, size_t len)
{
	const struct ynode *d = map_get(root, "description");

	if (!d && dag)
		d = map_get(dag, "description");
	if (d && d->kind == Y_SCALAR && *d->text)
		cfg->description = xstrdup(d->text);
	else if (d && d->kind != Y_SCALAR)
		config_diag(cfg, 1, d->line, "description is %s, not text", kind_name(d));
	else
		cfg->description = config_leading_comment(text, len, "#");
}

void config_read_yaml(struct config *cfg, const char *text, size_t len)
{
	struct ynode *root = compose(cfg, text, len);
	const struct ynode *dag = NULL;
	struct ports *ports = NULL;
	size_t i, j;

	if (!root)
		return;
	if (root->kind != Y_MAP) {
		config_diag(cfg, 1, root->line, "the file is %s, not a mapping with 'dag:'", kind_name(root));
		goto out;
	}
	for (i = 0; i + 1 < root->n; i += 2) {
		const char *k = root->items[i]->text;

		if (k && strcmp(k, "dag") && strcmp(k, "description"))
			config_diag(cfg, 0, root->items[i]->line, "unknown top-level key '%s' ignored", k);
	}
	dag = need_map(cfg, root, "dag", "the file", 1);
	read_description(cfg, root, dag, text, len);
	if (!dag)
		goto out;
	read_list(cfg, dag);
	ports = xcalloc(cfg->nsteps + 1, sizeof(*ports));
	for (i = 0; i < cfg->nsteps; i++)
		ports[i].max_output = -1;
	read_all_details(cfg, ports, dag);
	read_rels(cfg, ports, dag);
	for (i = 0; i < cfg->nsteps; i++) {
		struct config_step *st = &cfg->steps[i];
		size_t nout = (size_t)(ports[i].max_output < 0 ? 0 : ports[i].max_output) + 1;
		char **outputs = xcalloc(nout, sizeof(char *));

		if (!ports[i].details_line)
			config_diag(cfg, 1, st->line, "operator '%s' has no operator_details", st->name);
		st->no_own_dataset = 1;
		for (j = 0; j < nout; j++) {
			outputs[j] = xstrfmt("%s/out%zu", st->name, j);
			config_add_io(cfg, i, outputs[j], CONFIG_WRITES, 0, st->line);
		}
		add_string_list(cfg, i, "inputs", ports[i].inputs, ports[i].ninputs, st->line);
		add_string_list(cfg, i, "outputs", outputs, nout, st->line);
		free_strings(outputs, nout);
	}
out:
	if (ports)
		for (i = 0; i < cfg->nsteps; i++) {
			free_strings(ports[i].inputs, ports[i].ninputs);
			free(ports[i].input_lines);
		}
	free(ports);
	ynode_free(root);
}
