/*
 * Where versions came from: one walk of HEAD's history for all of them
 * (see vcs/origin.h). Per commit, one tree-to-tree diff against the first
 * parent, limited to the folders holding the versions, so a commit that
 * touches none of them costs a comparison of a few tree ids.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "util/strmap.h"
#include "vcs/history.h"
#include "vcs/origin.h"
#include "vcs/workspace.h"

enum { ORIGIN_UNSEEN, ORIGIN_SEEN, ORIGIN_CREATED };

void origin_release(struct origin *o)
{
	if (!o)
		return;
	free(o->author);
	free(o->email);
	free(o->forked_from);
	free(o->fork_bump);
	o->author = o->email = o->forked_from = o->fork_bump = NULL;
	o->found = 0;
	o->created_commit[0] = o->updated_commit[0] = '\0';
	o->created_at[0] = o->updated_at[0] = '\0';
}

struct walk {
	git_repository *repo;
	struct origin *items;
	size_t n, ncreated, count;
	struct strmap paths;        /* path -> item */
	const git_oid *commit;
	git_tree *parent_tree;      /* first parent's, or NULL */
	git_tree **other_trees;     /* a merge's other parents' */
	size_t nother;
};

/* 1 when path exists in tree (NULL: the empty tree), with its id in *id. */
static int tree_has(git_tree *tree, const char *path, git_oid *id)
{
	git_tree_entry *e = NULL;

	if (!tree || git_tree_entry_bypath(&e, tree, path) < 0)
		return 0;
	if (id)
		git_oid_cpy(id, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 1;
}

static void touch(struct walk *w, size_t idx, int added)
{
	struct origin *o = &w->items[idx];

	if (o->state == ORIGIN_CREATED || o->seen_in == w->count)
		return;
	o->seen_in = w->count;
	if (o->state == ORIGIN_UNSEEN) {
		memcpy(o->updated_oid, w->commit->id, 20);
		o->state = ORIGIN_SEEN;
	}
	memcpy(o->created_oid, w->commit->id, 20);
	if (added) {
		o->state = ORIGIN_CREATED;
		w->ncreated++;
	}
}

/* A merge's change to path that one of its other parents already had is that parent's. */
static int from_other_parent(const struct walk *w, const git_diff_delta *d)
{
	size_t i;

	for (i = 0; i < w->nother; i++) {
		git_oid id;
		int has = tree_has(w->other_trees[i], d->new_file.path, &id);

		if (d->status == GIT_DELTA_DELETED ? !has : has && git_oid_equal(&id, &d->new_file.id))
			return 1;
	}
	return 0;
}

static void on_delta(struct walk *w, const git_diff_delta *d)
{
	const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
	size_t idx, cut;

	if (w->nother && from_other_parent(w, d))
		return;
	if (strmap_get(&w->paths, path, &idx) && !w->items[idx].folder)
		touch(w, idx, d->status == GIT_DELTA_ADDED);
	/* The process folders holding it: created when the first parent lacks the folder. */
	for (cut = strlen(path); cut > 0; cut--) {
		char *prefix;

		if (path[cut] != '/')
			continue;
		prefix = xstrndup(path, cut);
		if (strmap_get(&w->paths, prefix, &idx) && w->items[idx].folder &&
		    w->items[idx].state != ORIGIN_CREATED && w->items[idx].seen_in != w->count)
			touch(w, idx, !tree_has(w->parent_tree, prefix, NULL));
		free(prefix);
	}
}

static int walk_commit(struct walk *w, git_commit *c, git_diff_options *opts)
{
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	size_t i, nparents = git_commit_parentcount(c), k;
	int ret = -1;

	w->commit = git_commit_id(c);
	w->parent_tree = NULL;
	w->nother = 0;
	if (git_commit_tree(&tree, c) < 0)
		goto git_fail;
	for (i = 0; i < nparents; i++) {
		git_commit *p = NULL;
		git_tree *pt = NULL;

		if (git_commit_parent(&p, c, (unsigned)i) < 0 || git_commit_tree(&pt, p) < 0) {
			git_commit_free(p);
			goto git_fail;
		}
		git_commit_free(p);
		if (i == 0)
			w->parent_tree = pt;
		else
			w->other_trees[w->nother++] = pt;
	}
	if (git_diff_tree_to_tree(&diff, w->repo, w->parent_tree, tree, opts) < 0)
		goto git_fail;
	for (k = 0; k < git_diff_num_deltas(diff); k++)
		on_delta(w, git_diff_get_delta(diff, k));
	ret = 0;
	goto out;
git_fail:
	pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(git_commit_id(c)), vcs_git_msg());
out:
	git_diff_free(diff);
	git_tree_free(tree);
	git_tree_free(w->parent_tree);
	for (i = 0; i < w->nother; i++)
		git_tree_free(w->other_trees[i]);
	w->parent_tree = NULL;
	w->nother = 0;
	return ret;
}

