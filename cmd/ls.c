/*
 * pmeta ls: the registry as a table, newest first (graph/registry.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta ls [--schedule <s>] [--family <f>] [--author <name|email>]\n"
	"                [--format text|json]\n",
	"Lists the registry: every procedure and process version of this workspace\n"
	"in the graph, newest first (versions never committed first), with its\n"
	"kind, author, created time, the version it was forked from and the first\n"
	"line of its description. Filters combine. 'pmeta show <name>' prints one\n"
	"version's card. The facts come from 'pmeta import', 'pmeta fork' and\n"
	"'pmeta sync'.\n",
	NULL
};

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The first line of text, at most max bytes, not cut inside a UTF-8 sequence. */
static char *first_line(const char *text, size_t max)
{
	size_t n = strcspn(text, "\n");

	if (n > max) {
		n = max;
		while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
		return xstrfmt("%.*s...", (int)n, text);
	}
	return xstrndup(text, n);
}

/* Display width of UTF-8 text: code points (wide characters count as one). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void cell(const char *s, size_t w)
{
	size_t have = width(s);

	fputs(s, stdout);
	while (have++ < w + 2)
		putchar(' ');
}

static void print_table(const json_t *rows)
{
	static const char *const head[] = { "NAME", "KIND", "SCHEDULE", "AUTHOR", "CREATED",
					    "FORKED FROM", "DESCRIPTION" };
	size_t w[6], i, k;
	const json_t *r;

	for (k = 0; k < 6; k++)
		w[k] = strlen(head[k]);
	json_array_foreach(rows, i, r) {
		const char *v[6] = { str(r, "name"), str(r, "kind"), str(r, "schedule"), str(r, "author"),
				     str(r, "created_at"), str(r, "forked_from") };

		for (k = 0; k < 6; k++)
			if (width(v[k]) > w[k])
				w[k] = width(v[k]);
	}
	for (k = 0; k < 7; k++)
		if (k < 6)
			cell(head[k], w[k]);
		else
			printf("%s\n", head[k]);
	json_array_foreach(rows, i, r) {
		const char *v[6] = { str(r, "name"), str(r, "kind"), str(r, "schedule"),
				     *str(r, "author") ? str(r, "author") : "-",
				     *str(r, "created_at") ? str(r, "created_at") : "-",
				     *str(r, "forked_from") ? str(r, "forked_from") : "-" };
		char *d = first_line(str(r, "description"), 60);

		for (k = 0; k < 6; k++)
			cell(v[k], w[k]);
		printf("%s\n", d);
		free(d);
	}
	printf("%zu version%s\n", json_array_size(rows), json_array_size(rows) == 1 ? "" : "s");
}

int cmd_ls(int argc, char **argv, struct ctx *ctx)
{
	struct registry_filter f = { NULL, NULL, NULL };
	struct neo4j *db;
	const char *ws, *format = NULL;
	json_t *rows = NULL;
	int ret;
	struct cmd_option options[] = {
		OPT_STRING(0, "schedule", &f.schedule, "<s>", "only versions of schedule <s>"),
		OPT_STRING(0, "family", &f.family, "<f>", "only versions of family <f> (proc_004, p_002)"),
		OPT_STRING(0, "author", &f.author, "<a>", "only versions created by <a> (name or email)"),
		OPT_STRING('f', "format", &format, "<f>", "text (default) or json (an array of objects)"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[0]);
	if (format && strcmp(format, "text") && strcmp(format, "json"))
		return options_usage_error(&usage, options, "unknown format '%s'", format);
	if (ctx_workspace(ctx, &ws) < 0 || ctx_db(ctx, &db) < 0 || registry_list(&rows, db, ws, &f) < 0)
		return cmd_error();
	if (format && !strcmp(format, "json")) {
		char *s = json_dumps(rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(s);
		free(s);
	} else {
		print_table(rows);
	}
	json_decref(rows);
	return EXIT_OK;
}
