/*
 * The config model: one struct config, whichever reader filled it, and the
 * pipeline that compiles it (graph/config_build.h): read, give the keys
 * their meaning, derive the order, then report.
 */
#include <stdlib.h>
#include <string.h>


#include "graph/config_build.h"
#include "util/strbuf.h"
#include "util/utf8.h"
#include "vcs/version.h"

void config_diag(struct config *cfg, int error, size_t line, const char *fmt, ...)
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

size_t config_find_step(const struct config *cfg, const char *name)
{
	size_t i;

	return strmap_get(&cfg->step_index, name, &i) ? i : CONFIG_NONE;
}

size_t config_add_step(struct config *cfg, const char *name, size_t line)
{
	struct config_step *st;

	if (!(cfg->nsteps & (cfg->nsteps - 1)))
		cfg->steps = xrealloc(cfg->steps, (cfg->nsteps ? 2 * cfg->nsteps : 1) * sizeof(*cfg->steps));
	st = &cfg->steps[cfg->nsteps];
	memset(st, 0, sizeof(*st));
	st->name = xstrdup(name);
	st->line = line;
	/* The map borrows the step's name, which stays put when steps move. */
	strmap_put(&cfg->step_index, st->name, cfg->nsteps);
	return cfg->nsteps++;
}

size_t config_add_param(struct config *cfg, size_t step, const char *key, const char *value,
			size_t line)
{
	struct config_step *st = &cfg->steps[step];
	struct config_param *kv;

	st->params = xrealloc(st->params, (st->nparams + 1) * sizeof(*st->params));
	kv = &st->params[st->nparams];
	kv->key = xstrdup(key);
	kv->value = xstrdup(value);
	kv->line = line;
	kv->typed = NULL;
	return st->nparams++;
}

const char *config_step_param(const struct config_step *step, const char *key)
{
	size_t i;

	for (i = 0; i < step->nparams; i++)
		if (!strcmp(step->params[i].key, key))
			return step->params[i].value;
	return NULL;
}

size_t config_dataset(struct config *cfg, const char *name)
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
	d->parent = CONFIG_NONE;
	d->written = 0;
	strmap_put(&cfg->dataset_index, d->name, cfg->ndatasets);
	return cfg->ndatasets++;
}

void config_add_io(struct config *cfg, size_t step, const char *dataset, enum config_io_kind kind,
		   int implicit, size_t line)
{
	struct config_step *st = &cfg->steps[step];
	struct config_io *io;
	size_t d = config_dataset(cfg, dataset), i;

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

void config_add_edge(struct config *cfg, size_t step, size_t after, enum config_reason why,
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

#define MAX_DESCRIPTION 4096

char *config_leading_comment(const char *text, size_t len, const char *markers)
{
	struct strbuf sb = STRBUF_INIT;
	size_t pos = 0;

	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		pos = 3;
	while (pos < len) {
		const char *line = text + pos, *eol = memchr(line, '\n', len - pos);
		size_t n = eol ? (size_t)(eol - line) : len - pos;

		pos += n + (eol ? 1 : 0);
		if (n && line[n - 1] == '\r')
			n--;
		if (!n && !sb.len)
			continue;
		/* A blank line, or anything but a comment, ends the block. */
		if (!n || !strchr(markers, line[0]))
			break;
		/* "#!" and "-*- coding" lines are for the system, not the reader. */
		if ((n >= 2 && line[1] == '!') || memmem(line, n, "-*-", 3))
			continue;
		while (n && strchr(markers, line[0])) {
			line++;
			n--;
		}
		if (n && line[0] == ' ') {
			line++;
			n--;
		}
		strbuf_add(&sb, line, n);
		strbuf_addch(&sb, '\n');
	}
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' '))
		strbuf_setlen(&sb, sb.len - 1);
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	if (sb.len > MAX_DESCRIPTION) {
		size_t cut = MAX_DESCRIPTION;

		/* Not inside a UTF-8 sequence. */
		while (cut && ((unsigned char)sb.buf[cut] & 0xC0) == 0x80)
			cut--;
		strbuf_setlen(&sb, cut);
	}
	return strbuf_detach(&sb, NULL);
}

