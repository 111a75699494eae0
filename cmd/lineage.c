#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/keys.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "util/strbuf.h"
#include "vcs/version.h"

static const struct cmd_usage usage = {
	"pmeta lineage <name> [--up | --down] [--depth <n>]\n"
	"                     [--format tree|json|dot|mermaid|url]\n",
	"Shows the fork lineage of a procedure or process version of this workspace:\n"
	"the versions it was forked from (--up), the versions forked from it (--down),\n"
	"both by default; where each version is used (process, step) and the datasets\n"
	"each step reads and writes with their producers and consumers.\n",
	NULL
};

enum format { FMT_TREE, FMT_JSON, FMT_DOT, FMT_MERMAID, FMT_URL };

static const char *str(json_t *o, const char *field)
{
	const char *s = json_string_value(json_object_get(o, field));

	return s ? s : "";
}

/* "ws/sche_001/p_002_v_000/proc_004_v_000" -> "p_002_v_000/proc_004_v_000" */
static const char *unqualified(const char *key)
{
	const char *local = key_local(key), *slash = strchr(local, '/');

	return slash ? slash + 1 : local;
}

/* --- tree ---------------------------------------------------------------- */

struct tree {
	json_t *nodes;     /* borrowed */
	size_t n;
	size_t *first;     /* first child index per node, or n */
	size_t *next;      /* next sibling */
	size_t *nchild;
	const char *target;
};

static size_t node_index(const struct tree *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(str(json_array_get(t->nodes, i), "key"), key))
			return i;
	return t->n;
}

static void print_list(const char *label, json_t *keys)
{
	size_t i;

	if (!json_array_size(keys))
		return;
	printf("%s ", label);
	for (i = 0; i < json_array_size(keys); i++)
		printf("%s%s", i ? ", " : "", unqualified(json_string_value(json_array_get(keys, i))));
}

static void print_usage(json_t *node, const char *prefix)
{
	json_t *uses = json_object_get(node, "used_by"), *steps = json_object_get(node, "steps");
	size_t i, j;

	for (i = 0; i < json_array_size(uses); i++) {
		json_t *u = json_array_get(uses, i), *ds = json_object_get(u, "datasets");

		printf("%s    used by %s, step %s\n", prefix, str(u, "process"), str(u, "step"));
		for (j = 0; j < json_array_size(ds); j++) {
			json_t *d = json_array_get(ds, j);
			const char *rel = str(d, "rel");

			printf("%s      %-7s %s", prefix, !strcmp(rel, "READS") ? "reads" :
			       !strcmp(rel, "WRITES") ? "writes" : "deletes", str(d, "dataset"));
			if (!strcmp(rel, "READS") && !json_array_size(json_object_get(d, "producers")))
				printf("  (external input)");
			if (json_array_size(json_object_get(d, "producers")) ||
			    json_array_size(json_object_get(d, "consumers"))) {
				printf("  (");
				print_list("written by", json_object_get(d, "producers"));
				if (json_array_size(json_object_get(d, "producers")) &&
				    json_array_size(json_object_get(d, "consumers")))
					printf("; ");
				print_list("read by", json_object_get(d, "consumers"));
				printf(")");
			}
			putchar('\n');
		}
	}
	for (i = 0; i < json_array_size(steps); i++) {
		json_t *s = json_array_get(steps, i);

		printf("%s    step %s", prefix, str(s, "step"));
		if (json_string_value(json_object_get(s, "procedure")))
			printf(" runs %s", unqualified(str(s, "procedure")));
		putchar('\n');
	}
}

static void print_node(const struct tree *t, size_t i, const char *line_prefix,
		       const char *cont_prefix)
{
	json_t *node = json_array_get(t->nodes, i);
	const char *key = str(node, "key"), *bump = str(node, "bump");
	int is_target = !strcmp(key, t->target);
	struct strbuf child_line = STRBUF_INIT, child_cont = STRBUF_INIT, usage_prefix = STRBUF_INIT;
	size_t c, k;

	printf("%s%c %s", line_prefix, is_target ? '@' : '*', str(node, "name"));
	if (*bump)
		printf("  %s", bump);
	if (*str(node, "fork_commit"))
		printf("  %.10s %.12s", str(node, "at"), str(node, "fork_commit"));
	if (is_target && *str(node, "path"))
		printf("  %s", str(node, "path"));
	putchar('\n');

	/* Usage lines hang under the node, inside its branch. */
	strbuf_addstr(&usage_prefix, cont_prefix);
	if (t->nchild[i] > 1)
		strbuf_addstr(&usage_prefix, "|");
	print_usage(node, usage_prefix.buf);

	for (c = t->first[i], k = 0; c < t->n; c = t->next[c], k++) {
		strbuf_reset(&child_line);
		strbuf_reset(&child_cont);
		strbuf_addstr(&child_line, cont_prefix);
		strbuf_addstr(&child_cont, cont_prefix);
		if (t->nchild[i] > 1) {
			int last = k + 1 == t->nchild[i];

			strbuf_addstr(&child_line, last ? "`-" : "|-");
			strbuf_addstr(&child_cont, last ? "  " : "| ");
		}
		print_node(t, c, child_line.buf, child_cont.buf);
	}
	strbuf_release(&child_line);
	strbuf_release(&child_cont);
	strbuf_release(&usage_prefix);
}

