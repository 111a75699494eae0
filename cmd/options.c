/*
 * The option parser every verb uses; the conventions are in cmd/options.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/options.h"
#include "util/strbuf.h"

/* The option list's help column starts after this many characters, as git's. */
#define USAGE_WIDTH 26

enum { PARSE_GO_ON = -1, PARSE_DONE = 0, PARSE_USAGE = 2 };

struct parser {
	FILE *out, *err;
	const struct cmd_option *opts;
	const struct cmd_usage *usage;
};

void opt_list_release(struct opt_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->nr = list->alloc = 0;
}

static int takes_value(const struct cmd_option *o)
{
	return o->type != OPTION_FLAG;
}

static void print_option(FILE *out, const struct cmd_option *o)
{
	struct strbuf left = STRBUF_INIT;
	const char *help = o->help, *nl;

	strbuf_addstr(&left, "    ");
	if (o->short_name)
		strbuf_addf(&left, "-%c", o->short_name);
	if (o->short_name && o->long_name)
		strbuf_addstr(&left, ", ");
	if (o->long_name)
		strbuf_addf(&left, "--%s", o->long_name);
	if (takes_value(o))
		strbuf_addf(&left, " %s", o->argh ? o->argh : "<value>");
	/* A long left part puts the help on a line of its own. */
	if (left.len + 2 > USAGE_WIDTH)
		fprintf(out, "%s\n%*s", left.buf, USAGE_WIDTH, "");
	else
		fprintf(out, "%-*s", USAGE_WIDTH, left.buf);
	while ((nl = strchr(help, '\n'))) {
		fprintf(out, "%.*s\n%*s", (int)(nl - help), help, USAGE_WIDTH, "");
		help = nl + 1;
	}
	fprintf(out, "%s\n", help);
	strbuf_release(&left);
}

void options_usage(FILE *out, const struct cmd_option *opts, const struct cmd_usage *usage)
{
	const struct cmd_option *o;
	int any = 0;

	fprintf(out, "usage: %s", usage->synopsis);
	if (usage->about)
		fprintf(out, "\n%s", usage->about);
	for (o = opts; o->type != OPTION_END; o++) {
		if (!o->help)
			continue;
		if (!any++)
			fputc('\n', out);
		print_option(out, o);
	}
	if (usage->more)
		fprintf(out, "\n%s", usage->more);
}

static int vfail(FILE *err, const struct cmd_option *opts, const struct cmd_usage *usage,
		 const char *fmt, va_list ap) PM_PRINTF(4, 0);

static int vfail(FILE *err, const struct cmd_option *opts, const struct cmd_usage *usage,
		 const char *fmt, va_list ap)
{
	fputs("error: ", err);
	vfprintf(err, fmt, ap);
	fputs("\n\n", err);
	options_usage(err, opts, usage);
	return PARSE_USAGE;
}

int options_usage_error(const struct cmd_usage *usage, const struct cmd_option *opts,
			const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(stderr, opts, usage, fmt, ap);
	va_end(ap);
	return ret;
}

static int fail(struct parser *p, const char *fmt, ...) PM_PRINTF(2, 3);

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(p->err, p->opts, p->usage, fmt, ap);
	va_end(ap);
	return ret;
}

static void list_options(FILE *out, const struct cmd_option *opts)
{
	const struct cmd_option *o;

	for (o = opts; o->type != OPTION_END; o++) {
		fprintf(out, "%s%s ", o->long_name ? "--" : "-", o->long_name ? o->long_name : "");
		if (o->short_name)
			fprintf(out, "-%c ", o->short_name);
		else
			fputs("- ", out);
		fprintf(out, "%s %s%s\n", o->type == OPTION_FLAG ? "flag" :
			o->type == OPTION_LIST ? "list" : "value",
			takes_value(o) && o->argh ? o->argh : "-", o->help ? "" : " hidden");
	}
}

