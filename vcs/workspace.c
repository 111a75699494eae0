#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/workspace.h"

const char *vcs_git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

int workspace_find(char **root, const char *start)
{
	git_buf buf = { 0 };
	git_repository *repo = NULL;
	const char *wd;
	size_t n;
	int ret = -1;

	*root = NULL;
	if (git_repository_discover(&buf, start, 0, NULL) < 0)
		return pm_error(PM_EGIT, "not in a pmeta workspace (no git repository here or above); run 'pmeta init'");
	if (git_repository_open(&repo, buf.ptr) < 0) {
		pm_error(PM_EGIT, "cannot open git repository '%s': %s", buf.ptr, vcs_git_msg());
		goto out;
	}
	wd = git_repository_workdir(repo);
	if (!wd) {
		pm_error(PM_EGIT, "repository '%s' is bare: a workspace needs a work tree", buf.ptr);
		goto out;
	}
	*root = xstrdup(wd);
	n = strlen(*root);
	while (n > 1 && (*root)[n - 1] == '/')
		(*root)[--n] = '\0';
	ret = 0;
out:
	git_repository_free(repo);
	git_buf_dispose(&buf);
	return ret;
}

int workspace_open(git_repository **out, const char *root)
{
	*out = NULL;
	if (git_repository_open(out, root) < 0)
		return pm_error(PM_EGIT, "cannot open git repository '%s': %s", root, vcs_git_msg());
	if (git_repository_is_bare(*out)) {
		git_repository_free(*out);
		*out = NULL;
		return pm_error(PM_EGIT, "repository '%s' is bare: a workspace needs a work tree", root);
	}
	return 0;
}

int workspace_init(const char *path, int *created)
{
	git_buf buf = { 0 };
	git_repository *repo = NULL;
	git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;

	*created = 0;
	if (git_repository_discover(&buf, path, 0, NULL) == 0) {
		git_buf_dispose(&buf);
		return 0;
	}
	opts.flags = GIT_REPOSITORY_INIT_MKPATH;
	opts.initial_head = "main";
	if (git_repository_init_ext(&repo, path, &opts) < 0)
		return pm_error(PM_EGIT, "cannot create git repository in '%s': %s", path, vcs_git_msg());
	git_repository_free(repo);
	*created = 1;
	return 0;
}