/* The model of one file, before any reader ran. */
static struct config *config_new(const char *file, const char *text, size_t len,
				 const char *schedule, const char *process)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->file = xstrdup(file);
	if (schedule)
		cfg->schedule = xstrdup(schedule);
	if (process) {
		cfg->process = xstrdup(process);
		if (version_split(process, &cfg->family, &cfg->version) < 0) {
			config_diag(cfg, 1, 0, "process folder '%s' is not named NAME_v_NNN (e.g. p_002_v_000)",
				    process);
		} else {
			cfg->prname = xstrdup(version_prname(cfg->family));
		}
	}
	config_text_hash(cfg->hash, text, len);
	return cfg;
}

char *config_check_text(struct config *cfg, const char *text, size_t len, size_t *clean_len)
{
	struct strbuf clean = STRBUF_INIT;
	size_t pos = 0, line = 1, line_start = 0, reported = 0;
	int bad = 0;

	while (pos < len) {
		size_t ok = utf8_valid_prefix(text + pos, len - pos), i;

		/* Lines end at '\n', an ASCII byte: count them through the valid part. */
		for (i = pos; i < pos + ok; i++)
			if (text[i] == '\n') {
				line++;
				line_start = i + 1;
			}
		strbuf_add(&clean, text + pos, ok);
		pos += ok;
		if (pos == len)
			break;
		if (reported != line)
			config_diag(cfg, 1, line, "invalid UTF-8: byte 0x%02x at column %zu "
				    "(a config is UTF-8 text)", (unsigned char)text[pos], pos - line_start + 1);
		reported = line;
		bad = 1;
		strbuf_addstr(&clean, "\xEF\xBF\xBD");  /* U+FFFD REPLACEMENT CHARACTER */
		pos++;
	}
	if (!bad) {
		strbuf_release(&clean);
		return NULL;
	}
	return strbuf_detach(&clean, clean_len);
}

int config_compile(struct config **out, const struct config_reader *reader, const char *file,
		   const char *text, size_t len, const char *schedule, const char *process)
{
	struct config *cfg = config_new(file, text, len, schedule, process);
	size_t clean_len = 0;
	char *clean = config_check_text(cfg, text, len, &clean_len);

	*out = cfg;
	reader->read(cfg, clean ? clean : text, clean ? clean_len : len);
	free(clean);
	config_apply_keys(cfg);
	config_derive(cfg);
	/* Importing a config without steps would retire every step of its process. */
	if (!cfg->nsteps && !cfg->nerrors)
		config_diag(cfg, 1, 1, "the config defines no step (it is empty or holds only comments); "
			    "a process needs at least one");

	if (cfg->nerrors) {
		char *msg = config_error_text(cfg);

		pm_error(PM_ECONFIG, "%s", msg);
		free(msg);
		return -1;
	}
	return 0;
}

char *config_describe(const char *file_name, const char *text, size_t len)
{
	const struct config_reader *reader = config_reader_for(file_name);
	struct config *cfg;
	char *d;

	if (!reader)
		return NULL;
	/* The reader alone: a description needs no key meanings nor order. */
	cfg = config_new(file_name, text, len, NULL, NULL);
	reader->read(cfg, text, len);
	d = cfg->description && *cfg->description ? cfg->description : NULL;
	if (d)
		cfg->description = NULL;
	config_free(cfg);
	return d;
}

int config_parse(struct config **out, const char *file, const char *text, size_t len,
		 const char *schedule, const char *process)
{
	return config_compile(out, config_reader_for("main.conf"), file, text, len, schedule, process);
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

void config_free(struct config *cfg)
{
	size_t i, j;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nsteps; i++) {
		struct config_step *st = &cfg->steps[i];

		free(st->name);
		free(st->procedure);
		free(st->family);
		free(st->version);
		free(st->items);
		for (j = 0; j < st->nparams; j++) {
			free(st->params[j].key);
			free(st->params[j].value);
			json_decref(st->params[j].typed);
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
	free(cfg->description);
	free(cfg->root);
	free(cfg->path);
	free(cfg->schedule);
	free(cfg->process);
	free(cfg->family);
	free(cfg->prname);
	free(cfg->version);
	free(cfg);
}
