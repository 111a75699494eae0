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

int history_parse_message(struct fork_record *rec, const char *message)
{
	git_message_trailer_array arr = { 0 };
	const char *fork = NULL, *from = NULL, *id = NULL, *bump = NULL, *kind = NULL, *sched = NULL;
	size_t i;
	int ret = 0;

	memset(rec, 0, sizeof(*rec));
	if (git_message_trailers(&arr, message) < 0)
		return pm_error(PM_EGIT, "cannot read commit trailers: %s", vcs_git_msg());
	for (i = 0; i < arr.count; i++) {
		const char *k = arr.trailers[i].key, *v = arr.trailers[i].value;

		if (!strcmp(k, "Pmeta-Fork"))
			fork = v;
		else if (!strcmp(k, "Pmeta-Forked-From"))
			from = v;
		else if (!strcmp(k, "Pmeta-Source-Blob") || !strcmp(k, "Pmeta-Source-Tree"))
			id = v;
		else if (!strcmp(k, "Pmeta-Bump"))
			bump = v;
		else if (!strcmp(k, "Pmeta-Kind"))
			kind = v;
		else if (!strcmp(k, "Pmeta-Schedule"))
			sched = v;
	}
	if (!fork)
		goto out;
	if (!from || !sched || !bump || !valid_bump(bump)) {
		ret = pm_error(PM_EGIT, "fork commit for '%s' lacks Pmeta-Forked-From, Pmeta-Schedule or a valid Pmeta-Bump", fork);
		goto out;
	}
	if (version_parse(&rec->src, from) < 0 || version_parse(&rec->dst, fork) < 0) {
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
	version_set_schedule(&rec->src, sched);
	version_set_schedule(&rec->dst, sched);
	rec->bump = xstrdup(bump);
	rec->source_id = id ? xstrdup(id) : NULL;
	ret = 1;
out:
	git_message_trailer_array_free(&arr);
	return ret;
}

/* The id of `path` in commit's tree into out; 0 found, 1 absent, -1 error. */
static int entry_id(git_oid *out, git_commit *commit, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int ret;

	if (git_commit_tree(&tree, commit) < 0)
		return pm_error(PM_EGIT, "cannot read the tree of a commit: %s", vcs_git_msg());
	ret = git_tree_entry_bypath(&e, tree, path);
	if (ret == 0)
		git_oid_cpy(out, git_tree_entry_id(e));
	else if (ret == GIT_ENOTFOUND)
		ret = 1;
	else
		ret = pm_error(PM_EGIT, "cannot look up '%s': %s", path, vcs_git_msg());
	git_tree_entry_free(e);
	git_tree_free(tree);
	return ret;
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
		git_oid id;
		char *path;
		int r;

		if (git_commit_lookup(&c, repo, &oid) < 0) {
			ret = pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(&oid), vcs_git_msg());
			goto out;
		}
		r = history_parse_message(&rec, git_commit_message(c));
		if (r < 0) {
			ret = pm_error_prefix("commit %.12s", git_oid_tostr_s(&oid));
			git_commit_free(c);
			goto out;
		}
		if (r == 0) {
			git_commit_free(c);
			continue;
		}
		git_oid_tostr(rec.commit, sizeof(rec.commit), &oid);
		history_format_time(rec.at, (long long)git_commit_time(c));
		path = version_path(&rec.dst);
		r = entry_id(&id, c, path);
		free(path);
		if (r == 0)
			rec.dst_id = xstrdup(git_oid_tostr_s(&id));
		git_commit_free(c);
		if (r < 0) {
			fork_record_release(&rec);
			ret = -1;
			goto out;
		}
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
