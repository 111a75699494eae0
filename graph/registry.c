/*
 * The registry's facts about versions (see graph/registry.h): descriptions
 * read from the files, git's facts from one history walk (vcs/origin.c),
 * and the statements that write them (cypher/registry_*.cypher).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "cypher.h"
#include "graph/config.h"
#include "graph/keys.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
#include "util/err.h"
#include "util/isotime.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "vcs/workspace.h"

#define MAX_DESCRIPTION 4096

/* --- descriptions --- */

/* Trailing blanks off, at most MAX_DESCRIPTION bytes (not inside a UTF-8 sequence). */
static char *finish_text(struct strbuf *sb)
{
	while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
		strbuf_setlen(sb, sb->len - 1);
	if (sb->len > MAX_DESCRIPTION) {
		size_t cut = MAX_DESCRIPTION;

		while (cut && ((unsigned char)sb->buf[cut] & 0xC0) == 0x80)
			cut--;
		strbuf_setlen(sb, cut);
	}
	if (!sb->len) {
		strbuf_release(sb);
		return NULL;
	}
	return strbuf_detach(sb, NULL);
}

/* As Python's inspect.cleandoc: the first line stripped, the others dedented, blank ends off. */
static char *cleandoc(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t indent = (size_t)-1, pos, first_end;
	int first = 1;

	first_end = 0;
	while (first_end < n && s[first_end] != '\n')
		first_end++;
	for (pos = first_end; pos < n;) {
		size_t b = pos + 1, k = b;

		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k < n && s[k] != '\n' && k - b < indent)
			indent = k - b;
		while (k < n && s[k] != '\n')
			k++;
		pos = k;
	}
	if (indent == (size_t)-1)
		indent = 0;
	for (pos = 0; pos <= n;) {
		size_t e = pos;
		const char *line;
		size_t len;

		while (e < n && s[e] != '\n')
			e++;
		line = s + pos;
		len = e - pos;
		if (first) {
			while (len && isspace((unsigned char)*line)) {
				line++;
				len--;
			}
		} else {
			size_t skip = 0;

			while (skip < indent && skip < len && (line[skip] == ' ' || line[skip] == '\t'))
				skip++;
			line += skip;
			len -= skip;
		}
		while (len && isspace((unsigned char)line[len - 1]))
			len--;
		/* Leading blank lines go. */
		if (len || sb.len) {
			strbuf_add(&sb, line, len);
			strbuf_addch(&sb, '\n');
		}
		first = 0;
		if (e >= n)
			break;
		pos = e + 1;
	}
	return finish_text(&sb);
}

/* The module docstring of a Python script: its first statement, when a string literal. */
static char *docstring(const char *text, size_t len)
{
	size_t pos = 0, end;
	const char *p, *close;
	char quote;

	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		pos = 3;
	/* Blank lines and comments come before the first statement. */
	while (pos < len) {
		size_t k = pos;

		while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
			k++;
		if (k < len && text[k] != '\n' && text[k] != '#')
			break;
		while (k < len && text[k] != '\n')
			k++;
		pos = k + 1;
	}
	if (pos >= len || text[pos] == ' ' || text[pos] == '\t')
		return NULL;
	p = text + pos;
	end = len - pos;
	if (end && strchr("rRuU", *p)) {
		p++;
		end--;
	}
	if (!end || (*p != '"' && *p != '\''))
		return NULL;
	quote = *p;
	if (end >= 3 && p[1] == quote && p[2] == quote) {
		char triple[4] = { quote, quote, quote, 0 };

		close = memmem(p + 3, end - 3, triple, 3);
		return close ? cleandoc(p + 3, (size_t)(close - (p + 3))) : NULL;
	}
	for (close = p + 1; close < p + end && *close != quote && *close != '\n'; close++)
		if (*close == '\\' && close + 1 < p + end)
			close++;
	if (close >= p + end || *close != quote)
		return NULL;
	return cleandoc(p + 1, (size_t)(close - (p + 1)));
}

char *registry_describe_script(const char *text, size_t len)
{
	char *d = docstring(text, len);

	return d ? d : config_leading_comment(text, len, "#");
}

/* --- entries --- */

void registry_init(struct registry *r, const char *root, const char *git_root)
{
	size_t n = strlen(git_root);

	memset(r, 0, sizeof(*r));
	r->root = xstrdup(root);
	/* root inside the work tree: what the history's paths start with. */
	if (!strncmp(root, git_root, n) && root[n] == '/')
		r->prefix = xstrfmt("%s/", root + n + 1);
	else
		r->prefix = xstrdup("");
}

void registry_release(struct registry *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		struct registry_entry *e = &r->items[i];

		free(e->schedule);
		free(e->name);
		free(e->family);
		free(e->version);
		free(e->path);
		free(e->config);
		free(e->blob);
		free(e->description);
		free(e->git_path);
		free(e->id);
		origin_release(&e->origin);
	}
	strmap_release(&r->index);
	free(r->items);
	free(r->root);
	free(r->prefix);
	memset(r, 0, sizeof(*r));
}

