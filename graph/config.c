/*
 * The config compiler: inih does the parsing; we feed it line by line
 * through ini_parse_stream so every diagnostic can name its line (Debian's
 * inih 55 is built without INI_HANDLER_LINENO), then derive datasets and
 * the order between steps (DESIGN.md section 2).
 *
 * What Debian's inih 55 does, measured (see docs/config.md):
 *  - `;` after whitespace starts an inline comment, `#` only a comment line;
 *  - an indented line after a key continues that key's value (the handler
 *    sees the same key again), even when it looks like `[x]` or `k = v`;
 *  - `:` works like `=`; a UTF-8 BOM is skipped; lines longer than 199 bytes
 *    are split (we refuse them instead); section names are cut at 49 bytes
 *    (we refuse longer ones);
 *  - a section without keys never reaches the handler: we see sections in
 *    the reader, and keep the inih handler for keys and values.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>
#include <ini.h>

#include "graph/config.h"
#include "util/err.h"
#include "util/strbuf.h"

#define NONE ((size_t)-1)
#define MAX_SECTION_NAME 49     /* inih's MAX_SECTION is 50 with the NUL */
#define MAX_SHARD 100000

/* Step properties pmeta sets itself; a config key may not shadow them. */
static const char *const reserved_keys[] = { "key", "name", "process", "line", "order", NULL };

static void diag(struct config *cfg, int error, size_t line, const char *fmt, ...) PM_PRINTF(4, 5);

static void diag(struct config *cfg, int error, size_t line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	struct config_diag *d;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	cfg->diags = xrealloc(cfg->diags, (cfg->ndiags + 1) * sizeof(*cfg->diags));
	d = &cfg->diags[cfg->ndiags++];
	d->error = error;
	d->line = line;
	d->msg = strbuf_detach(&sb, NULL);
	if (error)
		cfg->nerrors++;
}

int config_is_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

