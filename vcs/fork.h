#ifndef PMETA_FORK_H
#define PMETA_FORK_H

/*
 * Fork commits with libgit2 (DESIGN.md section 5). fork_create copies a
 * procedure script or a process folder to the next free version name and
 * commits only that copy: the new tree is HEAD's tree plus the new entry,
 * the branch moves by compare-and-swap on the old HEAD commit, and only the
 * new entries are added to the index, so whatever else the user has staged
 * or changed stays exactly as it was.
 *
 * Concurrency: the new file (or folder) is created with O_EXCL (mkdir), so
 * two processes never pick the same name; a moved branch makes the commit
 * start again on the new HEAD; the index is updated while holding git's own
 * <gitdir>/index.lock (waited for when git or another fork holds it).
 */

#include "vcs/history.h"

struct git_repository;

enum fork_bump {
	FORK_PATCH,
	FORK_MINOR,
	FORK_MAJOR,
	FORK_TO
};

struct fork_opts {
	enum fork_bump bump;
	const char *to;        /* FORK_TO: the new name (same kind; its schedule must match) */
	const char *message;   /* the user's message, or NULL */
	int from_worktree;     /* fork the file as it is on disk, even if not committed */
};

const char *fork_bump_str(enum fork_bump bump);

/*
 * Refuses what a fork cannot work on: a bare repository, a detached HEAD,
 * a branch without any commit. *branch (caller frees) = "refs/heads/main".
 */
int fork_check_repo(struct git_repository *repo, char **branch);

/*
 * Finds the schedule holding v when v->schedule is NULL, else checks that
 * it holds v: in HEAD's tree, or on disk as well when worktree_too. Sets
 * v->kind to what v is there: the convention's kind when it exists as
 * that (a script S/pys/NAME.py or a folder S/process_config/NAME/), else
 * the other one. PM_EGIT error when it is nowhere, or in several schedules.
 */
int fork_locate(struct git_repository *repo, const char *root, struct version_name *v,
		int worktree_too);

/*
 * Makes the fork of `name`; on success *out is the record of the commit
 * (release with fork_record_release) and *warning, when not NULL, says what
 * went wrong after the commit (the index could not be updated); caller frees.
 */
int fork_create(struct fork_record *out, char **warning, struct git_repository *repo,
		const char *root, const char *name, const struct fork_opts *opts);

#endif