static struct registry_entry *add_entry(struct registry *r, enum version_kind kind, const char *schedule,
					const char *name, char *path)
{
	struct registry_entry *e;
	char *id = xstrfmt("%s:%s/%s", version_kind_str(kind), schedule, name);

	if (strmap_get(&r->index, id, NULL)) {
		free(id);
		free(path);
		return NULL;
	}
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 16;
		r->items = xrealloc(r->items, r->alloc * sizeof(*r->items));
	}
	e = &r->items[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->id = id;
	/* The map borrows the id, which stays put when the entries move. */
	strmap_put(&r->index, e->id, r->n - 1);
	e->schedule = xstrdup(schedule);
	e->name = xstrdup(name);
	if (version_split(name, &e->family, &e->version) < 0)
		e->family = xstrdup(name);
	e->path = path;
	e->git_path = xstrfmt("%s%s", r->prefix, path);
	e->origin.path = e->git_path;
	e->origin.name = e->name;
	e->origin.folder = kind == VERSION_PROCESS;
	return e;
}

void registry_add_procedure(struct registry *r, const char *schedule, const char *name)
{
	struct registry_entry *e = add_entry(r, VERSION_PROCEDURE, schedule, name,
					     config_script_path(schedule, name));
	struct strbuf text = STRBUF_INIT;
	char *full;
	git_oid oid;

	if (!e)
		return;
	full = xstrfmt("%s/%s", r->root, e->path);
	if (strbuf_read_file(&text, full) == 0) {
		e->description = registry_describe_script(text.buf, text.len);
		if (git_odb_hash(&oid, text.buf, text.len, GIT_OBJECT_BLOB) == 0)
			e->blob = xstrdup(git_oid_tostr_s(&oid));
	} else {
		pm_error_clear();   /* a script not written yet has no description */
	}
	strbuf_release(&text);
	free(full);
}

void registry_add_process(struct registry *r, const char *schedule, const char *name, const char *config,
			  const char *description)
{
	struct registry_entry *e = add_entry(r, VERSION_PROCESS, schedule, name,
					     xstrfmt("%s/process_config/%s", schedule, name));
	char *file;

	if (!e)
		return;
	file = config ? xstrfmt("%s/%s", r->root, config) : config_process_file(r->root, schedule, name);
	if (file) {
		e->config = xstrdup(file + strlen(r->root) + 1);
		if (description) {
			e->description = xstrdup(description);
		} else {
			struct strbuf text = STRBUF_INIT;

			if (strbuf_read_file(&text, file) == 0)
				e->description = config_describe(strrchr(file, '/') + 1, text.buf, text.len);
			else
				pm_error_clear();
			strbuf_release(&text);
		}
	}
	free(file);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The version names in folder dir: NAME of NAME<suffix> (suffix "" = folders). */
static void scan_folder(struct registry *r, const char *schedule, const char *sub, const char *suffix)
{
	char *dir = xstrfmt("%s/%s/%s", r->root, schedule, sub);
	struct dirent **list = NULL;
	int i, n = scandir(dir, &list, NULL, by_name);

	for (i = 0; i < n; i++) {
		const char *d = list[i]->d_name;
		size_t len = strlen(d), sl = strlen(suffix);
		char *name, *family = NULL, *version = NULL;

		if (d[0] != '.' && len > sl && !strcmp(d + len - sl, suffix)) {
			name = xstrndup(d, len - sl);
			if (version_split(name, &family, &version) == 0) {
				char *config = *suffix ? NULL : config_process_file(r->root, schedule, name);

				if (*suffix)
					registry_add_procedure(r, schedule, name);
				else if (config)
					registry_add_process(r, schedule, name, NULL, NULL);
				free(config);
			}
			free(name);
			free(family);
			free(version);
		}
		free(list[i]);
	}
	free(list);
	free(dir);
}

void registry_add_all(struct registry *r)
{
	char **schedules;
	size_t n = workspace_schedules(&schedules, r->root), i;

	for (i = 0; i < n; i++) {
		scan_folder(r, schedules[i], "pys", ".py");
		scan_folder(r, schedules[i], "process_config", "");
	}
	free_strings(schedules, n);
}

int registry_origins(struct registry *r, git_repository *repo, size_t *ncommits)
{
	struct origin *items = xcalloc(r->n + 1, sizeof(*items));
	size_t i;
	int ret;

	for (i = 0; i < r->n; i++)
		items[i] = r->items[i].origin;
	ret = origin_walk(repo, items, r->n, ncommits);
	for (i = 0; i < r->n; i++)
		r->items[i].origin = items[i];
	free(items);
	return ret;
}

/* --- statements --- */

static json_t *text_or_null(const char *s)
{
	json_t *v = s && *s ? json_string(s) : NULL;

	/* json_string refuses text that is not UTF-8: such a fact is left out. */
	return v ? v : json_null();
}

static json_t *row(const char *ws, const struct registry_entry *e)
{
	const struct origin *o = &e->origin;
	json_t *r = version_node_props(ws, e->kind, e->schedule, e->name, e->family, e->version,
				       e->path);

	json_object_set_new(r, "description", text_or_null(e->description));
	json_object_set_new(r, "author", text_or_null(o->found ? o->author : NULL));
	json_object_set_new(r, "author_email", text_or_null(o->found ? o->email : NULL));
	json_object_set_new(r, "created_at", text_or_null(o->found ? o->created_at : NULL));
	json_object_set_new(r, "created_commit", text_or_null(o->found ? o->created_commit : NULL));
	json_object_set_new(r, "updated_at", text_or_null(o->found ? o->updated_at : NULL));
	json_object_set_new(r, "updated_commit", text_or_null(o->found ? o->updated_commit : NULL));
	json_object_set_new(r, "forked_from", text_or_null(o->forked_from));
	if (e->kind == VERSION_PROCESS) {
		char *sk = key_schedule(ws, e->schedule);

		json_object_set_new(r, "schedule_key", json_string(sk));
		json_object_set_new(r, "prname", json_string(version_prname(e->family)));
		json_object_set_new(r, "config", text_or_null(e->config));
		free(sk);
	} else {
		json_object_set_new(r, "blob", text_or_null(e->blob));
	}
	return r;
}

json_t *registry_statements(const char *ws, const struct registry *r)
{
	json_t *stmts = json_array(), *procs = json_array(), *procs_rows = json_array();
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct registry_entry *e = &r->items[i];

		/* 100,000 steps of scripts that do not exist yet cost no rows. */
		if (r->skip_unknown && e->kind == VERSION_PROCEDURE && !e->description && !e->origin.found)
			continue;
		json_array_append_new(e->kind == VERSION_PROCESS ? procs : procs_rows, row(ws, e));
	}
	if (json_array_size(procs_rows))
		json_array_append_new(stmts, neo4j_stmt(cypher_registry_procedures,
							json_pack("{s:O}", "rows", procs_rows)));
	if (json_array_size(procs))
		json_array_append_new(stmts, neo4j_stmt(cypher_registry_processes,
							json_pack("{s:O}", "rows", procs)));
	json_decref(procs);
	json_decref(procs_rows);
	return stmts;
}

