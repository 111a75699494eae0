#include <errno.h>
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

	if (e && e->message)
		return e->message;
	/* libgit2 1.5 fails some writes without a message: a full disk must still say so. */
	if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG || errno == EROFS || errno == EIO)
		return strerror(errno);
	return "unknown libgit2 error";
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

int workspace_check_inside(const char *root, const char *rel)
{
	char *real_root = realpath(root, NULL), *full = xstrfmt("%s/%s", root, rel), *real = NULL;
	size_t n;
	int ret = -1;

	if (!real_root) {
		pm_error(PM_EGIT, "cannot resolve the workspace '%s': %s", root, strerror(errno));
		goto out;
	}
	/* The deepest part that exists decides: what is below it is created by us. */
	for (;;) {
		char *slash;

		real = realpath(full, NULL);
		if (real || errno != ENOENT)
			break;
		slash = strrchr(full, '/');
		if (!slash || slash == full)
			break;
		*slash = '\0';
	}
	if (!real) {
		pm_error(PM_EGIT, "cannot resolve '%s': %s", rel, strerror(errno));
		goto out;
	}
	n = strlen(real_root);
	if (n > 1 && (strncmp(real, real_root, n) || (real[n] != '/' && real[n] != '\0'))) {
		pm_error(PM_EGIT, "'%s' leads outside the workspace (to '%s'): refused", rel, real);
		goto out;
	}
	ret = 0;
out:
	free(real_root);
	free(real);
	free(full);
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
