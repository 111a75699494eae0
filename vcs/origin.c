/*
 * Where versions came from: one walk of HEAD's history for all of them
 * (see vcs/origin.h). Per commit, the tree is compared with the first
 * parent's along the folders holding the versions only (no git_diff: a
 * pathspec diff of libgit2 1.5 visits every entry of those folders and cost
 * 1.1 M instructions a commit on the 1,000-commit benchmark).
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

/* A version's state in the walk: ABSENT = HEAD does not hold it, so nothing to follow. */
enum { ORIGIN_UNSEEN, ORIGIN_SEEN, ORIGIN_CREATED, ORIGIN_ABSENT };

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

/*
 * The folders on the way to the versions, as a tree of their own: per
 * commit, the walk compares only the entries it names, and goes down a
 * folder only when its id differs from the parent's (git's own shortcut),
 * so a commit touching nothing of interest costs a few lookups.
 */
struct dir {
	char *name;                 /* this folder's own name ("" for the root) */
	size_t *dirs, ndirs;        /* child folders, indexes into walk.dirs */
	size_t *items, nitems;      /* versions right inside it, indexes into items */
};

struct walk {
	git_repository *repo;
	struct origin *items;
	size_t n, ncreated, count;
	struct dir *dirs;           /* dirs[0] is the root */
	size_t ndirs;
	struct strmap dir_index;    /* folder path -> dirs index (keys owned by dir_paths) */
	char **dir_paths;
	const git_oid *commit;
	git_tree *parent_tree;      /* first parent's, or NULL */
	git_tree **other_trees;     /* a merge's other parents' */
	size_t nother;
};

static size_t dir_of(struct walk *w, const char *path, size_t len)
{
	char *key = xstrndup(path, len);
	const char *slash;
	size_t idx, parent;
	struct dir *d;

	if (strmap_get(&w->dir_index, key, &idx)) {
		free(key);
		return idx;
	}
	slash = memrchr(path, '/', len);
	parent = slash ? dir_of(w, path, (size_t)(slash - path)) : 0;
	w->dirs = xrealloc(w->dirs, (w->ndirs + 1) * sizeof(*w->dirs));
	w->dir_paths = xrealloc(w->dir_paths, (w->ndirs + 1) * sizeof(*w->dir_paths));
	d = &w->dirs[w->ndirs];
	memset(d, 0, sizeof(*d));
	d->name = slash ? xstrndup(slash + 1, len - (size_t)(slash + 1 - path)) : xstrdup(key);
	w->dir_paths[w->ndirs] = key;
	strmap_put(&w->dir_index, key, w->ndirs);
	idx = w->ndirs++;
	w->dirs[parent].dirs = xrealloc(w->dirs[parent].dirs, (w->dirs[parent].ndirs + 1) * sizeof(size_t));
	w->dirs[parent].dirs[w->dirs[parent].ndirs++] = idx;
	return idx;
}

static void dirs_build(struct walk *w)
{
	size_t i, d;

	w->dirs = xcalloc(1, sizeof(*w->dirs));
	w->dirs[0].name = xstrdup("");
	w->dir_paths = xcalloc(1, sizeof(*w->dir_paths));
	w->dir_paths[0] = xstrdup("");
	strmap_put(&w->dir_index, w->dir_paths[0], 0);
	w->ndirs = 1;
	for (i = 0; i < w->n; i++) {
		const char *path = w->items[i].path, *slash = strrchr(path, '/');

		d = slash ? dir_of(w, path, (size_t)(slash - path)) : 0;
		w->dirs[d].items = xrealloc(w->dirs[d].items, (w->dirs[d].nitems + 1) * sizeof(size_t));
		w->dirs[d].items[w->dirs[d].nitems++] = i;
	}
}

static void dirs_release(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->ndirs; i++) {
		free(w->dirs[i].name);
		free(w->dirs[i].dirs);
		free(w->dirs[i].items);
		free(w->dir_paths[i]);
	}
	free(w->dirs);
	free(w->dir_paths);
	strmap_release(&w->dir_index);
}

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

/*
 * The commit made the content o->want of item idx from `before` (NULL:
 * it added it): the last commit so far, and the one whose content the
 * walk looks for next.
 */
static void touch(struct walk *w, size_t idx, const git_oid *before)
{
	struct origin *o = &w->items[idx];

	if (o->state == ORIGIN_UNSEEN) {
		memcpy(o->updated_oid, w->commit->id, 20);
		o->state = ORIGIN_SEEN;
	}
	memcpy(o->created_oid, w->commit->id, 20);
	if (before) {
		memcpy(o->want, before->id, 20);
	} else {
		o->state = ORIGIN_CREATED;
		w->ncreated++;
	}
}

/*
 * A merge's change to a version that one of its other parents already had
 * (the same id there, or absent there too) is that parent's: the merge did
 * not make it.
 */
static int from_other_parent(const struct walk *w, const char *path, const git_oid *now)
{
	size_t i;

	for (i = 0; i < w->nother; i++) {
		git_oid id;
		int has = tree_has(w->other_trees[i], path, &id);

		if (now ? has && git_oid_equal(&id, now) : !has)
			return 1;
	}
	return 0;
}

