/*
 * What a step's keys mean (DESIGN.md section 2), whichever reader read
 * them. Every key with a meaning has one row in `key_rules` below: how its
 * name matches, when it applies, and the function that gives it its
 * meaning (datasets the step reads, writes or deletes, run settings on
 * struct config_step, edges). A key that no row matches is a parameter:
 * stored on the step, usable in command templates.
 *
 * To give a key a meaning: add a field to struct config_step if it sets
 * one (graph/config.h), write a `static void key_<name>(struct key_ctx *,
 * const struct config_param *, const struct key_match *)` that checks the
 * value (errors as config_diag at kv->line) and sets it, add its row, and
 * say so in docs/config.md and DESIGN.md section 2.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "graph/config_build.h"
#include "graph/slurm_keys.h"
#include "graph/value.h"
#include "util/strbuf.h"
#include "vcs/version.h"

#define MAX_SHARD 100000
#define MAX_PRIORITY 1000000
#define MAX_BATCH 1000000000L

/* How a row's name matches a key. */
enum key_match_kind {
	KEY_EXACT,      /* the key is the name */
	KEY_NUMBERED,   /* name, name<digits>, name<digits>_amend ("last_proc2_amend") */
	KEY_SUFFIXED    /* name<K>, name<K>_amend for any non-empty K ("del_tmp") */
};

/* When a row applies. */
enum key_phase {
	KEY_WITH_STEP,  /* with the step's other keys, in file order */
	KEY_ONCE_ALL    /* once every step's keys are read: it names other steps */
};

/* What matched: the part between the name and "_amend", and whether "_amend" ended it. */
struct key_match {
	const char *suffix;
	size_t sn;
	int amend;
};

/* The step whose keys are being read. */
struct key_ctx {
	struct config *cfg;
	size_t step;
	struct config_step *st;
	const char *cur_to;     /* the cur_proc_to value, when valid */
};

struct key_rule {
	const char *name;
	enum key_match_kind match;
	enum key_phase phase;
	void (*apply)(struct key_ctx *k, const struct config_param *kv, const struct key_match *m);
};

/* --- values --- */

static int valid_dataset(const char *s)
{
	const char *p;

	if (!*s || *s == '/' || s[strlen(s) - 1] == '/')
		return 0;
	for (p = s; *p; p++)
		if (isspace((unsigned char)*p) || *p == ',' || (*p == '/' && p[1] == '/'))
			return 0;
	return 1;
}