/* The creating and last commits' facts, and the fork the creating one made. */
static int fill(git_repository *repo, struct origin *o)
{
	git_commit *c = NULL;
	git_oid oid;
	const git_signature *a;
	struct fork_record rec;
	int r;

	git_oid_fromraw(&oid, o->created_oid);
	if (git_commit_lookup(&c, repo, &oid) < 0)
		return pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(&oid), vcs_git_msg());
	o->found = 1;
	git_oid_tostr(o->created_commit, sizeof(o->created_commit), &oid);
	a = git_commit_author(c);
	o->author = xstrdup(a && a->name ? a->name : "");
	o->email = xstrdup(a && a->email ? a->email : "");
	history_format_time(o->created_at, a ? (long long)a->when.time : (long long)git_commit_time(c));
	r = history_parse_message(&rec, git_commit_message(c));
	if (r < 0)
		pm_error_clear();   /* a commit with odd trailers still created the file */
	if (r == 1) {
		if (!strcmp(rec.dst.name, o->name)) {
			o->forked_from = xstrdup(rec.src.name);
			o->fork_bump = xstrdup(rec.bump);
		}
		fork_record_release(&rec);
	}
	git_commit_free(c);
	git_oid_fromraw(&oid, o->updated_oid);
	if (git_commit_lookup(&c, repo, &oid) < 0)
		return pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(&oid), vcs_git_msg());
	git_oid_tostr(o->updated_commit, sizeof(o->updated_commit), &oid);
	a = git_commit_author(c);
	history_format_time(o->updated_at, a ? (long long)a->when.time : (long long)git_commit_time(c));
	git_commit_free(c);
	return 0;
}

int origin_walk(git_repository *repo, struct origin *items, size_t n, size_t *ncommits)
{
	struct walk w;
	struct strmap dirs = STRMAP_INIT;
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_revwalk *walk = NULL;
	char **specs = xcalloc(n + 1, sizeof(char *));
	size_t i, nspecs = 0, maxparents = 0;
	git_oid oid;
	int ret = -1, unborn;

	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.items = items;
	w.n = n;
	for (i = 0; i < n; i++) {
		const char *slash = items[i].folder ? NULL : strrchr(items[i].path, '/');
		char *dir = slash ? xstrndup(items[i].path, (size_t)(slash - items[i].path))
				  : xstrdup(items[i].path);

		origin_release(&items[i]);
		items[i].state = ORIGIN_UNSEEN;
		items[i].seen_in = 0;
		strmap_put(&w.paths, items[i].path, i);
		/* The diff looks only inside the folders holding a version. */
		if (strmap_get(&dirs, dir, NULL)) {
			free(dir);
		} else {
			specs[nspecs] = dir;
			strmap_put(&dirs, specs[nspecs], nspecs);
			nspecs++;
		}
	}
	if (ncommits)
		*ncommits = 0;
	if (!n) {
		ret = 0;
		goto out;
	}
	opts.pathspec.strings = specs;
	opts.pathspec.count = nspecs;
	opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH | GIT_DIFF_SKIP_BINARY_CHECK;
	unborn = git_repository_head_unborn(repo);
	if (unborn == 1) {
		ret = 0;
		goto out;
	}
	if (unborn < 0 || git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
	    git_revwalk_push_head(walk) < 0) {
		pm_error(PM_EGIT, "cannot walk the history from HEAD: %s", vcs_git_msg());
		goto out;
	}
	while (w.ncreated < n && (ret = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		int r;

		if (git_commit_lookup(&c, repo, &oid) < 0) {
			pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(&oid), vcs_git_msg());
			ret = -1;
			goto out;
		}
		if (git_commit_parentcount(c) > maxparents + 1) {
			maxparents = git_commit_parentcount(c) - 1;
			w.other_trees = xrealloc(w.other_trees, maxparents * sizeof(*w.other_trees));
		}
		w.count++;
		r = walk_commit(&w, c, &opts);
		git_commit_free(c);
		if (r < 0)
			goto out;
	}
	if (ret != 0 && ret != GIT_ITEROVER) {
		ret = pm_error(PM_EGIT, "cannot walk the history: %s", vcs_git_msg());
		goto out;
	}
	ret = 0;
	for (i = 0; i < n && ret == 0; i++)
		if (items[i].state != ORIGIN_UNSEEN)
			ret = fill(repo, &items[i]);
	if (ncommits)
		*ncommits = w.count;
out:
	git_revwalk_free(walk);
	free(w.other_trees);
	strmap_release(&w.paths);
	strmap_release(&dirs);
	free_strings(specs, nspecs);
	return ret;
}
