#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/history.h"
#include "vcs/workspace.h"

void fork_record_release(struct fork_record *rec)
{
	if (!rec)
		return;
	version_release(&rec->src);
	version_release(&rec->dst);
	free(rec->bump);
	free(rec->source_id);
	free(rec->dst_id);
	memset(rec, 0, sizeof(*rec));
}

void fork_list_release(struct fork_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		fork_record_release(&list->items[i]);
	for (i = 0; i < list->nignored; i++)
		free(list->ignored[i]);
	free(list->ignored);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

char *history_trailers(const struct fork_record *rec)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "Pmeta-Fork: %s\n", rec->dst.name);
	strbuf_addf(&sb, "Pmeta-Forked-From: %s\n", rec->src.name);
	strbuf_addf(&sb, "%s: %s\n",
		    rec->src.kind == VERSION_PROCESS ? "Pmeta-Source-Tree" : "Pmeta-Source-Blob",
		    rec->source_id);
	strbuf_addf(&sb, "Pmeta-Bump: %s\n", rec->bump);
	strbuf_addf(&sb, "Pmeta-Kind: %s\n", version_kind_str(rec->src.kind));
	strbuf_addf(&sb, "Pmeta-Schedule: %s\n", rec->src.schedule);
	return strbuf_detach(&sb, NULL);
}