static int parse_int(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (!*v || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* Calls fn for every comma-separated item of value (trimmed). */
static void split_list(struct key_ctx *k, const struct config_param *kv, const char *what,
		       void (*fn)(struct key_ctx *, const struct config_param *, const char *))
{
	const char *s = kv->value, *comma;

	if (!*s) {
		config_diag(k->cfg, 1, kv->line, "'%s' is empty: expected %s", kv->key, what);
		return;
	}
	for (;;) {
		const char *b, *e;
		char *item;

		comma = strchr(s, ',');
		e = comma ? comma : s + strlen(s);
		b = s;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		item = xstrndup(b, (size_t)(e - b));
		if (!*item)
			config_diag(k->cfg, 1, kv->line, "'%s' has an empty item: expected %s", kv->key, what);
		else
			fn(k, kv, item);
		free(item);
		if (!comma)
			break;
		s = comma + 1;
	}
}

static const struct config_param *find_numbered(const struct config_step *st, const char *prefix,
						const char *suffix, size_t sn)
{
	size_t i, pl = strlen(prefix);

	for (i = 0; i < st->nparams; i++) {
		const char *key = st->params[i].key;

		if (!strncmp(key, prefix, pl) && strlen(key) == pl + sn && !strncmp(key + pl, suffix, sn))
			return &st->params[i];
	}
	return NULL;
}

/* --- the meaning of each key --- */

static void key_reserved(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	(void)m;
	config_diag(k->cfg, 1, kv->line, "'%s' is reserved for pmeta's own step property", kv->key);
}

/*
 * A dataset key with its amend (`last_procN` + `last_procN_amend`, `del_K` +
 * `del_K_amend`): the dataset is the value, or value/amend.
 */
static void keyed_dataset(struct key_ctx *k, const struct config_param *kv, const struct key_match *m,
			  const char *prefix, enum config_io_kind kind)
{
	char *amend_key;
	const char *amend;

	if (m->amend) {
		/* The dataset is made at the main key; the amend value is checked here. */
		if (!find_numbered(k->st, prefix, m->suffix, m->sn))
			config_diag(k->cfg, 1, kv->line, "'%s' without '%s%.*s'", kv->key, prefix,
				    (int)m->sn, m->suffix);
		else if (!valid_dataset(kv->value))
			config_diag(k->cfg, 1, kv->line, "%s = '%s': not a folder name", kv->key, kv->value);
		return;
	}
	amend_key = xstrfmt("%s%.*s_amend", prefix, (int)m->sn, m->suffix);
	amend = config_step_param(k->st, amend_key);
	if (!valid_dataset(kv->value)) {
		config_diag(k->cfg, 1, kv->line, "%s = '%s': not a dataset name", kv->key, kv->value);
	} else if (amend && valid_dataset(amend)) {
		char *name = xstrfmt("%s/%s", kv->value, amend);

		config_add_io(k->cfg, k->step, name, kind, 0, kv->line);
		free(name);
	} else if (!amend) {
		config_add_io(k->cfg, k->step, kv->value, kind, 0, kv->line);
	}
	free(amend_key);
}

static void key_last_proc(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	keyed_dataset(k, kv, m, "last_proc", CONFIG_READS);
}

static void key_del(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	keyed_dataset(k, kv, m, "del_", CONFIG_DELETES);
}

static void key_cur_proc_to(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	(void)m;
	if (!valid_dataset(kv->value)) {
		config_diag(k->cfg, 1, kv->line, "cur_proc_to = '%s': not a dataset name", kv->value);
		return;
	}
	k->cur_to = kv->value;
	config_add_io(k->cfg, k->step, kv->value, CONFIG_WRITES, 0, kv->line);
}

static void key_output_folder(struct key_ctx *k, const struct config_param *kv,
			      const struct key_match *m)
{
	(void)m;
	if (!valid_dataset(kv->value))
		config_diag(k->cfg, 1, kv->line, "output_folder = '%s': not a dataset name", kv->value);
	else
		config_add_io(k->cfg, k->step, kv->value, CONFIG_READS, 0, kv->line);
}

static void list_read(struct key_ctx *k, const struct config_param *kv, const char *item)
{
	if (!valid_dataset(item)) {
		config_diag(k->cfg, 1, kv->line, "'%s' is not a dataset name in '%s'", item, kv->key);
		return;
	}
	config_add_io(k->cfg, k->step, item, CONFIG_READS, 0, kv->line);
}

static void list_write(struct key_ctx *k, const struct config_param *kv, const char *item)
{
	if (!valid_dataset(item)) {
		config_diag(k->cfg, 1, kv->line, "'%s' is not a dataset name in '%s'", item, kv->key);
		return;
	}
	config_add_io(k->cfg, k->step, item, CONFIG_WRITES, 0, kv->line);
}

static void key_reads(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	(void)m;
	split_list(k, kv, "dataset names", list_read);
}

static void key_writes(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	(void)m;
	split_list(k, kv, "dataset names", list_write);
}

static void key_max_shard(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	long n;

	(void)m;
	if (parse_int(kv->value, 1, MAX_SHARD, &n) < 0)
		config_diag(k->cfg, 1, kv->line, "max_shard = '%s': not a positive integer (1..%d)",
			    kv->value, MAX_SHARD);
	else
		k->st->max_shard = (int)n;
}

static void key_timeout(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	long n;

	(void)m;
	if (parse_int(kv->value, 1, INT_MAX, &n) < 0)
		config_diag(k->cfg, 1, kv->line, "timeout = '%s': not a positive integer (seconds)",
			    kv->value);
	else
		k->st->timeout = n;
}

static void key_retries(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	long n;

	(void)m;
	if (parse_int(kv->value, 0, 1000, &n) < 0)
		config_diag(k->cfg, 1, kv->line, "retries = '%s': not an integer in 0..1000", kv->value);
	else
		k->st->retries = (int)n;
}

/*
 * `enabled = false` (or the ML platforms' `is_enable`): the planner leaves
 * the step out; its dependents wait for its own predecessors instead.
 */
static void key_enabled(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	int on;

	(void)m;
	if (k->st->disabled_line) {
		config_diag(k->cfg, 1, kv->line, "'%s' says again whether the step runs (first at line %zu)",
			    kv->key, k->st->disabled_line);
		return;
	}
	k->st->disabled_line = kv->line;
	if (value_bool(kv->value, &on) < 0)
		config_diag(k->cfg, 1, kv->line, "%s = '%s': not true or false", kv->key, kv->value);
	else
		k->st->disabled = !on;
}

/* `priority = N`: among ready jobs, higher first (negative: after the default 0). */
static void key_priority(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	const char *v = kv->value;
	long n;

	(void)m;
	if (parse_int(v + (*v == '-' || *v == '+'), 0, MAX_PRIORITY, &n) < 0)
		config_diag(k->cfg, 1, kv->line, "priority = '%s': not an integer in -%d..%d", v,
			    MAX_PRIORITY, MAX_PRIORITY);
	else
		k->st->priority = (int)(*v == '-' ? -n : n);
}

/* `procedure = NAME`: the step is named freely and runs procedure NAME. */
static void key_procedure(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	char *family, *version;

	(void)m;
	k->st->procedure_line = kv->line;
	k->st->procedure_key = "procedure";
	free(k->st->procedure);
	k->st->procedure = xstrdup(kv->value);
	if (version_split(kv->value, &family, &version) < 0) {
		/* Kept as written, without a version: nothing runs a config with errors. */
		config_diag(k->cfg, 1, kv->line,
			    "procedure = '%s': not a procedure version name (<family>_v_<DDD>, "
			    "as in proc_004_v_000)", kv->value);
		k->st->family = xstrdup(kv->value);
		return;
	}
	k->st->family = family;
	k->st->version = version;
}

/* slurm_partition, slurm_account, ...: checked here, kept as the step's parameters. */
static void key_slurm(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	int which = slurm_key_find(kv->key);
	char *why;

	(void)m;
	if (which < 0) {
		config_diag(k->cfg, 1, kv->line, "unknown Slurm setting '%s' (expected slurm_partition, "
			    "slurm_account, slurm_cpus, slurm_mem or slurm_extra)", kv->key);
		return;
	}
	why = slurm_key_check((enum slurm_key)which, kv->value);
	if (why)
		config_diag(k->cfg, 1, kv->line, "%s = %s: %s", kv->key, kv->value, why);
	free(why);
}

/* Where a run's jobs go is the schedule's choice (base.conf) or the run's. */
static void key_executor(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	(void)m;
	config_diag(k->cfg, 1, kv->line, "executor = %s: a step cannot choose its executor; set "
		    "'executor' in the schedule's base.conf, or run with --executor", kv->value);
}

int config_pass_env(char ***names, const char *list, char **bad)
{
	const char *p = list;
	size_t n = 0;

	*bad = NULL;
	while (*names && (*names)[n])
		n++;
	while (p && *p) {
		size_t len, k;
		char *name;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (!len)
			break;
		name = xstrndup(p, len);
		p += len;
		for (k = 0; k < len && (isalnum((unsigned char)name[k]) || name[k] == '_'); k++)
			;
		if (k < len || isdigit((unsigned char)name[0])) {
			*bad = name;
			return -1;
		}
		for (k = 0; k < n && strcmp((*names)[k], name); k++)
			;
		if (k < n) {
			free(name);
			continue;
		}
		*names = xrealloc(*names, (n + 2) * sizeof(**names));
		(*names)[n++] = name;
		(*names)[n] = NULL;
	}
	if (!*names)
		*names = xcalloc(1, sizeof(**names));
	return 0;
}

/*
 * `pass_env = NAME, NAME2`: variables of pmeta's environment this step's
 * jobs get (run/executor_local.c). Checked here; the planner reads the
 * value from the step's keys, from a config or from the graph alike.
 */
static void key_pass_env(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	char **names = NULL, *bad = NULL;
	size_t i;

	(void)m;
	if (config_pass_env(&names, kv->value, &bad) < 0)
		config_diag(k->cfg, 1, kv->line, "pass_env: '%s' is not a variable name", bad);
	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	free(bad);
}

static void list_after(struct key_ctx *k, const struct config_param *kv, const char *item)
{
	size_t other = config_find_step(k->cfg, item);

	if (other == CONFIG_NONE) {
		config_diag(k->cfg, 1, kv->line, "after = %s: no step [%s] in this config", item, item);
		return;
	}
	if (other == k->step) {
		config_diag(k->cfg, 1, kv->line, "after = %s: a step cannot run after itself", item);
		return;
	}
	config_add_edge(k->cfg, k->step, other, CONFIG_BY_AFTER, CONFIG_NONE, kv->line);
}

static void key_after(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	(void)m;
	split_list(k, kv, "step names", list_after);
}

static int has_reads(const struct config_step *st)
{
	size_t i;

	for (i = 0; i < st->nio; i++)
		if (st->io[i].kind == CONFIG_READS)
			return 1;
	return 0;
}

/*
 * `items = GLOB`: the step is incremental (docs/run.md, "Only what is
 * new"): its items are the entries of the datasets it reads whose names
 * match GLOB. Once every key is read: the datasets are known then.
 */
static void key_items(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	(void)m;
	if (!*kv->value || strchr(kv->value, '/')) {
		config_diag(k->cfg, 1, kv->line,
			    "items = '%s': not a file name pattern (like *.json; no '/')", kv->value);
		return;
	}
	if (!has_reads(k->st)) {
		config_diag(k->cfg, 1, kv->line,
			    "items = %s: step [%s] reads no dataset, so it has no items "
			    "(name one with last_proc, reads or output_folder)", kv->value, k->st->name);
		return;
	}
	free(k->st->items);
	k->st->items = xstrdup(kv->value);
}

/*
 * `batch = N`, and the PM2 configs' `per_handle_task_num = N`: at most N
 * items a job. Only an incremental step gives them a meaning; elsewhere
 * they stay the parameters they always were (a PM2 script reads its own).
 */
static void key_batch(struct key_ctx *k, const struct config_param *kv, const struct key_match *m)
{
	const char *other = strcmp(kv->key, "batch") ? "batch" : "per_handle_task_num";
	const char *ov = config_step_param(k->st, other);
	long n;

	(void)m;
	if (!config_step_param(k->st, "items")) {
		if (!strcmp(kv->key, "batch"))
			config_diag(k->cfg, 0, kv->line,
				    "batch = %s without 'items =': the step is not incremental, "
				    "so nothing caps", kv->value);
		return;
	}
	if (parse_int(kv->value, 1, MAX_BATCH, &n) < 0) {
		config_diag(k->cfg, 1, kv->line, "%s = '%s': not a positive integer (1..%ld; "
			    "leave it out for no cap)", kv->key, kv->value, MAX_BATCH);
		return;
	}
	if (ov && strcmp(ov, kv->value) && !strcmp(kv->key, "per_handle_task_num")) {
		config_diag(k->cfg, 1, kv->line, "per_handle_task_num = %s and batch = %s: "
			    "the same cap twice, with two values; keep one", kv->value, ov);
		return;
	}
	k->st->batch = n;
}

/*
 * Every key with a meaning, tried in this order; the first row that
 * matches wins.
 */
static const struct key_rule key_rules[] = {
	/* Step properties pmeta sets itself; a config key may not shadow them. */
	{ "key",           KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "name",          KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "process",       KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "line",          KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "order",         KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "workspace",     KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "raw_values",    KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "null_params",   KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	/* What a plan reads from the step besides (docs/graph.md). */
	{ "runs_after",    KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	{ "caption",       KEY_EXACT,    KEY_WITH_STEP, key_reserved },
	/* Datasets. */
	{ "last_proc",     KEY_NUMBERED, KEY_WITH_STEP, key_last_proc },
	{ "del_",          KEY_SUFFIXED, KEY_WITH_STEP, key_del },
	{ "cur_proc_to",   KEY_EXACT,    KEY_WITH_STEP, key_cur_proc_to },
	{ "output_folder", KEY_EXACT,    KEY_WITH_STEP, key_output_folder },
	{ "reads",         KEY_EXACT,    KEY_WITH_STEP, key_reads },
	{ "writes",        KEY_EXACT,    KEY_WITH_STEP, key_writes },
	/* The procedure a freely named step runs. */
	{ "procedure",     KEY_EXACT,    KEY_WITH_STEP, key_procedure },
	/* Run settings. */
	{ "max_shard",     KEY_EXACT,    KEY_WITH_STEP, key_max_shard },
	{ "timeout",       KEY_EXACT,    KEY_WITH_STEP, key_timeout },
	{ "retries",       KEY_EXACT,    KEY_WITH_STEP, key_retries },
	{ "enabled",       KEY_EXACT,    KEY_WITH_STEP, key_enabled },
	{ "is_enable",     KEY_EXACT,    KEY_WITH_STEP, key_enabled },
	{ "priority",      KEY_EXACT,    KEY_WITH_STEP, key_priority },
	/* Where the jobs run (graph/slurm_keys.h). */
	{ "executor",      KEY_EXACT,    KEY_WITH_STEP, key_executor },
	{ "slurm_",        KEY_SUFFIXED, KEY_WITH_STEP, key_slurm },
	/* The job's environment. */
	{ "pass_env",      KEY_EXACT,    KEY_WITH_STEP, key_pass_env },
	/* Incremental steps: once every key is read (items need the datasets). */
	{ "items",         KEY_EXACT,    KEY_ONCE_ALL,  key_items },
	{ "batch",         KEY_EXACT,    KEY_ONCE_ALL,  key_batch },
	{ "per_handle_task_num", KEY_EXACT, KEY_ONCE_ALL, key_batch },
	/* Order. */
	{ "after",         KEY_EXACT,    KEY_ONCE_ALL,  key_after },
};

/* Splits an optional "_amend" off key + the row's name; 1 when it matches. */
static int match_rule(const struct key_rule *r, const char *key, struct key_match *m)
{
	size_t pl = strlen(r->name), kl = strlen(key), i;

	memset(m, 0, sizeof(*m));
	if (r->match == KEY_EXACT)
		return !strcmp(key, r->name);
	if (strncmp(key, r->name, pl))
		return 0;
	/* KEY_SUFFIXED needs a K before "_amend": "del__amend" deletes "_amend". */
	if (kl >= pl + 6 + (r->match == KEY_SUFFIXED) && !strcmp(key + kl - 6, "_amend")) {
		m->amend = 1;
		kl -= 6;
	}
	m->suffix = key + pl;
	m->sn = kl - pl;
	if (r->match == KEY_SUFFIXED)
		return m->sn > 0;
	for (i = 0; i < m->sn; i++)
		if (!isdigit((unsigned char)m->suffix[i]))
			return 0;
	return 1;
}

static const struct key_rule *find_rule(const char *key, struct key_match *m)
{
	size_t i;

	for (i = 0; i < sizeof(key_rules) / sizeof(key_rules[0]); i++)
		if (match_rule(&key_rules[i], key, m))
			return &key_rules[i];
	return NULL;
}

/*
 * Without `procedure =` (or a procedure its reader set) a step runs the
 * procedure its section names (NAME_v_NNN), as it always did; a name that
 * is none is a warning (the step still runs S/pys/NAME.py).
 */
static void step_procedure(struct config *cfg, struct config_step *st)
{
	int named = !st->procedure;

	if (st->family)     /* `procedure =` split it */
		return;
	if (named)
		st->procedure = xstrdup(st->name);
	if (version_split(st->procedure, &st->family, &st->version) < 0) {
		st->family = xstrdup(st->procedure);
		if (named && version_is_ident(st->name))
			config_diag(cfg, 0, st->line,
				    "section [%s] does not name a procedure version (NAME_v_NNN) "
				    "and has no 'procedure ='", st->name);
	}
}

static void step_keys(struct config *cfg, size_t step, enum key_phase phase)
{
	struct key_ctx k = { cfg, step, &cfg->steps[step], NULL };
	size_t i;

	for (i = 0; i < k.st->nparams; i++) {
		const struct config_param *kv = &k.st->params[i];
		struct key_match m;
		const struct key_rule *r = find_rule(kv->key, &m);

		if (r && r->phase == phase)
			r->apply(&k, kv, &m);
		/* An INI matter: a typed reader's text has no inline comments. */
		if (phase == KEY_WITH_STEP && !kv->typed && strstr(kv->value, " #"))
			config_diag(cfg, 0, kv->line,
				    "'#' after a value is not a comment: %s = '%s' (use ' ;')", kv->key,
				    kv->value);
	}
	/* A step writes its own dataset unless cur_proc_to or its reader says what instead. */
	if (phase == KEY_WITH_STEP && !k.cur_to && !k.st->no_own_dataset)
		config_add_io(cfg, step, k.st->name, CONFIG_WRITES, 0, k.st->line);
}

void config_apply_keys(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nsteps; i++) {
		step_keys(cfg, i, KEY_WITH_STEP);
		step_procedure(cfg, &cfg->steps[i]);
	}
	for (i = 0; i < cfg->nsteps; i++)
		step_keys(cfg, i, KEY_ONCE_ALL);
}
