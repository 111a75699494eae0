/*
 * The provenance of a job's script (vcs/provenance.h): one git_odb_hashfile
 * of the bytes on disk (git hash-object, without filters: the bytes that
 * run), and the script's entry in HEAD's tree. HEAD is resolved at every
 * call (a reference read); its tree is kept while HEAD stays the same, so
 * the thousand shards of a step cost a thousand hashes of one small file
 * and one tree lookup each from libgit2's object cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/provenance.h"
#include "vcs/workspace.h"

struct provenance {
	git_repository *repo;
	char *root;
	git_oid head;          /* the commit whose tree is kept */
	git_tree *tree;        /* HEAD's tree, or NULL */
};

int provenance_open(struct provenance **out, const char *root)
{
	struct provenance *pv = xcalloc(1, sizeof(*pv));

	*out = NULL;
	if (workspace_open(&pv->repo, root) < 0) {
		free(pv);
		return -1;
	}
	pv->root = xstrdup(root);
	*out = pv;
	return 0;
}

void provenance_free(struct provenance *pv)
{
	if (!pv)
		return;
	git_tree_free(pv->tree);
	git_repository_free(pv->repo);
	free(pv->root);
	free(pv);
}

/* HEAD's tree (borrowed), loaded when HEAD moved; NULL with *unborn set when no commit yet. */
static git_tree *head_tree(struct provenance *pv, git_oid *head, int *unborn)
{
	git_commit *commit = NULL;
	int err;

	*unborn = 0;
	err = git_reference_name_to_id(head, pv->repo, "HEAD");
	if (err == GIT_ENOTFOUND || err == GIT_EUNBORNBRANCH) {
		*unborn = 1;
		return NULL;
	}
	if (err < 0) {
		pm_error(PM_EGIT, "cannot resolve HEAD: %s", vcs_git_msg());
		return NULL;
	}
	if (pv->tree && git_oid_equal(head, &pv->head))
		return pv->tree;
	git_tree_free(pv->tree);
	pv->tree = NULL;
	if (git_commit_lookup(&commit, pv->repo, head) < 0 ||
	    git_commit_tree(&pv->tree, commit) < 0) {
		pm_error(PM_EGIT, "cannot read HEAD's tree: %s", vcs_git_msg());
		git_commit_free(commit);
		return NULL;
	}
	git_commit_free(commit);
	git_oid_cpy(&pv->head, head);
	return pv->tree;
}

int provenance_script(struct provenance *pv, const char *script, struct script_provenance *out)
{
	struct script_provenance unknown = SCRIPT_PROVENANCE_INIT;
	git_tree_entry *entry = NULL;
	git_tree *tree;
	git_oid blob, head;
	char *path = xstrfmt("%s/%s", pv->root, script);
	int unborn, ret = 0;

	*out = unknown;
	errno = 0;
	if (git_odb_hashfile(&blob, path, GIT_OBJECT_BLOB) < 0) {
		ret = pm_error(PM_EFAIL, "cannot hash script '%s': %s", script,
			       errno ? strerror(errno) : vcs_git_msg());
		goto out;
	}
	git_oid_tostr(out->blob, sizeof(out->blob), &blob);
	tree = head_tree(pv, &head, &unborn);
	if (unborn) {
		out->dirty = 1;  /* nothing is committed, so neither is this */
		goto out;
	}
	if (!tree) {
		ret = -1;
		goto out;
	}
	git_oid_tostr(out->commit, sizeof(out->commit), &head);
	if (git_tree_entry_bypath(&entry, tree, script) == 0 &&
	    git_tree_entry_type(entry) == GIT_OBJECT_BLOB)
		out->dirty = !git_oid_equal(git_tree_entry_id(entry), &blob);
	else
		out->dirty = 1;  /* not in HEAD: never committed */
out:
	git_tree_entry_free(entry);
	free(path);
	return ret;
}

int script_provenance(struct script_provenance *out, const char *root, const char *script)
{
	struct script_provenance unknown = SCRIPT_PROVENANCE_INIT;
	struct provenance *pv = NULL;
	int ret;

	*out = unknown;
	if (provenance_open(&pv, root) < 0) {
		/* The blob is still worth having without git. */
		char *path = xstrfmt("%s/%s", root, script);
		git_oid blob;

		if (git_odb_hashfile(&blob, path, GIT_OBJECT_BLOB) == 0)
			git_oid_tostr(out->blob, sizeof(out->blob), &blob);
		free(path);
		return -1;
	}
	ret = provenance_script(pv, script, out);
	provenance_free(pv);
	return ret;
}