int config_split_version(const char *name, char **family, char **version)
{
	const char *v = NULL, *p;

	*family = NULL;
	*version = NULL;
	for (p = strstr(name, "_v_"); p; p = strstr(p + 1, "_v_"))
		v = p;
	if (!v || v == name || !v[3])
		return -1;
	for (p = v + 3; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	*family = xstrndup(name, (size_t)(v - name));
	*version = xstrdup(v + 3);
	return 0;
}

/* --- parsing: the reader mirrors inih's line classes to track sections --- */

struct parse {
	struct config *cfg;
	const char *text;
	size_t len;
	size_t pos;
	size_t lineno;
	size_t cur;          /* step receiving keys, or NONE */
	int seen_section;
	int prev_name;       /* inih's prev_name: a key seen in this section */
	int continuation;    /* the line just read continues the previous key */
	int no_steps;        /* base.conf: sections are not steps */
	size_t last_param;   /* index of the last key in steps[cur] */
};

static const char *find_chars_or_comment(const char *s, const char *chars)
{
	int was_space = 0;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static void add_section(struct parse *p, const char *name, size_t n)
{
	struct config *cfg = p->cfg;
	struct config_step *st;
	char *nm = xstrndup(name, n);
	size_t first;

	p->cur = NONE;
	p->seen_section = 1;
	if (n > MAX_SECTION_NAME) {
		diag(cfg, 1, p->lineno, "section name '%s' is longer than %d bytes", nm, MAX_SECTION_NAME);
		free(nm);
		return;
	}
	if (strmap_get(&cfg->step_index, nm, &first)) {
		diag(cfg, 1, p->lineno, "duplicate section [%s] (first at line %zu)", nm,
		     cfg->steps[first].line);
		free(nm);
		return;
	}
	if (!config_is_ident(nm))
		diag(cfg, 1, p->lineno, "section name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)", nm);
	if (!(cfg->nsteps & (cfg->nsteps - 1)))
		cfg->steps = xrealloc(cfg->steps, (cfg->nsteps ? 2 * cfg->nsteps : 1) * sizeof(*cfg->steps));
	st = &cfg->steps[cfg->nsteps];
	memset(st, 0, sizeof(*st));
	st->name = nm;
	st->line = p->lineno;
	if (config_split_version(nm, &st->family, &st->version) < 0) {
		st->family = xstrdup(nm);
		if (config_is_ident(nm))
			diag(cfg, 0, p->lineno, "section [%s] does not name a procedure version (NAME_v_NNN)", nm);
	}
	p->cur = cfg->nsteps++;
}

/* The map borrows the step's name, which stays put when steps move. */
static void index_step(struct parse *p)
{
	if (p->cur != NONE)
		strmap_put(&p->cfg->step_index, p->cfg->steps[p->cur].name, p->cur);
}

static void classify(struct parse *p, char *line)
{
	char *t = line, *end;
	size_t n = strlen(line);

	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	while (isspace((unsigned char)*t))
		t++;
	p->continuation = 0;
	if (*t == ';' || *t == '#')
		return;
	if (p->prev_name && *t && t > line) {
		p->continuation = 1;
		return;
	}
	if (*t == '[') {
		end = (char *)find_chars_or_comment(t + 1, "]");
		if (*end != ']') {
			diag(p->cfg, 1, p->lineno, "malformed section header (no ']')");
			p->cur = NONE;
			p->seen_section = 1;
			return;
		}
		p->prev_name = 0;
		if (p->no_steps) {
			p->cur = NONE;
			return;
		}
		add_section(p, t + 1, (size_t)(end - (t + 1)));
		index_step(p);
		return;
	}
	if (!*t)
		return;
	end = (char *)find_chars_or_comment(t, "=:");
	if (*end != '=' && *end != ':') {
		diag(p->cfg, 1, p->lineno, "malformed line: expected 'key = value', '[section]' or a comment");
		return;
	}
	p->prev_name = 1;
}

static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *line, *eol;
	size_t n;

	if (p->pos >= p->len)
		return NULL;
	line = p->text + p->pos;
	eol = memchr(line, '\n', p->len - p->pos);
	n = eol ? (size_t)(eol - line) : p->len - p->pos;
	p->pos += n + (eol ? 1 : 0);
	p->lineno++;
	if (p->lineno == 1 && n >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) {
		line += 3;
		n -= 3;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (memchr(line, '\0', n)) {
		diag(p->cfg, 1, p->lineno, "line holds a NUL byte");
		n = 0;
	} else if (n + 1 > (size_t)num) {
		diag(p->cfg, 1, p->lineno, "line longer than %d bytes", num - 1);
		n = 0;
	}
	memcpy(str, line, n);
	str[n] = '\0';
	/* classify() trims the end of str in place: inih does the same. */
	classify(p, str);
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct config *cfg = p->cfg;
	struct config_step *st;
	struct config_param *kv;
	size_t i;

	(void)section;
	if (p->cur == NONE) {
		if (!p->seen_section)
			diag(cfg, 1, p->lineno, "key '%s' outside a section", name);
		return 1;
	}
	st = &cfg->steps[p->cur];
	if (p->continuation) {
		/* An indented line continues the previous key (configparser style). */
		kv = &st->params[p->last_param];
		if (*value) {
			char *joined = *kv->value ? xstrfmt("%s %s", kv->value, value) : xstrdup(value);

			free(kv->value);
			kv->value = joined;
		}
		return 1;
	}
	for (i = 0; i < st->nparams; i++)
		if (!strcmp(st->params[i].key, name)) {
			diag(cfg, 1, p->lineno, "duplicate key '%s' in [%s] (first at line %zu)", name,
			     st->name, st->params[i].line);
			return 1;
		}
	st->params = xrealloc(st->params, (st->nparams + 1) * sizeof(*st->params));
	kv = &st->params[st->nparams];
	kv->key = xstrdup(name);
	kv->value = xstrdup(value);
	kv->line = p->lineno;
	p->last_param = st->nparams++;
	return 1;
}

/* --- key semantics --- */

/* "last_proc", "last_proc2": suffix "" / "2"; the _amend form sets *amend. */
static int match_numbered(const char *key, const char *prefix, const char **suffix, size_t *sn,
			  int *amend)
{
	size_t pl = strlen(prefix), kl = strlen(key), i;

	if (strncmp(key, prefix, pl))
		return 0;
	*amend = 0;
	if (kl >= pl + 6 && !strcmp(key + kl - 6, "_amend")) {
		*amend = 1;
		kl -= 6;
	}
	*suffix = key + pl;
	*sn = kl - pl;
	for (i = 0; i < *sn; i++)
		if (!isdigit((unsigned char)(*suffix)[i]))
			return 0;
	return 1;
}

/* "del_K" / "del_K_amend" with any non-empty K. */
static int match_del(const char *key, const char **suffix, size_t *sn, int *amend)
{
	size_t kl = strlen(key);

	if (strncmp(key, "del_", 4))
		return 0;
	*amend = 0;
	if (kl > 4 + 6 && !strcmp(key + kl - 6, "_amend")) {
		*amend = 1;
		kl -= 6;
	}
	*suffix = key + 4;
	*sn = kl - 4;
	return *sn > 0;
}

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

static size_t dataset_get(struct config *cfg, const char *name)
{
	struct config_dataset *d;
	size_t i;

	if (strmap_get(&cfg->dataset_index, name, &i))
		return i;
	/* The map borrows the name strings, which stay put when the array moves. */
	if (!(cfg->ndatasets & (cfg->ndatasets - 1)))
		cfg->datasets = xrealloc(cfg->datasets,
					 (cfg->ndatasets ? 2 * cfg->ndatasets : 1) * sizeof(*cfg->datasets));
	d = &cfg->datasets[cfg->ndatasets];
	d->name = xstrdup(name);
	d->parent = NONE;
	d->written = 0;
	strmap_put(&cfg->dataset_index, d->name, cfg->ndatasets);
	return cfg->ndatasets++;
}

static void add_io(struct config *cfg, struct config_step *st, const char *name,
		   enum config_io_kind kind, int implicit, size_t line)
{
	struct config_io *io;
	size_t d = dataset_get(cfg, name), i;

	for (i = 0; i < st->nio; i++)
		if (st->io[i].dataset == d && st->io[i].kind == kind)
			return;
	st->io = xrealloc(st->io, (st->nio + 1) * sizeof(*st->io));
	io = &st->io[st->nio++];
	io->dataset = d;
	io->kind = kind;
	io->implicit = implicit;
	io->line = line;
	if (kind == CONFIG_WRITES && !implicit)
		cfg->datasets[d].written = 1;
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
static void split_list(struct config *cfg, const struct config_param *kv, const char *what,
		       void (*fn)(struct config *, size_t, const struct config_param *, const char *),
		       size_t step)
{
	const char *s = kv->value, *comma;

	if (!*s) {
		diag(cfg, 1, kv->line, "'%s' is empty: expected %s", kv->key, what);
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
			diag(cfg, 1, kv->line, "'%s' has an empty item: expected %s", kv->key, what);
		else
			fn(cfg, step, kv, item);
		free(item);
		if (!comma)
			break;
		s = comma + 1;
	}
}

static void list_read(struct config *cfg, size_t step, const struct config_param *kv, const char *item)
{
	if (!valid_dataset(item)) {
		diag(cfg, 1, kv->line, "'%s' is not a dataset name in '%s'", item, kv->key);
		return;
	}
	add_io(cfg, &cfg->steps[step], item, CONFIG_READS, 0, kv->line);
}

static void list_write(struct config *cfg, size_t step, const struct config_param *kv, const char *item)
{
	if (!valid_dataset(item)) {
		diag(cfg, 1, kv->line, "'%s' is not a dataset name in '%s'", item, kv->key);
		return;
	}
	add_io(cfg, &cfg->steps[step], item, CONFIG_WRITES, 0, kv->line);
}

static void add_edge(struct config *cfg, size_t step, size_t after, enum config_reason why,
		     size_t dataset, size_t line)
{
	struct config_edge *e;

	if (step == after)
		return;
	if (!(cfg->nedges & (cfg->nedges - 1)))
		cfg->edges = xrealloc(cfg->edges, (cfg->nedges ? 2 * cfg->nedges : 1) * sizeof(*cfg->edges));
	e = &cfg->edges[cfg->nedges++];
	e->step = step;
	e->after = after;
	e->reason = why;
	e->dataset = dataset;
	e->line = line;
}

static void list_after(struct config *cfg, size_t step, const struct config_param *kv, const char *item)
{
	size_t other;

	if (!strmap_get(&cfg->step_index, item, &other)) {
		diag(cfg, 1, kv->line, "after = %s: no step [%s] in this config", item, item);
		return;
	}
	if (other == step) {
		diag(cfg, 1, kv->line, "after = %s: a step cannot run after itself", item);
		return;
	}
	add_edge(cfg, step, other, CONFIG_BY_AFTER, NONE, kv->line);
}

static const struct config_param *find_numbered(const struct config_step *st, const char *prefix,
						const char *suffix, size_t sn)
{
	size_t i, pl = strlen(prefix);

	for (i = 0; i < st->nparams; i++) {
		const char *k = st->params[i].key;

		if (!strncmp(k, prefix, pl) && strlen(k) == pl + sn && !strncmp(k + pl, suffix, sn))
			return &st->params[i];
	}
	return NULL;
}

/* One dataset key: `last_procN` (with its amend), `del_K` (with its amend). */
static void keyed_dataset(struct config *cfg, size_t step, const struct config_param *kv,
			  const char *prefix, const char *suffix, size_t sn, enum config_io_kind kind)
{
	struct config_step *st = &cfg->steps[step];
	char *amend_key = xstrfmt("%s%.*s_amend", prefix, (int)sn, suffix);
	const char *amend = config_step_param(st, amend_key);

	/* A bad amend value is reported at its own key (step_keys). */
	if (!valid_dataset(kv->value)) {
		diag(cfg, 1, kv->line, "%s = '%s': not a dataset name", kv->key, kv->value);
	} else if (amend && valid_dataset(amend)) {
		char *name = xstrfmt("%s/%s", kv->value, amend);

		add_io(cfg, st, name, kind, 0, kv->line);
		free(name);
	} else if (!amend) {
		add_io(cfg, st, kv->value, kind, 0, kv->line);
	}
	free(amend_key);
}

static int is_reserved(const char *key)
{
	size_t i;

	for (i = 0; reserved_keys[i]; i++)
		if (!strcmp(key, reserved_keys[i]))
			return 1;
	return 0;
}

static void step_keys(struct config *cfg, size_t step)
{
	struct config_step *st = &cfg->steps[step];
	const char *cur_to = NULL;
	size_t i;

	for (i = 0; i < st->nparams; i++) {
		const struct config_param *kv = &st->params[i];
		const char *k = kv->key, *suffix;
		size_t sn;
		int amend;
		long n;

		if (is_reserved(k)) {
			diag(cfg, 1, kv->line, "'%s' is reserved for pmeta's own step property", k);
		} else if (match_numbered(k, "last_proc", &suffix, &sn, &amend)) {
			if (!amend) {
				keyed_dataset(cfg, step, kv, "last_proc", suffix, sn, CONFIG_READS);
			} else if (!find_numbered(st, "last_proc", suffix, sn)) {
				diag(cfg, 1, kv->line, "'%s' without 'last_proc%.*s'", k, (int)sn, suffix);
			} else if (!valid_dataset(kv->value)) {
				diag(cfg, 1, kv->line, "%s = '%s': not a folder name", k, kv->value);
			}
		} else if (match_del(k, &suffix, &sn, &amend)) {
			if (!amend) {
				keyed_dataset(cfg, step, kv, "del_", suffix, sn, CONFIG_DELETES);
			} else if (!find_numbered(st, "del_", suffix, sn)) {
				diag(cfg, 1, kv->line, "'%s' without 'del_%.*s'", k, (int)sn, suffix);
			} else if (!valid_dataset(kv->value)) {
				diag(cfg, 1, kv->line, "%s = '%s': not a folder name", k, kv->value);
			}
		} else if (!strcmp(k, "cur_proc_to")) {
			if (!valid_dataset(kv->value))
				diag(cfg, 1, kv->line, "cur_proc_to = '%s': not a dataset name", kv->value);
			else {
				cur_to = kv->value;
				add_io(cfg, st, kv->value, CONFIG_WRITES, 0, kv->line);
			}
		} else if (!strcmp(k, "output_folder")) {
			if (!valid_dataset(kv->value))
				diag(cfg, 1, kv->line, "output_folder = '%s': not a dataset name", kv->value);
			else
				add_io(cfg, st, kv->value, CONFIG_READS, 0, kv->line);
		} else if (!strcmp(k, "reads")) {
			split_list(cfg, kv, "dataset names", list_read, step);
		} else if (!strcmp(k, "writes")) {
			split_list(cfg, kv, "dataset names", list_write, step);
		} else if (!strcmp(k, "max_shard")) {
			if (parse_int(kv->value, 1, MAX_SHARD, &n) < 0)
				diag(cfg, 1, kv->line, "max_shard = '%s': not a positive integer (1..%d)",
				     kv->value, MAX_SHARD);
			else
				st->max_shard = (int)n;
		} else if (!strcmp(k, "timeout")) {
			if (parse_int(kv->value, 1, INT_MAX, &n) < 0)
				diag(cfg, 1, kv->line, "timeout = '%s': not a positive integer (seconds)", kv->value);
			else
				st->timeout = n;
		} else if (!strcmp(k, "retries")) {
			if (parse_int(kv->value, 0, 1000, &n) < 0)
				diag(cfg, 1, kv->line, "retries = '%s': not an integer in 0..1000", kv->value);
			else
				st->retries = (int)n;
		}
		if (strstr(kv->value, " #"))
			diag(cfg, 0, kv->line, "'#' after a value is not a comment: %s = '%s' (use ' ;')",
			     k, kv->value);
	}
	/* A step writes its own dataset unless cur_proc_to says where instead. */
	if (!cur_to)
		add_io(cfg, st, st->name, CONFIG_WRITES, 0, st->line);
}

/* `after =` is read once every section is known (it may name a later one). */
static void step_after(struct config *cfg, size_t step)
{
	const char *v = config_step_param(&cfg->steps[step], "after");
	size_t i;

	if (!v)
		return;
	for (i = 0; i < cfg->steps[step].nparams; i++)
		if (!strcmp(cfg->steps[step].params[i].key, "after"))
			split_list(cfg, &cfg->steps[step].params[i], "step names", list_after, step);
}

const char *config_step_param(const struct config_step *step, const char *key)
{
	size_t i;

	for (i = 0; i < step->nparams; i++)
		if (!strcmp(step->params[i].key, key))
			return step->params[i].value;
	return NULL;
}

/* --- derived order --- */

/* Steps using each dataset, as compressed rows (CSR) per io kind. */
struct users {
	size_t *start;      /* ndatasets + 1 */
	size_t *step;
	size_t *line;
};

static void users_build(struct users *u, const struct config *cfg, int kinds)
{
	size_t i, j, *fill;

	u->start = xcalloc(cfg->ndatasets + 1, sizeof(size_t));
	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nio; j++)
			if (kinds & (1 << cfg->steps[i].io[j].kind))
				u->start[cfg->steps[i].io[j].dataset + 1]++;
	for (i = 0; i < cfg->ndatasets; i++)
		u->start[i + 1] += u->start[i];
	u->step = xmalloc((u->start[cfg->ndatasets] + 1) * sizeof(size_t));
	u->line = xmalloc((u->start[cfg->ndatasets] + 1) * sizeof(size_t));
	fill = xmalloc((cfg->ndatasets + 1) * sizeof(size_t));
	memcpy(fill, u->start, cfg->ndatasets * sizeof(size_t));
	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nio; j++) {
			const struct config_io *io = &cfg->steps[i].io[j];

			if (kinds & (1 << io->kind)) {
				u->step[fill[io->dataset]] = i;
				u->line[fill[io->dataset]++] = io->line;
			}
		}
	free(fill);
}

static void users_release(struct users *u)
{
	free(u->start);
	free(u->step);
	free(u->line);
}

#define BIT(k) (1 << (k))

/* Rule 2: X/A that no step writes is written by the steps that read X. */
static void amend_writers(struct config *cfg)
{
	struct users readers;
	size_t d, n = cfg->ndatasets, k;

	for (d = 0; d < n; d++) {
		const char *slash = strrchr(cfg->datasets[d].name, '/');
		char *x;

		if (slash) {
			x = xstrndup(cfg->datasets[d].name, (size_t)(slash - cfg->datasets[d].name));
			if (!strmap_get(&cfg->dataset_index, x, &cfg->datasets[d].parent))
				cfg->datasets[d].parent = NONE;
			free(x);
		}
	}
	users_build(&readers, cfg, BIT(CONFIG_READS));
	for (d = 0; d < n; d++) {
		size_t x = cfg->datasets[d].parent;

		if (x == NONE || cfg->datasets[d].written)
			continue;
		for (k = readers.start[x]; k < readers.start[x + 1]; k++)
			add_io(cfg, &cfg->steps[readers.step[k]], cfg->datasets[d].name, CONFIG_WRITES, 1,
			       readers.line[k]);
	}
	users_release(&readers);
}

static void derive_edges(struct config *cfg)
{
	struct users writers, readers, deleters, users;
	size_t d, a, b, k;

	users_build(&writers, cfg, BIT(CONFIG_WRITES));
	users_build(&readers, cfg, BIT(CONFIG_READS));
	users_build(&deleters, cfg, BIT(CONFIG_DELETES));
	users_build(&users, cfg, BIT(CONFIG_READS) | BIT(CONFIG_WRITES));
	for (d = 0; d < cfg->ndatasets; d++) {
		const char *name = cfg->datasets[d].name;
		size_t cut;

		/* Rule 1: readers after writers. */
		for (a = readers.start[d]; a < readers.start[d + 1]; a++)
			for (b = writers.start[d]; b < writers.start[d + 1]; b++)
				add_edge(cfg, readers.step[a], writers.step[b], CONFIG_BY_DATA, d,
					 readers.line[a]);
		/* Rule 3: deleters of d, or of a folder holding d, after its users. */
		for (cut = strlen(name);;) {
			size_t owner;
			char *prefix = xstrndup(name, cut);
			int found = strmap_get(&cfg->dataset_index, prefix, &owner);
			const char *slash;

			free(prefix);
			if (found)
				for (a = deleters.start[owner]; a < deleters.start[owner + 1]; a++)
					for (k = users.start[d]; k < users.start[d + 1]; k++)
						add_edge(cfg, deleters.step[a], users.step[k], CONFIG_BY_DELETE,
							 d, deleters.line[a]);
			slash = memrchr(name, '/', cut);
			if (!slash)
				break;
			cut = (size_t)(slash - name);
		}
	}
	users_release(&writers);
	users_release(&readers);
	users_release(&deleters);
	users_release(&users);
}

static int cmp_edge(const void *a, const void *b)
{
	const struct config_edge *x = a, *y = b;

	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->after != y->after)
		return x->after < y->after ? -1 : 1;
	/* Stable enough for messages: the earliest reason first. */
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void build_deps(struct config *cfg)
{
	size_t i, s;

	if (cfg->nedges)
		qsort(cfg->edges, cfg->nedges, sizeof(*cfg->edges), cmp_edge);
	for (i = 0; i < cfg->nedges; i = s) {
		struct config_step *st = &cfg->steps[cfg->edges[i].step];

		for (s = i; s < cfg->nedges && cfg->edges[s].step == cfg->edges[i].step; s++)
			if (s == i || cfg->edges[s].after != cfg->edges[s - 1].after) {
				st->deps = xrealloc(st->deps, (st->ndeps + 1) * sizeof(size_t));
				st->deps[st->ndeps++] = cfg->edges[s].after;
			}
	}
}

static const struct config_edge *find_edge(const struct config *cfg, size_t step, size_t after)
{
	size_t lo = 0, hi = cfg->nedges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct config_edge *e = &cfg->edges[mid];

		if (e->step < step || (e->step == step && e->after < after))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cfg->nedges ? &cfg->edges[lo] : NULL;
}

static void explain_edge(struct strbuf *sb, const struct config *cfg, const struct config_edge *e)
{
	const struct config_step *s = &cfg->steps[e->step], *a = &cfg->steps[e->after];
	const char *dname = e->dataset != NONE ? cfg->datasets[e->dataset].name : "";

	strbuf_addf(sb, "\n  %s:%zu: [%s] runs after [%s]: ", cfg->file, e->line, s->name, a->name);
	switch (e->reason) {
	case CONFIG_BY_DATA:
		strbuf_addf(sb, "reads '%s', which [%s] writes", dname, a->name);
		break;
	case CONFIG_BY_DELETE:
		strbuf_addf(sb, "deletes '%s', which [%s] uses", dname, a->name);
		break;
	case CONFIG_BY_AFTER:
		strbuf_addf(sb, "after = %s", a->name);
		break;
	}
}

/*
 * stack[j] runs after stack[j + 1], and the top runs after w: in execution
 * order the cycle is w, top, top - 1, ..., w. Printed from the step that
 * comes first in the file, with the reason of each edge.
 */
static void report_cycle(struct config *cfg, const size_t *stack, size_t top, size_t w)
{
	struct strbuf sb = STRBUF_INIT;
	size_t from, n, j, lo = 0, *cyc;

	for (from = top - 1; stack[from] != w; from--)
		;
	n = top - from;
	cyc = xmalloc(n * sizeof(*cyc));
	cyc[0] = w;
	for (j = 1; j < n; j++)
		cyc[j] = stack[top - j];
	for (j = 1; j < n; j++)
		if (cyc[j] < cyc[lo])
			lo = j;
	strbuf_addstr(&sb, "cycle: ");
	for (j = 0; j <= n; j++)
		strbuf_addf(&sb, "%s%s", j ? " -> " : "", cfg->steps[cyc[(lo + j) % n]].name);
	for (j = 0; j < n; j++) {
		size_t before = cyc[(lo + j) % n], later = cyc[(lo + j + 1) % n];

		explain_edge(&sb, cfg, find_edge(cfg, later, before));
	}
	diag(cfg, 1, cfg->steps[cyc[lo]].line, "%s", sb.buf);
	strbuf_release(&sb);
	free(cyc);
}

/* Rule 6: an iterative DFS over deps; the first back edge names the cycle. */
static void find_cycle(struct config *cfg)
{
	unsigned char *color = xcalloc(cfg->nsteps, 1);  /* 0 new, 1 on stack, 2 done */
	size_t *stack = xmalloc((cfg->nsteps + 1) * sizeof(size_t));
	size_t *next = xcalloc(cfg->nsteps, sizeof(size_t));
	size_t root, top;

	for (root = 0; root < cfg->nsteps; root++) {
		if (color[root])
			continue;
		top = 0;
		stack[top++] = root;
		color[root] = 1;
		while (top) {
			size_t v = stack[top - 1], w;

			if (next[v] == cfg->steps[v].ndeps) {
				color[v] = 2;
				top--;
				continue;
			}
			w = cfg->steps[v].deps[next[v]++];
			if (color[w] == 0) {
				color[w] = 1;
				stack[top++] = w;
			} else if (color[w] == 1) {
				report_cycle(cfg, stack, top, w);
				goto out;
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
}

static int cmp_input(const void *a, const void *b, void *arg)
{
	const struct config *cfg = arg;

	return strcmp(cfg->datasets[*(const size_t *)a].name, cfg->datasets[*(const size_t *)b].name);
}

/* Rule 5: datasets some step reads and no step writes. */
static void find_inputs(struct config *cfg)
{
	unsigned char *written = xcalloc(cfg->ndatasets + 1, 1), *read = xcalloc(cfg->ndatasets + 1, 1);
	size_t i, j;

	for (i = 0; i < cfg->nsteps; i++)
		for (j = 0; j < cfg->steps[i].nio; j++) {
			const struct config_io *io = &cfg->steps[i].io[j];

			if (io->kind == CONFIG_WRITES)
				written[io->dataset] = 1;
			else if (io->kind == CONFIG_READS)
				read[io->dataset] = 1;
		}
	cfg->inputs = xmalloc((cfg->ndatasets + 1) * sizeof(size_t));
	for (i = 0; i < cfg->ndatasets; i++)
		if (read[i] && !written[i])
			cfg->inputs[cfg->ninputs++] = i;
	qsort_r(cfg->inputs, cfg->ninputs, sizeof(size_t), cmp_input, cfg);
	free(written);
	free(read);
}

int config_parse(struct config **out, const char *file, const char *text, size_t len,
		 const char *schedule, const char *process)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct parse p;
	git_oid oid;
	size_t i;
	int rc;

	*out = cfg;
	cfg->file = xstrdup(file);
	if (schedule)
		cfg->schedule = xstrdup(schedule);
	if (process) {
		cfg->process = xstrdup(process);
		if (config_split_version(process, &cfg->family, &cfg->version) < 0) {
			diag(cfg, 1, 0, "process folder '%s' is not named NAME_v_NNN (e.g. p_002_v_000)", process);
		} else {
			const char *pr = cfg->family;

			if (!strncmp(pr, "p_", 2) && pr[2])
				pr += 2;
			cfg->prname = xstrdup(pr);
		}
	}
	if (git_odb_hash(&oid, text, len, GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(cfg->hash, sizeof(cfg->hash), &oid);

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.text = text;
	p.len = len;
	p.cur = NONE;
	rc = ini_parse_stream(reader, &p, handler, &p);
	if (rc < 0)
		diag(cfg, 1, 0, "inih could not parse the file (code %d)", rc);
	else if (rc > 0 && !cfg->nerrors)
		diag(cfg, 1, (size_t)rc, "malformed line");

	for (i = 0; i < cfg->nsteps; i++)
		step_keys(cfg, i);
	for (i = 0; i < cfg->nsteps; i++)
		step_after(cfg, i);
	amend_writers(cfg);
	derive_edges(cfg);
	build_deps(cfg);
	find_cycle(cfg);
	find_inputs(cfg);
	if (!cfg->nsteps && !cfg->nerrors)
		diag(cfg, 0, 0, "no sections: the process has no steps");

	if (cfg->nerrors) {
		char *msg = config_error_text(cfg);

		pm_error(PM_ECONFIG, "%s", msg);
		free(msg);
		return -1;
	}
	return 0;
}

static int cmp_diag(const void *a, const void *b)
{
	const struct config_diag *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

char *config_error_text(const struct config *cfg)
{
	struct strbuf sb = STRBUF_INIT;
	struct config_diag *sorted = xmalloc((cfg->ndiags + 1) * sizeof(*sorted));
	size_t i, n = 0;

	for (i = 0; i < cfg->ndiags; i++)
		if (cfg->diags[i].error)
			sorted[n++] = cfg->diags[i];
	/* Line order reads best; qsort is not stable but lines rarely tie. */
	qsort(sorted, n, sizeof(*sorted), cmp_diag);
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sb, "\nerror: ");
		if (sorted[i].line)
			strbuf_addf(&sb, "%s:%zu: %s", cfg->file, sorted[i].line, sorted[i].msg);
		else
			strbuf_addf(&sb, "%s: %s", cfg->file, sorted[i].msg);
	}
	free(sorted);
	return strbuf_detach(&sb, NULL);
}

/* <root>/<S>/process_config/<P>/main.conf: fills root, S, P (caller frees). */
static int split_config_path(const char *abs, char **root, char **schedule, char **process)
{
	const char *part[5];
	const char *end = abs + strlen(abs);
	int i;

	for (i = 0; i < 5; i++) {
		const char *s = end;

		while (s > abs && s[-1] != '/')
			s--;
		if (s == abs && i < 4)
			return -1;
		part[i] = s;
		end = s > abs ? s - 1 : s;
	}
	/* part[0] main.conf, [1] P, [2] process_config, [3] S; root = before S */
	if (strcmp(part[0], "main.conf") || strncmp(part[2], "process_config/", 15))
		return -1;
	*process = xstrndup(part[1], strcspn(part[1], "/"));
	*schedule = xstrndup(part[3], strcspn(part[3], "/"));
	*root = part[3] > abs + 1 ? xstrndup(abs, (size_t)(part[3] - abs - 1)) : xstrdup("/");
	return 0;
}

int config_file_hash(char hash[41], const char *path)
{
	git_oid oid;

	if (git_odb_hashfile(&oid, path, GIT_OBJECT_BLOB) < 0)
		return pm_error(PM_EFAIL, "cannot read config '%s': %s", path, strerror(errno));
	git_oid_tostr(hash, 41, &oid);
	return 0;
}

int config_locate(const char *path, char **root, char **schedule, char **process)
{
	char *abs = realpath(path, NULL);
	int ret = 0;

	*root = *schedule = *process = NULL;
	if (!abs || split_config_path(abs, root, schedule, process) < 0)
		ret = pm_error(PM_ECONFIG, "%s: not where a process config lives: expected "
			       "<schedule>/process_config/<process>/main.conf", path);
	free(abs);
	return ret;
}

int config_load(struct config **out, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	char *abs = NULL, *root = NULL, *schedule = NULL, *process = NULL;
	struct config *cfg = NULL;
	size_t i;
	int ret = -1;

	*out = NULL;
	if (strbuf_read_file(&text, path) < 0)
		goto out;
	abs = realpath(path, NULL);
	if (!abs || split_config_path(abs, &root, &schedule, &process) < 0) {
		pm_error(PM_ECONFIG, "%s: not where a process config lives: expected "
			 "<schedule>/process_config/<process>/main.conf", path);
		goto out;
	}
	if (!config_is_ident(schedule) || !config_is_ident(process)) {
		pm_error(PM_ECONFIG, "%s: schedule '%s' and process '%s' must be identifiers",
			 path, schedule, process);
		goto out;
	}
	ret = config_parse(&cfg, path, text.buf, text.len, schedule, process);
	cfg->root = root;
	root = NULL;
	cfg->path = xstrfmt("%s/process_config/%s/main.conf", schedule, process);
	for (i = 0; i < cfg->nsteps; i++) {
		char *script = xstrfmt("%s/%s/pys/%s.py", cfg->root, schedule, cfg->steps[i].name);
		struct stat st;

		if (stat(script, &st) < 0 && config_is_ident(cfg->steps[i].name))
			diag(cfg, 0, cfg->steps[i].line, "no script '%s/pys/%s.py' for step [%s]",
			     schedule, cfg->steps[i].name, cfg->steps[i].name);
		free(script);
	}
	*out = cfg;
out:
	strbuf_release(&text);
	free(abs);
	free(root);
	free(schedule);
	free(process);
	return ret;
}

void config_free(struct config *cfg)
{
	size_t i, j;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nsteps; i++) {
		struct config_step *st = &cfg->steps[i];

		free(st->name);
		free(st->family);
		free(st->version);
		for (j = 0; j < st->nparams; j++) {
			free(st->params[j].key);
			free(st->params[j].value);
		}
		free(st->params);
		free(st->io);
		free(st->deps);
	}
	free(cfg->steps);
	for (i = 0; i < cfg->ndatasets; i++)
		free(cfg->datasets[i].name);
	free(cfg->datasets);
	for (i = 0; i < cfg->ndiags; i++)
		free(cfg->diags[i].msg);
	free(cfg->diags);
	free(cfg->inputs);
	free(cfg->edges);
	strmap_release(&cfg->step_index);
	strmap_release(&cfg->dataset_index);
	free(cfg->file);
	free(cfg->root);
	free(cfg->path);
	free(cfg->schedule);
	free(cfg->process);
	free(cfg->family);
	free(cfg->prname);
	free(cfg->version);
	free(cfg);
}

/* --- base.conf --- */

#define DEFAULT_INTERPRETER "python"
#define DEFAULT_TEMPLATE \
	"{interpreter} ./{script} --sname={schedule} --prname={prname} --pr_version={pr_version}"

struct base_parse {
	struct parse p;
	struct config_base *base;
	struct config *diags;   /* reuses the diagnostics machinery */
};

static int base_handler(void *user, const char *section, const char *name, const char *value)
{
	struct base_parse *b = user;
	char **slot = NULL;

	/* Keys in [sections] belong to other tools; only top-level keys are ours. */
	if (*section)
		return 1;
	if (!strcmp(name, "interpreter"))
		slot = &b->base->interpreter;
	else if (!strcmp(name, "template")) {
		slot = &b->base->template;
		b->base->template_line = b->p.lineno;
	} else if (!strcmp(name, "pass_env")) {
		slot = &b->base->pass_env;
		b->base->pass_env_line = b->p.lineno;
	} else {
		diag(b->diags, 1, b->p.lineno, "unknown key '%s' (expected interpreter, template or pass_env)", name);
		return 1;
	}
	if (!*value) {
		diag(b->diags, 1, b->p.lineno, "'%s' is empty", name);
		return 1;
	}
	free(*slot);
	*slot = xstrdup(value);
	return 1;
}

int config_base_load(struct config_base *base, const char *root, const char *schedule)
{
	struct strbuf text = STRBUF_INIT;
	struct base_parse b;
	char *path = xstrfmt("%s/%s/base.conf", root, schedule);
	struct stat st;
	int ret = 0;

	memset(base, 0, sizeof(*base));
	if (stat(path, &st) == 0) {
		if (strbuf_read_file(&text, path) < 0) {
			ret = -1;
			goto out;
		}
		memset(&b, 0, sizeof(b));
		b.base = base;
		b.diags = xcalloc(1, sizeof(*b.diags));
		b.diags->file = xstrdup(path);
		b.p.cfg = b.diags;
		b.p.text = text.buf;
		b.p.len = text.len;
		b.p.cur = NONE;
		b.p.seen_section = 1;  /* top-level keys are fine here */
		b.p.no_steps = 1;
		ret = ini_parse_stream(reader, &b.p, base_handler, &b);
		if (ret > 0 && !b.diags->nerrors)
			diag(b.diags, 1, (size_t)ret, "malformed line");
		ret = 0;
		if (b.diags->nerrors) {
			char *msg = config_error_text(b.diags);

			pm_error(PM_ECONFIG, "%s", msg);
			free(msg);
			ret = -1;
		}
		base->file = xstrfmt("%s/base.conf", schedule);
		config_free(b.diags);
	}
	if (!base->interpreter)
		base->interpreter = xstrdup(DEFAULT_INTERPRETER);
	if (!base->template)
		base->template = xstrdup(DEFAULT_TEMPLATE);
out:
	strbuf_release(&text);
	free(path);
	return ret;
}

void config_base_release(struct config_base *base)
{
	if (!base)
		return;
	free(base->file);
	free(base->interpreter);
	free(base->template);
	free(base->pass_env);
	memset(base, 0, sizeof(*base));
}
