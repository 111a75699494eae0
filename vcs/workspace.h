#ifndef PMETA_WORKSPACE_H
#define PMETA_WORKSPACE_H

#include <stddef.h>

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

/*
 * Adds "/.pmeta/" to the repository's info/exclude unless git ignores
 * .pmeta/ already (the user's .gitignore stays untouched).
 */
int workspace_ignore_pmeta(const char *root);

/*
 * The workspace's identity (docs/graph.md): the name every graph key of
 * the workspace starts with, kept in <root>/.pmeta/workspace (one line).
 * .pmeta/ is untracked and belongs to one work tree, so a clone or a git
 * worktree is a workspace of its own, as its run folders are.
 */
#define WORKSPACE_ID_FILE ".pmeta/workspace"

/* 1 with *name set (caller frees), 0 when the workspace has none, -1 on error. */
int workspace_id_read(char **name, const char *root);
/*
 * The identity in force (*name, caller frees): the one recorded, or a new
 * one (want, or workspace_id_default) written now, *created then set.
 * Refuses (PM_EFAIL) a want that differs from the one recorded, and
 * (PM_EUSAGE) a want that is not a valid name.
 */
int workspace_id_ensure(char **name, const char *root, const char *want, int *created);
/* The schedules on disk: folders of root holding process_config/ or pys/,
 * sorted (free with free_strings). */
size_t workspace_schedules(char ***names, const char *root);

/* The folder's name and 8 random hex digits: "demo-3f9a1c2e" (caller frees). */
char *workspace_id_default(const char *root);

#endif