static void print_tree(json_t *lin)
{
	struct tree t;
	size_t i, root;

	t.nodes = json_object_get(lin, "nodes");
	t.n = json_array_size(t.nodes);
	t.target = str(lin, "key");
	t.first = xcalloc(t.n + 1, sizeof(size_t));
	t.next = xcalloc(t.n + 1, sizeof(size_t));
	t.nchild = xcalloc(t.n + 1, sizeof(size_t));
	for (i = 0; i < t.n; i++)
		t.first[i] = t.next[i] = t.n;
	/* Children in reverse, so prepending keeps the (depth, key) order. */
	root = t.n;
	for (i = t.n; i-- > 0;) {
		json_t *node = json_array_get(t.nodes, i);
		size_t p = node_index(&t, str(node, "parent"));

		if (p == t.n || json_integer_value(json_object_get(node, "depth")) <=
		    json_integer_value(json_object_get(json_array_get(t.nodes, p), "depth"))) {
			root = i; /* the first node without a parent in the set: the oldest */
			continue;
		}
		t.next[i] = t.first[p];
		t.first[p] = i;
		t.nchild[p]++;
	}
	if (root < t.n)
		print_node(&t, root, "", "");
	free(t.first);
	free(t.next);
	free(t.nchild);
}

/* --- dot, mermaid -------------------------------------------------------- */

static void dot_quoted(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void print_dot(json_t *lin)
{
	json_t *nodes = json_object_get(lin, "nodes");
	size_t i, j;

	printf("digraph lineage {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n");
	for (i = 0; i < json_array_size(nodes); i++) {
		json_t *n = json_array_get(nodes, i);

		printf("  ");
		dot_quoted(str(n, "key"));
		printf(" [label=");
		dot_quoted(str(n, "name"));
		if (!strcmp(str(n, "key"), str(lin, "key")))
			printf(", style=bold, penwidth=2");
		printf("];\n");
	}
	for (i = 0; i < json_array_size(nodes); i++) {
		json_t *n = json_array_get(nodes, i), *uses = json_object_get(n, "used_by");

		if (*str(n, "parent") && *str(n, "bump")) {
			printf("  ");
			dot_quoted(str(n, "key"));
			printf(" -> ");
			dot_quoted(str(n, "parent"));
			printf(" [label=");
			dot_quoted(str(n, "bump"));
			printf("];\n");
		}
		for (j = 0; j < json_array_size(uses); j++) {
			json_t *u = json_array_get(uses, j);

			printf("  ");
			dot_quoted(str(u, "process_key"));
			printf(" [label=");
			dot_quoted(str(u, "process"));
			printf(", shape=ellipse];\n  ");
			dot_quoted(str(u, "process_key"));
			printf(" -> ");
			dot_quoted(str(n, "key"));
			printf(" [style=dashed, label=");
			dot_quoted(str(u, "step"));
			printf("];\n");
		}
	}
	printf("}\n");
}

static void mermaid_text(const char *s)
{
	for (; *s; s++)
		if (*s == '"')
			fputs("#quot;", stdout);
		else
			putchar(*s);
}

static void print_mermaid(json_t *lin)
{
	json_t *nodes = json_object_get(lin, "nodes");
	size_t i, j, n = json_array_size(nodes), u = 0;

	printf("graph BT\n");
	for (i = 0; i < n; i++) {
		printf("  n%zu[\"", i);
		mermaid_text(str(json_array_get(nodes, i), "name"));
		printf("\"]\n");
	}
	for (i = 0; i < n; i++) {
		json_t *node = json_array_get(nodes, i), *uses = json_object_get(node, "used_by");

		for (j = 0; j < n; j++)
			if (*str(node, "parent") && !strcmp(str(node, "parent"), str(json_array_get(nodes, j), "key")))
				printf("  n%zu -->|%s| n%zu\n", i, str(node, "bump"), j);
		for (j = 0; j < json_array_size(uses); j++, u++) {
			json_t *use = json_array_get(uses, j);

			printf("  u%zu([\"", u);
			mermaid_text(str(use, "process"));
			printf("\"]) -.->|\"");
			mermaid_text(str(use, "step"));
			printf("\"| n%zu\n", i);
		}
		if (!strcmp(str(node, "key"), str(lin, "key")))
			printf("  style n%zu stroke-width:3px\n", i);
	}
}

/* --- url ----------------------------------------------------------------- */

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static void url_encode(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			strbuf_addch(sb, c);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
		}
	}
}

