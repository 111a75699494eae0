#ifndef PMETA_WORKSPACE_H
#define PMETA_WORKSPACE_H

/*
 * The workspace is a git work tree. These find and create it through
 * libgit2; errors are recorded as PM_EGIT.
 */

struct git_repository;

/*
 * The git error message, guarded: git_error_last() may be NULL in 1.5; then
 * a write error left in errno (ENOSPC, EDQUOT, EFBIG, EROFS, EIO) is named.
 */
const char *vcs_git_msg(void);

/* *root (caller frees) = the work tree around `start`, without trailing '/'. */
int workspace_find(char **root, const char *start);
/* Opens the repository whose work tree is root; bare repos are refused. */
int workspace_open(struct git_repository **out, const char *root);
/*
 * Checks, before anything under it is read or written, that root/rel (rel
 * relative to the work tree) stays inside the work tree once symbolic links
 * and ".." are resolved; a part that does not exist yet is fine. 0, or -1
 * (PM_EGIT) naming where it leads.
 */
int workspace_check_inside(const char *root, const char *rel);
/* Makes `path` a git repository unless it is inside one; *created says which. */
int workspace_init(const char *path, int *created);

#endif