/* --- reading --- */

/* The rows of a result as objects keyed by column (new reference). */
static json_t *rows_as_objects(const json_t *result)
{
	json_t *cols = json_object_get(result, "columns"), *rows = json_array();
	size_t i, j, n = neo4j_nrows(result);

	for (i = 0; i < n; i++) {
		json_t *row = neo4j_row(result, i), *o = json_object();

		for (j = 0; j < json_array_size(cols); j++)
			json_object_set(o, json_string_value(json_array_get(cols, j)), json_array_get(row, j));
		json_array_append_new(rows, o);
	}
	return rows;
}

/*
 * Times as pmeta prints them: Neo4j's HTTP API drops zero seconds
 * ("2024-02-01T10:00Z"). Git's (created_at, updated_at, a fork's at: whole
 * seconds) become "2024-02-01T10:00:00Z"; a run's (started_at, finished_at)
 * always have their milliseconds, as docs/json.md says, ".000" included.
 * Walks objects and arrays.
 */
static void times_text(json_t *v)
{
	static const char *const keys[] = { "created_at", "updated_at", "at", "started_at",
					    "finished_at", NULL };
	enum { NGIT = 3 };          /* keys[0..NGIT-1] are git's times */
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			times_text(x);
		return;
	}
	json_object_foreach(v, k, x) {
		long long ms;

		if (json_is_object(x) || json_is_array(x)) {
			times_text(x);
			continue;
		}
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (keys[i] && iso_time_parse(json_string_value(x), &ms) == 0) {
			char *text = i < NGIT ? iso_time_s(ms) : iso_time_ms(ms);

			json_object_set_new(v, k, json_string(text));
			free(text);
		}
	}
}

static int query_rows(json_t **out, struct neo4j *db, const char *query, json_t *params)
{
	json_t *res = NULL;

	*out = NULL;
	if (neo4j_query(db, &res, query, params) < 0)
		return -1;
	*out = rows_as_objects(res);
	times_text(*out);
	json_decref(res);
	return 0;
}

int registry_list(json_t **out, struct neo4j *db, const char *ws, const struct registry_filter *f)
{
	return query_rows(out, db, cypher_registry_ls,
			  json_pack("{s:s, s:s?, s:s?, s:s?}", "workspace", ws, "schedule", f ? f->schedule : NULL,
				    "family", f ? f->family : NULL, "author", f ? f->author : NULL));
}

int registry_card(json_t **out, struct neo4j *db, const char *key, long runs)
{
	json_t *rows = NULL;

	*out = NULL;
	if (query_rows(&rows, db, cypher_registry_show, json_pack("{s:s, s:I}", "key", key,
								  "runs", (json_int_t)runs)) < 0)
		return -1;
	if (!json_array_size(rows)) {
		json_decref(rows);
		return pm_error(PM_EFAIL, "no version '%s' in the graph", key_local(key));
	}
	*out = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return 0;
}

int registry_run_versions(json_t **out, struct neo4j *db, const char *run_key)
{
	return query_rows(out, db, cypher_run_versions, json_pack("{s:s}", "key", run_key));
}
