/*
 * The INI reader (main.conf, base.conf): inih does the parsing; we feed it
 * line by line through ini_parse_stream so every diagnostic can name its
 * line (Debian's inih 55 is built without INI_HANDLER_LINENO). A section is
 * a step, its keys are the step's keys in file order; what they mean is
 * config_keys.c's business.
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
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "graph/config_build.h"
#include "util/strbuf.h"
#include "vcs/version.h"

#define MAX_SECTION_NAME 49     /* inih's MAX_SECTION is 50 with the NUL */

/* The reader mirrors inih's line classes to track sections. */
struct parse {
	struct config *cfg;
	const char *text;
	size_t len;
	size_t pos;
	size_t lineno;
	size_t cur;          /* step receiving keys, or CONFIG_NONE */
	int seen_section;
	int prev_name;       /* inih's prev_name: a key seen in this section */
	int continuation;    /* the line just read continues the previous key */
	int no_steps;        /* base.conf: sections are not steps */
	size_t last_param;   /* index of the last key in steps[cur] */
	/* base.conf: called for keys outside a section */
	void (*setting)(void *arg, const char *key, const char *value, size_t line);
	void *setting_arg;
};

static void parse_init(struct parse *p, struct config *cfg, const char *text, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->text = text;
	p->len = len;
	p->cur = CONFIG_NONE;
}

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
	char *nm = xstrndup(name, n);
	size_t first;

	p->cur = CONFIG_NONE;
	p->seen_section = 1;
	if (n > MAX_SECTION_NAME) {
		config_diag(cfg, 1, p->lineno, "section name '%s' is longer than %d bytes", nm,
			    MAX_SECTION_NAME);
		free(nm);
		return;
	}
	first = config_find_step(cfg, nm);
	if (first != CONFIG_NONE) {
		config_diag(cfg, 1, p->lineno, "duplicate section [%s] (first at line %zu)", nm,
			    cfg->steps[first].line);
		free(nm);
		return;
	}
	if (!version_is_ident(nm))
		config_diag(cfg, 1, p->lineno,
			    "section name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)", nm);
	p->cur = config_add_step(cfg, nm, p->lineno);
	free(nm);
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
			config_diag(p->cfg, 1, p->lineno, "malformed section header (no ']')");
			p->cur = CONFIG_NONE;
			p->seen_section = 1;
			return;
		}
		p->prev_name = 0;
		if (p->no_steps) {
			p->cur = CONFIG_NONE;
			return;
		}
		add_section(p, t + 1, (size_t)(end - (t + 1)));
		return;
	}
	if (!*t)
		return;
	end = (char *)find_chars_or_comment(t, "=:");
	if (*end != '=' && *end != ':') {
		config_diag(p->cfg, 1, p->lineno,
			    "malformed line: expected 'key = value', '[section]' or a comment");
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
		config_diag(p->cfg, 1, p->lineno, "line holds a NUL byte");
		n = 0;
	} else if (n + 1 > (size_t)num) {
		config_diag(p->cfg, 1, p->lineno, "line longer than %d bytes", num - 1);
		n = 0;
	}
	memcpy(str, line, n);
	str[n] = '\0';
	/* classify() trims the end of str in place: inih does the same. */
	classify(p, str);
	return str;
}

static int step_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct config *cfg = p->cfg;
	struct config_step *st;
	struct config_param *kv;
	size_t i;

	(void)section;
	if (p->cur == CONFIG_NONE) {
		if (!p->seen_section && !strcmp(name, "description")) {
			/* The process's own description, before its steps (docs/config.md). */
			char *d = p->continuation && cfg->description && *value
				  ? xstrfmt("%s %s", cfg->description, value) : xstrdup(value);

			if (!p->continuation && cfg->description)
				config_diag(cfg, 1, p->lineno, "duplicate key 'description'");
			free(cfg->description);
			cfg->description = d;
		} else if (!p->seen_section) {
			config_diag(cfg, 1, p->lineno, "key '%s' outside a section", name);
		}
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
			config_diag(cfg, 1, p->lineno, "duplicate key '%s' in [%s] (first at line %zu)", name,
				    st->name, st->params[i].line);
			return 1;
		}
	p->last_param = config_add_param(cfg, p->cur, name, value, p->lineno);
	return 1;
}

void config_read_ini(struct config *cfg, const char *text, size_t len)
{
	struct parse p;
	int rc;

	parse_init(&p, cfg, text, len);
	rc = ini_parse_stream(reader, &p, step_handler, &p);
	if (rc < 0)
		config_diag(cfg, 1, 0, "inih could not parse the file (code %d)", rc);
	else if (rc > 0 && !cfg->nerrors)
		config_diag(cfg, 1, (size_t)rc, "malformed line");
	if (!cfg->description)
		cfg->description = config_leading_comment(text, len, "#;");
}

static int setting_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;

	/* Keys in [sections] belong to other tools; only top-level keys are ours. */
	if (!*section)
		p->setting(p->setting_arg, name, value, p->lineno);
	return 1;
}

void config_read_ini_settings(struct config *cfg, const char *text, size_t len,
			      void (*fn)(void *arg, const char *key, const char *value, size_t line),
			      void *arg)
{
	struct parse p;
	int rc;

	parse_init(&p, cfg, text, len);
	p.seen_section = 1;  /* top-level keys are fine here */
	p.no_steps = 1;
	p.setting = fn;
	p.setting_arg = arg;
	rc = ini_parse_stream(reader, &p, setting_handler, &p);
	if (rc > 0 && !cfg->nerrors)
		config_diag(cfg, 1, (size_t)rc, "malformed line");
}