static const git_oid *entry_id(const git_tree *t, const char *name)
{
	const git_tree_entry *e = t ? git_tree_entry_byname(t, name) : NULL;

	return e ? git_tree_entry_id(e) : NULL;
}

/* Compares folder d of the commit (now) with the first parent's (then). */
static int compare_dir(struct walk *w, size_t d, git_tree *now, git_tree *then)
{
	const struct dir *dir = &w->dirs[d];
	size_t i;

	for (i = 0; i < dir->nitems; i++) {
		struct origin *o = &w->items[dir->items[i]];
		const char *base = strrchr(o->path, '/');
		const git_oid *a = entry_id(now, base ? base + 1 : o->path);
		const git_oid *b = entry_id(then, base ? base + 1 : o->path);

		/* Only the commit that made the content followed counts (a, not b, is it). */
		if (o->state >= ORIGIN_CREATED || !a || memcmp(a->id, o->want, 20) ||
		    (b && git_oid_equal(a, b)))
			continue;
		if (w->nother && from_other_parent(w, o->path, a))
			continue;
		touch(w, dir->items[i], b);
	}
	for (i = 0; i < dir->ndirs; i++) {
		const struct dir *sub = &w->dirs[dir->dirs[i]];
		const git_oid *a = entry_id(now, sub->name), *b = entry_id(then, sub->name);
		git_tree *ta = NULL, *tb = NULL;
		int r = 0;

		if ((!a && !b) || (a && b && git_oid_equal(a, b)))
			continue;
		/* Not a folder on one side (a file of that name): treat it as absent there. */
		if (a && git_tree_lookup(&ta, w->repo, a) < 0)
			ta = NULL;
		if (b && git_tree_lookup(&tb, w->repo, b) < 0)
			tb = NULL;
		git_error_clear();
		if (ta || tb)
			r = compare_dir(w, dir->dirs[i], ta, tb);
		git_tree_free(ta);
		git_tree_free(tb);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int walk_commit(struct walk *w, git_commit *c)
{
	git_tree *tree = NULL;
	size_t i, nparents = git_commit_parentcount(c);
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
	ret = compare_dir(w, 0, tree, w->parent_tree);
	goto out;
git_fail:
	pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(git_commit_id(c)), vcs_git_msg());
out:
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
	git_revwalk *walk = NULL;
	size_t i, maxparents = 0;
	git_oid oid;
	int ret = -1, unborn;

	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.items = items;
	w.n = n;
	/*
	 * Every tree is read twice (as a commit's and as its child's parent's):
	 * let libgit2 cache trees of any size (its default keeps only those
	 * under 4 KB, not a folder of 100 scripts), and trust the object store
	 * as git does instead of hashing every object read again (44% of the
	 * walk's instructions). Both are set back after the walk.
	 */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)1 << 20);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	for (i = 0; i < n; i++) {
		origin_release(&items[i]);
		items[i].state = ORIGIN_UNSEEN;
	}
	dirs_build(&w);
	if (ncommits)
		*ncommits = 0;
	unborn = n ? git_repository_head_unborn(repo) : 1;
	if (unborn == 1) {
		ret = 0;
		goto out;
	}
	/* What HEAD holds of each version: the content to follow back. */
	if (unborn == 0) {
		git_reference *head = NULL;
		git_commit *hc = NULL;
		git_tree *ht = NULL;

		if (git_repository_head(&head, repo) < 0 ||
		    git_commit_lookup(&hc, repo, git_reference_target(head)) < 0 ||
		    git_commit_tree(&ht, hc) < 0) {
			git_reference_free(head);
			git_commit_free(hc);
			pm_error(PM_EGIT, "cannot read HEAD: %s", vcs_git_msg());
			goto out;
		}
		for (i = 0; i < n; i++) {
			git_oid id;

			if (tree_has(ht, items[i].path, &id)) {
				memcpy(items[i].want, id.id, 20);
			} else {
				items[i].state = ORIGIN_ABSENT;
				w.ncreated++;
			}
		}
		git_tree_free(ht);
		git_commit_free(hc);
		git_reference_free(head);
	}
	if (unborn < 0 || git_revwalk_new(&walk, repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) < 0 ||
	    git_revwalk_push_head(walk) < 0) {
		pm_error(PM_EGIT, "cannot walk the history from HEAD: %s", vcs_git_msg());
		goto out;
	}
	ret = 0;
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
		r = walk_commit(&w, c);
		git_commit_free(c);
		if (r < 0) {
			ret = -1;
			goto out;
		}
	}
	if (ret != 0 && ret != GIT_ITEROVER) {
		ret = pm_error(PM_EGIT, "cannot walk the history: %s", vcs_git_msg());
		goto out;
	}
	ret = 0;
	for (i = 0; i < n && ret == 0; i++)
		if (items[i].state == ORIGIN_SEEN || items[i].state == ORIGIN_CREATED)
			ret = fill(repo, &items[i]);
	if (ncommits)
		*ncommits = w.count;
out:
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)4096);
	git_revwalk_free(walk);
	free(w.other_trees);
	dirs_release(&w);
	return ret;
}