/* Stores the option's value; name is the option as the user spelled it. */
static int set_value(struct parser *p, const struct cmd_option *o, const char *name, const char *arg)
{
	switch (o->type) {
	case OPTION_FLAG:
		*(int *)o->value = 1;
		break;
	case OPTION_STRING:
		*(const char **)o->value = arg;
		break;
	case OPTION_LIST: {
		struct opt_list *l = o->value;

		if (l->nr == l->alloc) {
			l->alloc = l->alloc ? 2 * l->alloc : 4;
			l->items = xrealloc(l->items, l->alloc * sizeof(*l->items));
		}
		l->items[l->nr++] = arg;
		break;
	}
	case OPTION_INT: {
		char *end;
		long n;

		errno = 0;
		n = strtol(arg, &end, 10);
		if (!*arg || *end || errno || n < o->min || n > o->max) {
			if (o->max == LONG_MAX)
				return fail(p, "option '%s' needs a whole number of at least %ld, not '%s'",
					    name, o->min, arg);
			return fail(p, "option '%s' needs a whole number from %ld to %ld, not '%s'",
				    name, o->min, o->max, arg);
		}
		*(long *)o->value = n;
		break;
	}
	case OPTION_CALLBACK:
		pm_error_clear();
		if (o->callback(o, arg) < 0)
			return fail(p, "option '%s': %s", name, pm_error_msg());
		break;
	case OPTION_END:
		break;
	}
	return PARSE_GO_ON;
}

static const struct cmd_option *find_long(const struct cmd_option *opts, const char *name,
					  size_t len)
{
	const struct cmd_option *o;

	for (o = opts; o->type != OPTION_END; o++)
		if (o->long_name && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const struct cmd_option *find_short(const struct cmd_option *opts, char c)
{
	const struct cmd_option *o;

	for (o = opts; o->type != OPTION_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

/* argv[*i] is "--name" or "--name=value"; a value may also be argv[*i + 1]. */
static int parse_long(struct parser *p, int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cmd_option *o = find_long(p->opts, name, len);
	char *spelled;
	int ret;

	if (!o)
		return fail(p, "unknown option '--%.*s'", (int)len, name);
	spelled = xstrfmt("--%s", o->long_name);
	if (!takes_value(o))
		ret = eq ? fail(p, "option '%s' takes no value", spelled)
			 : set_value(p, o, spelled, NULL);
	else if (eq)
		ret = set_value(p, o, spelled, eq + 1);
	else if (*i + 1 < argc)
		ret = set_value(p, o, spelled, argv[++*i]);
	else
		ret = fail(p, "option '%s' needs a value", spelled);
	free(spelled);
	return ret;
}

/* argv[*i] is "-abc": flags, the last of which may take the rest as its value. */
static int parse_short(struct parser *p, int argc, char **argv, int *i)
{
	const char *s;

	for (s = argv[*i] + 1; *s; s++) {
		const struct cmd_option *o = find_short(p->opts, *s);
		char spelled[3] = { '-', *s, '\0' };

		if (!o)
			return fail(p, "unknown option '%s'", spelled);
		if (!takes_value(o)) {
			if (s[1] == '=')
				return fail(p, "option '%s' takes no value", spelled);
			set_value(p, o, spelled, NULL);
			continue;
		}
		if (s[1])
			return set_value(p, o, spelled, s[1] == '=' ? s + 2 : s + 1);
		if (*i + 1 < argc)
			return set_value(p, o, spelled, argv[++*i]);
		return fail(p, "option '%s' needs a value", spelled);
	}
	return PARSE_GO_ON;
}

int options_parse_to(FILE *out, FILE *err, int *argc, char **argv,
		     const struct cmd_option *opts, const struct cmd_usage *usage)
{
	struct parser p = { out, err, opts, usage };
	int i, n = 0, ret;

	/* Arguments move down to argv[n]: n < i always, so nothing unread is overwritten. */
	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			argv[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			while (++i < *argc)
				argv[n++] = argv[i];
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			options_usage(out, opts, usage);
			return PARSE_DONE;
		}
		if (!strcmp(a, "--list-options")) {
			list_options(out, opts);
			return PARSE_DONE;
		}
		ret = a[1] == '-' ? parse_long(&p, *argc, argv, &i) : parse_short(&p, *argc, argv, &i);
		if (ret != PARSE_GO_ON)
			return ret;
	}
	*argc = n;
	argv[n] = NULL;
	return PARSE_GO_ON;
}

int options_parse(int *argc, char **argv, const struct cmd_option *opts,
		  const struct cmd_usage *usage)
{
	return options_parse_to(stdout, stderr, argc, argv, opts, usage);
}
