/*
 * pmeta show: one procedure or process version's card from the registry
 * (graph/registry.h): description, author, times, blob, where it is used,
 * its forks and its last runs.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "graph/keys.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta show [--format text|json] [-n <runs>] <name>\n",
	"Shows a version's card from the registry: its description (the script's\n"
	"docstring or leading comment, a process's `description`), the author and\n"
	"email of the commit that created it, when it was created and last changed,\n"
	"its blob, the version it was forked from and the forks made from it, where\n"
	"it is used, and its last runs with their status. <name> is a version of\n"
	"this workspace: proc_004_v_001 or sche_001/proc_004_v_001 (a process too).\n"
	"The facts come from 'pmeta import', 'pmeta fork' and 'pmeta sync'.\n",
	"Exit 0, 1 when the graph does not know <name>, 2 usage, 4 Neo4j.\n"
};

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void field(const char *label, const char *value)
{
	if (value && *value)
		printf("  %-12s %s\n", label, value);
}

/* A text of several lines, the later ones under the first. */
static void field_lines(const char *label, const char *text)
{
	const char *line = text, *nl;
	int first = 1;

	if (!text || !*text)
		return;
	for (; line; line = nl ? nl + 1 : NULL) {
		int n;

		nl = strchr(line, '\n');
		n = nl ? (int)(nl - line) : (int)strlen(line);
		if (n)
			printf("  %-12s %.*s\n", first ? label : "", n, line);
		else
			putchar('\n');
		first = 0;
	}
}

static void print_card(const json_t *card)
{
	const json_t *v = json_object_get(card, "version"), *x;
	const char *kind = str(card, "kind");
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	printf("%s %s/%s\n", kind, str(v, "schedule"), str(v, "name"));
	field_lines("description", str(v, "description"));
	if (*str(v, "author")) {
		strbuf_addf(&sb, "%s <%s>", str(v, "author"), str(v, "author_email"));
		field("author", sb.buf);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s  commit %.12s", str(v, "created_at"), str(v, "created_commit"));
		field("created", sb.buf);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s  commit %.12s", str(v, "updated_at"), str(v, "updated_commit"));
		field("updated", sb.buf);
		strbuf_reset(&sb);
	} else {
		field("author", "(not committed yet)");
	}
	field("path", str(v, "path"));
	field("config", str(v, "config"));
	field("blob", str(v, "blob"));
	json_array_foreach(json_object_get(card, "forked_from"), i, x) {
		strbuf_addf(&sb, "%s (%s, %s)", str(x, "name"), str(x, "bump"), str(x, "at"));
		field("forked from", sb.buf);
		strbuf_reset(&sb);
	}
	if (!json_array_size(json_object_get(card, "forked_from")))
		field("forked from", str(v, "forked_from"));
	json_array_foreach(json_object_get(card, "forks"), i, x)
		strbuf_addf(&sb, "%s%s (%s)", i ? ", " : "", str(x, "name"), str(x, "bump"));
	field("forks", sb.buf);
	strbuf_reset(&sb);
	json_array_foreach(json_object_get(card, "used_by"), i, x) {
		strbuf_addf(&sb, "%s, step %s", str(x, "process"), str(x, "step"));
		field(i ? "" : "used by", sb.buf);
		strbuf_reset(&sb);
	}
	if (!strcmp(kind, "procedure") && !json_array_size(json_object_get(card, "used_by")))
		field("used by", "no step of an imported process");
	json_array_foreach(json_object_get(card, "steps"), i, x) {
		strbuf_addf(&sb, "%s runs %s", str(x, "step"), str(x, "procedure"));
		field(i ? "" : "steps", sb.buf);
		strbuf_reset(&sb);
	}
	json_array_foreach(json_object_get(card, "runs"), i, x) {
		const json_t *shard = json_object_get(x, "shard");

		strbuf_addf(&sb, "%s  %-9s", str(x, "run"), str(x, "status"));
		if (*str(x, "step"))
			strbuf_addf(&sb, "  step %s", str(x, "step"));
		if (json_is_integer(shard))
			strbuf_addf(&sb, " [%lld]", (long long)json_integer_value(shard));
		if (*str(x, "started_at"))
			strbuf_addf(&sb, "  started %s", str(x, "started_at"));
		field(i ? "" : "last runs", sb.buf);
		strbuf_reset(&sb);
	}
	if (!json_array_size(json_object_get(card, "runs")))
		field("last runs", "none recorded");
	strbuf_release(&sb);
}

int cmd_show(int argc, char **argv, struct ctx *ctx)
{
	struct neo4j *db;
	const char *ws, *format = NULL;
	char *key = NULL, *kind = NULL;
	json_t *card = NULL;
	long runs = 5;
	int ret;
	struct cmd_option options[] = {
		OPT_STRING('f', "format", &format, "<f>", "text (default) or json"),
		OPT_INT('n', "runs", &runs, "<n>", 0, 1000, "show its last <n> runs (default 5)"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc != 1)
		return options_usage_error(&usage, options, argc ? "one version at a time" : "no version given");
	if (format && strcmp(format, "text") && strcmp(format, "json"))
		return options_usage_error(&usage, options, "unknown format '%s'", format);
	if (ctx_workspace(ctx, &ws) < 0 || ctx_db(ctx, &db) < 0)
		return cmd_error();
	if (lineage_resolve(db, ws, argv[0], &key, &kind) < 0) {
		/* An unknown name is no git error here: nothing to show. */
		if (pm_error_class() == PM_EGIT) {
			char *msg = xstrdup(pm_error_msg());

			pm_error(PM_EFAIL, "%s", msg);
			free(msg);
		}
		return cmd_error();
	}
	if (registry_card(&card, db, key, runs) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (format && !strcmp(format, "json")) {
		char *s = json_dumps(card, JSON_INDENT(2) | JSON_SORT_KEYS);

		puts(s);
		free(s);
	} else {
		print_card(card);
	}
	ret = EXIT_OK;
out:
	json_decref(card);
	free(key);
	free(kind);
	return ret;
}