void history_format_time(char buf[32], long long seconds)
{
	time_t t = (time_t)seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int valid_bump(const char *b)
{
	return !strcmp(b, "patch") || !strcmp(b, "minor") || !strcmp(b, "major") || !strcmp(b, "to");
}

/* A schedule is one folder of the workspace: no separator, no dot-dot. */
static int valid_schedule(const char *s)
{
	return *s && !strchr(s, '/') && !strchr(s, '\\') && strcmp(s, ".") && strcmp(s, "..") &&
	       s[0] != '.';
}

/*
 * A line git or libgit2 could read as the end of a message: git stops
 * reading trailers at a "---" line (libgit2 at any line starting with
 * "---"), and `git interpret-trailers` at a scissors line "# --- >8 ---"
 * (whatever core.commentChar is).
 */
static int ends_message(const char *line, size_t len)
{
	size_t i;

	if (len >= 3 && !memcmp(line, "---", 3))
		return 1;
	for (i = 0; i + 8 <= len; i++)
		if (!memcmp(line + i, "-- >8 --", 8))
			return 1;
	return 0;
}

char *history_fork_message(const struct fork_record *rec, const char *user)
{
	struct strbuf sb = STRBUF_INIT, body = STRBUF_INIT;
	git_buf pretty = { 0 };
	char *trailers = history_trailers(rec);
	const char *p = user;

	strbuf_addf(&sb, "fork %s from %s (%s)\n\n", rec->dst.name, rec->src.name, rec->bump);
	/*
	 * The user's text is the body, kept as written (lines starting with '#'
	 * too), with line ends made LF and any line that could end the message
	 * for git indented by one space: pmeta's trailer block is then always
	 * the last paragraph git, libgit2 and history_parse_message read.
	 */
	while (p && *p) {
		size_t len = strcspn(p, "\r\n");

		if (ends_message(p, len))
			strbuf_addch(&body, ' ');
		strbuf_add(&body, p, len);
		strbuf_addch(&body, '\n');
		p += len;
		if (p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (*p)
			p++;
	}
	if (body.len && git_message_prettify(&pretty, body.buf, 0, '#') == 0 && pretty.size) {
		strbuf_addstr(&sb, pretty.ptr);
		strbuf_addch(&sb, '\n');
	}
	strbuf_addstr(&sb, trailers);
	git_buf_dispose(&pretty);
	strbuf_release(&body);
	free(trailers);
	return strbuf_detach(&sb, NULL);
}

static int blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

/* pmeta's trailer keys, in the order of enum-less slots below. */
static const char *const fork_keys[] = {
	"Pmeta-Fork", "Pmeta-Forked-From", "Pmeta-Source-Blob", "Pmeta-Source-Tree",
	"Pmeta-Bump", "Pmeta-Kind", "Pmeta-Schedule", NULL
};
#define NFORK_KEYS (sizeof(fork_keys) / sizeof(fork_keys[0]) - 1)

/*
 * The trailers are read from the message's last paragraph (not its first,
 * the subject), like git without its "---" and scissors cut-offs: pmeta
 * writes its block last and keeps the user's text from ending the message
 * early, so a fake block inside the user's text is never the one read, and
 * a fork made by an older pmeta whose message held a "---" line is still
 * found. Lines of the block that are not "Key: value" are skipped, as git
 * does with its own trailers (Signed-off-by added later is fine); a pmeta
 * key given twice makes the block malformed.
 */
int history_parse_message(struct fork_record *rec, const char *message)
{
	char *val[NFORK_KEYS] = { NULL };
	const char *p, *para = NULL, *para_end = NULL, *fork, *from, *bump, *kind, *sched, *id;
	size_t i, nparas = 0;
	int ret = 0, prev_blank = 1;

	memset(rec, 0, sizeof(*rec));
	for (p = message; *p;) {
		size_t len = strcspn(p, "\n");

		if (blank(p, len)) {
			prev_blank = 1;
		} else {
			if (prev_blank) {
				para = p;
				nparas++;
			}
			prev_blank = 0;
			para_end = p + len;
		}
		p += len + (p[len] == '\n');
	}
	if (nparas < 2)
		return 0;
	for (p = para; p < para_end;) {
		size_t len = strcspn(p, "\n"), klen = 0;
		const char *v, *e = p + len;

		while (klen < len && (isalnum((unsigned char)p[klen]) || p[klen] == '-'))
			klen++;
		if (klen && klen < len && p[klen] == ':') {
			for (i = 0; i < NFORK_KEYS; i++)
				if (strlen(fork_keys[i]) == klen && !memcmp(p, fork_keys[i], klen))
					break;
			if (i < NFORK_KEYS) {
				for (v = p + klen + 1; v < e && (*v == ' ' || *v == '\t'); v++)
					;
				while (e > v && isspace((unsigned char)e[-1]))
					e--;
				if (val[i]) {
					ret = pm_error(PM_EGIT, "fork commit names %s twice", fork_keys[i]);
					goto out;
				}
				val[i] = xstrndup(v, (size_t)(e - v));
			}
		}
		p += len + (p[len] == '\n');
	}
	fork = val[0];
	from = val[1];
	id = val[2] ? val[2] : val[3];
	bump = val[4];
	kind = val[5];
	sched = val[6];
	if (!fork)
		goto out;
	if (!from || !sched || !bump || !valid_bump(bump) || !valid_schedule(sched)) {
		ret = pm_error(PM_EGIT, "fork commit for '%s' lacks Pmeta-Forked-From, a valid Pmeta-Schedule or a valid Pmeta-Bump", fork);
		goto out;
	}
	if (val[2] && val[3]) {
		ret = pm_error(PM_EGIT, "fork commit for '%s' names both a source blob and a source tree", fork);
		goto out;
	}
	if (version_parse(&rec->src, from) < 0 || version_parse(&rec->dst, fork) < 0 ||
	    rec->src.schedule || rec->dst.schedule) {
		fork_record_release(rec);
		ret = pm_error(PM_EGIT, "fork commit names '%s' from '%s': not version names", fork, from);
		goto out;
	}
	/* The commit says what it forked; names alone follow the convention. */
	if (kind && !strcmp(kind, version_kind_str(VERSION_PROCESS))) {
		rec->src.kind = rec->dst.kind = VERSION_PROCESS;
	} else if (kind && !strcmp(kind, version_kind_str(VERSION_PROCEDURE))) {
		rec->src.kind = rec->dst.kind = VERSION_PROCEDURE;
	} else if (kind) {
		fork_record_release(rec);
		ret = pm_error(PM_EGIT, "fork commit for '%s' says Pmeta-Kind: %s (procedure or process)",
			       fork, kind);
		goto out;
	} else if (rec->src.kind != rec->dst.kind) {
		fork_record_release(rec);
		ret = pm_error(PM_EGIT, "fork commit for '%s' mixes a procedure and a process", fork);
		goto out;
	}
	/* A process is a folder (Pmeta-Source-Tree), a procedure a file (Pmeta-Source-Blob). */
	if (id && (val[3] != NULL) != (rec->src.kind == VERSION_PROCESS)) {
		fork_record_release(rec);
		ret = pm_error(PM_EGIT, "fork commit for '%s' mixes a procedure and a process", fork);
		goto out;
	}
	version_set_schedule(&rec->src, sched);
	version_set_schedule(&rec->dst, sched);
	rec->bump = xstrdup(bump);
	rec->source_id = id ? xstrdup(id) : NULL;
	ret = 1;
out:
	for (i = 0; i < NFORK_KEYS; i++)
		free(val[i]);
	return ret;
}

/* The id (and type, when asked) of `path` in commit's tree; 0 found, 1 absent, -1 error. */
static int entry_id_type(git_oid *out, git_object_t *type, git_commit *commit, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int ret;

	if (git_commit_tree(&tree, commit) < 0)
		return pm_error(PM_EGIT, "cannot read the tree of a commit: %s", vcs_git_msg());
	ret = git_tree_entry_bypath(&e, tree, path);
	if (ret == 0) {
		git_oid_cpy(out, git_tree_entry_id(e));
		if (type)
			*type = git_tree_entry_type(e);
	} else if (ret == GIT_ENOTFOUND) {
		ret = 1;
	} else {
		ret = pm_error(PM_EGIT, "cannot look up '%s': %s", path, vcs_git_msg());
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return ret;
}

static int entry_id(git_oid *out, git_commit *commit, const char *path)
{
	return entry_id_type(out, NULL, commit, path);
}

/*
 * A message alone proves nothing: commit c is rec's fork only when it
 * adds rec->dst's file (procedure: a blob) or folder (process: a tree),
 * absent from its first parent, with exactly the content the trailers name
 * as the source. 1 when it does (rec->dst_id set), 0 when not (*why says
 * why; caller frees), -1 on a git error.
 */
static int verify_fork(git_commit *c, struct fork_record *rec, char **why)
{
	git_object_t want = rec->dst.kind == VERSION_PROCESS ? GIT_OBJECT_TREE : GIT_OBJECT_BLOB, type;
	git_commit *parent = NULL;
	git_oid src, mine, theirs;
	char *path = version_path(&rec->dst);
	int r, ret = 0;

	*why = NULL;
	if (!rec->source_id || strlen(rec->source_id) != GIT_OID_HEXSZ ||
	    git_oid_fromstr(&src, rec->source_id) < 0) {
		*why = xstrfmt("it names no source %s", want == GIT_OBJECT_TREE ? "tree" : "blob");
		goto out;
	}
	r = entry_id_type(&mine, &type, c, path);
	if (r < 0) {
		ret = -1;
		goto out;
	}
	if (r == 1) {
		*why = xstrfmt("its tree has no '%s'", path);
		goto out;
	}
	if (type != want || !git_oid_equal(&mine, &src)) {
		*why = xstrfmt("'%s' in its tree is not the %s %.12s it names as its source", path,
			       want == GIT_OBJECT_TREE ? "tree" : "blob", rec->source_id);
		goto out;
	}
	if (git_commit_parentcount(c) > 0) {
		if (git_commit_parent(&parent, c, 0) < 0) {
			ret = pm_error(PM_EGIT, "cannot read a parent commit: %s", vcs_git_msg());
			goto out;
		}
		r = entry_id(&theirs, parent, path);
		if (r < 0) {
			ret = -1;
			goto out;
		}
		if (r == 0) {
			*why = xstrfmt("'%s' was there before it", path);
			goto out;
		}
	}
	free(rec->dst_id);
	rec->dst_id = xstrdup(git_oid_tostr_s(&mine));
	ret = 1;
out:
	git_commit_free(parent);
	free(path);
	return ret;
}

/* Keeps why commit c is not believed, for the caller to show. */
static void fork_list_ignore(struct fork_list *out, const git_oid *oid, const char *what)
{
	out->ignored = xrealloc(out->ignored, (out->nignored + 1) * sizeof(*out->ignored));
	out->ignored[out->nignored++] = xstrfmt("commit %.12s: %s", git_oid_tostr_s(oid), what);
}

static int walk_head(git_revwalk **out, git_repository *repo, unsigned int sort)
{
	int unborn = git_repository_head_unborn(repo);

	*out = NULL;
	if (unborn == 1)
		return 1;
	if (unborn < 0 || git_revwalk_new(out, repo) < 0)
		return pm_error(PM_EGIT, "cannot walk the history: %s", vcs_git_msg());
	git_revwalk_sorting(*out, sort);
	if (git_revwalk_push_head(*out) < 0) {
		git_revwalk_free(*out);
		*out = NULL;
		return pm_error(PM_EGIT, "cannot walk the history from HEAD: %s", vcs_git_msg());
	}
	return 0;
}

int history_forks(struct fork_list *out, git_repository *repo)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = walk_head(&walk, repo, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
	if (ret)
		return ret < 0 ? -1 : 0;
	while ((ret = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		struct fork_record rec;
		char *why = NULL;
		int r;

		if (git_commit_lookup(&c, repo, &oid) < 0) {
			ret = pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(&oid), vcs_git_msg());
			goto out;
		}
		r = history_parse_message(&rec, git_commit_message(c));
		if (r < 0) {
			/* A malformed block is the message's business: skip it, say so. */
			fork_list_ignore(out, &oid, pm_error_msg());
			pm_error_clear();
			git_commit_free(c);
			continue;
		}
		if (r == 0) {
			git_commit_free(c);
			continue;
		}
		r = verify_fork(c, &rec, &why);
		if (r <= 0) {
			if (r == 0) {
				char *what = xstrfmt("its trailers name the fork %s/%s from %s, but %s: not believed",
						     rec.dst.schedule, rec.dst.name, rec.src.name, why);

				fork_list_ignore(out, &oid, what);
				free(what);
			}
			free(why);
			fork_record_release(&rec);
			git_commit_free(c);
			if (r < 0) {
				ret = -1;
				goto out;
			}
			continue;
		}
		git_oid_tostr(rec.commit, sizeof(rec.commit), &oid);
		history_format_time(rec.at, (long long)git_commit_time(c));
		git_commit_free(c);
		if (out->n == out->alloc) {
			out->alloc = out->alloc ? 2 * out->alloc : 16;
			out->items = xrealloc(out->items, out->alloc * sizeof(*out->items));
		}
		out->items[out->n++] = rec;
	}
	if (ret == GIT_ITEROVER)
		ret = 0;
	else
		ret = pm_error(PM_EGIT, "cannot walk the history: %s", vcs_git_msg());
out:
	git_revwalk_free(walk);
	if (ret < 0)
		fork_list_release(out);
	return ret;
}

void log_list_release(struct log_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++) {
		free(list->items[i].author);
		free(list->items[i].subject);
		free(list->items[i].what);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static void log_add(struct log_list *out, git_commit *c, char *what)
{
	struct log_entry *e;
	const git_signature *a = git_commit_author(c);
	const char *subject = git_commit_summary(c);

	if (out->n == out->alloc) {
		out->alloc = out->alloc ? 2 * out->alloc : 16;
		out->items = xrealloc(out->items, out->alloc * sizeof(*out->items));
	}
	e = &out->items[out->n++];
	git_oid_tostr(e->commit, sizeof(e->commit), git_commit_id(c));
	history_format_time(e->at, (long long)git_commit_time(c));
	e->author = xstrdup(a && a->name ? a->name : "");
	e->subject = xstrdup(subject ? subject : "");
	e->what = what;
}

/*
 * Did commit c change `path` compared with its first parent? 1 yes (*what
 * says how), 0 no, -1 error.
 */
static int touches(git_commit *c, const char *path, const char **what)
{
	git_commit *parent = NULL;
	git_oid mine, theirs;
	int r, rp;

	*what = "changed";
	r = entry_id(&mine, c, path);
	if (r < 0)
		return -1;
	if (git_commit_parentcount(c) == 0) {
		*what = "added";
		return r == 0;
	}
	if (git_commit_parent(&parent, c, 0) < 0)
		return pm_error(PM_EGIT, "cannot read a parent commit: %s", vcs_git_msg());
	rp = entry_id(&theirs, parent, path);
	git_commit_free(parent);
	if (rp < 0)
		return -1;
	if (r == 1) {
		*what = "removed";
		return rp == 0;
	}
	if (rp == 1) {
		*what = "added";
		return 1;
	}
	return !git_oid_equal(&mine, &theirs);
}

int history_log(struct log_list *out, git_repository *repo, const struct version_name *v)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	char *path = version_path(v);
	int ret;

	memset(out, 0, sizeof(*out));
	ret = walk_head(&walk, repo, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
	if (ret) {
		free(path);
		return ret < 0 ? -1 : 0;
	}
	while ((ret = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		struct fork_record rec;
		const char *what;
		int r;

		if (git_commit_lookup(&c, repo, &oid) < 0) {
			ret = pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(&oid), vcs_git_msg());
			goto out;
		}
		r = history_parse_message(&rec, git_commit_message(c));
		if (r < 0)
			pm_error_clear();
		if (r == 1) {
			char *why = NULL;

			r = verify_fork(c, &rec, &why);
			free(why);
			if (r < 0) {
				fork_record_release(&rec);
				git_commit_free(c);
				ret = -1;
				goto out;
			}
			if (r == 0)
				fork_record_release(&rec);
		}
		if (r == 1 && !strcmp(rec.src.schedule, v->schedule)) {
			if (!strcmp(rec.dst.name, v->name))
				log_add(out, c, xstrfmt("created by fork from %s (%s)", rec.src.name, rec.bump));
			else if (!strcmp(rec.src.name, v->name))
				log_add(out, c, xstrfmt("forked to %s (%s)", rec.dst.name, rec.bump));
			else
				r = 0;
			fork_record_release(&rec);
			if (r) {
				git_commit_free(c);
				continue;
			}
		} else if (r == 1) {
			fork_record_release(&rec);
		}
		r = touches(c, path, &what);
		if (r > 0)
			log_add(out, c, xstrdup(what));
		git_commit_free(c);
		if (r < 0) {
			ret = -1;
			goto out;
		}
	}
	if (ret == GIT_ITEROVER)
		ret = 0;
	else
		ret = pm_error(PM_EGIT, "cannot walk the history: %s", vcs_git_msg());
out:
	free(path);
	git_revwalk_free(walk);
	if (ret < 0)
		log_list_release(out);
	return ret;
}