/* A Cypher string literal for the Browser's :param line. */
static void cypher_string(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

/*
 * The Browser's editor text: cypher/lineage_browser.cypher without its
 * leading comment, $key replaced by the key as a Cypher string literal, so
 * that one click runs one statement and the Browser draws the graph. (A
 * ":param key => ...;" line before the query works too, but the Browser then
 * runs two statements and shows a summary frame instead of the graph.)
 */
static void browser_text(struct strbuf *text, const char *key)
{
	const char *q = cypher_lineage_browser, *p;

	while (!strncmp(q, "//", 2)) {
		const char *nl = strchr(q, '\n');

		if (!nl)
			break;
		q = nl + 1;
	}
	strbuf_addstr(text, "// pmeta lineage: cypher/lineage_browser.cypher with the key filled in\n");
	for (p = q; *p; p++) {
		if (!strncmp(p, "$key", 4) && !(isalnum((unsigned char)p[4]) || p[4] == '_')) {
			cypher_string(text, key);
			p += 3;
		} else {
			strbuf_addch(text, *p);
		}
	}
}

/*
 * The Browser link: served by this Neo4j at /browser/, its editor filled
 * with the lineage query (cmd=edit&arg=...), its connect form with this
 * server's Bolt address (NEO4J_BOLT_URI, else the discovery document) and
 * user, and the database.
 */
static int print_url(struct neo4j *db, const char *key)
{
	struct strbuf text = STRBUF_INIT, url = STRBUF_INIT;
	json_t *disc = NULL;
	const char *bolt = getenv("NEO4J_BOLT_URI"), *user = getenv("NEO4J_USERNAME");
	char *base;

	if (!bolt || !*bolt) {
		if (neo4j_discover(db, &disc) < 0)
			return -1;
		bolt = json_string_value(json_object_get(disc, "bolt_direct"));
	}
	browser_text(&text, key);
	base = neo4j_uri_public(db);
	strbuf_addf(&url, "%s/browser/?cmd=edit&arg=", base);
	free(base);
	url_encode(&url, text.buf);
	if (bolt) {
		const char *sep = strstr(bolt, "://");

		strbuf_addstr(&url, "&dbms=");
		if (sep && user && *user && !strchr(bolt, '@')) {
			/* bolt://user@host:port fills in the user name as well */
			struct strbuf b = STRBUF_INIT;

			strbuf_add(&b, bolt, (size_t)(sep + 3 - bolt));
			strbuf_addf(&b, "%s@%s", user, sep + 3);
			url_encode(&url, b.buf);
			strbuf_release(&b);
		} else {
			url_encode(&url, bolt);
		}
	}
	strbuf_addstr(&url, "&db=");
	url_encode(&url, neo4j_database(db));
	printf("%s\n", url.buf);
	strbuf_release(&text);
	strbuf_release(&url);
	json_decref(disc);
	return 0;
}

int cmd_lineage(int argc, char **argv, struct ctx *ctx)
{
	struct lineage_query q = { NULL, 0, 0, -1, 1 };
	enum format fmt = FMT_TREE;
	struct neo4j *db;
	const char *name, *ws, *f = NULL;
	char *key = NULL, *kind = NULL;
	json_t *lin = NULL;
	int ret;
	struct cmd_option options[] = {
		OPT_FLAG(0, "up", &q.up, "only the versions it was forked from"),
		OPT_FLAG(0, "down", &q.down, "only the versions forked from it"),
		OPT_INT(0, "depth", &q.depth, "<n>", 0, LONG_MAX,
			"at most n generations each way (default: all)"),
		OPT_STRING(0, "format", &f, "<f>",
			   "tree (default), json, dot (Graphviz), mermaid, or\n"
			   "url: a Neo4j Browser link that opens with the lineage\n"
			   "query (cypher/lineage_browser.cypher) and its\n"
			   "parameter filled in"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (!argc)
		return options_usage_error(&usage, options, "whose lineage?");
	name = argv[0];
	ret = EXIT_OK;
	if (f) {
		if (!strcmp(f, "tree"))
			fmt = FMT_TREE;
		else if (!strcmp(f, "json"))
			fmt = FMT_JSON;
		else if (!strcmp(f, "dot"))
			fmt = FMT_DOT;
		else if (!strcmp(f, "mermaid"))
			fmt = FMT_MERMAID;
		else if (!strcmp(f, "url"))
			fmt = FMT_URL;
		else
			return options_usage_error(&usage, options, "unknown format '%s'", f);
	}
	if (q.up && q.down)
		q.up = q.down = 0; /* both is the default */
	{
		struct version_name v;

		if (version_parse(&v, name) < 0)
			return options_usage_error(&usage, options, "%s", pm_error_msg());
		version_release(&v);
	}

	if (ctx_workspace(ctx, &ws) < 0 || ctx_db(ctx, &db) < 0 ||
	    lineage_resolve(db, ws, name, &key, &kind) < 0)
		return cmd_error();
	if (fmt == FMT_URL) {
		if (print_url(db, key) < 0)
			ret = cmd_error();
		goto out;
	}
	q.key = key;
	if (lineage_load(&lin, db, &q) < 0) {
		ret = cmd_error();
		goto out;
	}
	switch (fmt) {
	case FMT_JSON: {
		char *s = json_dumps(lin, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", s);
		free(s);
		break;
	}
	case FMT_DOT:
		print_dot(lin);
		break;
	case FMT_MERMAID:
		print_mermaid(lin);
		break;
	default:
		print_tree(lin);
		break;
	}
out:
	json_decref(lin);
	free(key);
	free(kind);
	return ret;
}
