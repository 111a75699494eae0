#ifndef PMETA_ORIGIN_H
#define PMETA_ORIGIN_H

/*
 * Where each version came from, as git records it (the registry, issue 13
 * item 3): the commit that created its file (a script) or folder (a
 * process), with its author, email and time; the last commit that touched
 * it; and, when the creating commit is a pmeta fork of it, the version it
 * was forked from.
 *
 * origin_walk answers for any number of versions with ONE walk of HEAD's
 * history, newest first, diffing each commit against its first parent
 * only inside the folders that hold the versions; it stops as soon as the
 * creating commit of every version is known. A merge counts as touching a
 * file only when the file differs from every parent (as git log shows a
 * merge's own changes), so a file made on a branch keeps its author.
 * The walk follows the content HEAD holds back through the commits that
 * made it, as git log's history simplification does: a change a merge
 * discarded is no update. A version's life starts at the last commit that
 * added it: a file deleted and added again was created by the commit that
 * added it again. A version HEAD does not hold has no origin.
 */

#include <stddef.h>

struct git_repository;

struct origin {
	/* in */
	const char *path;          /* workspace-relative: "sche_001/pys/proc_004_v_001.py",
				      or a process folder "sche_001/process_config/p_002_v_000" */
	const char *name;          /* the version name, for the fork trailers: "proc_004_v_001" */
	int folder;                /* path is a folder */
	/* out: found = 0 when no commit of HEAD touches it (never committed) */
	int found;
	char *author;              /* of the creating commit */
	char *email;
	char created_commit[41];
	char created_at[32];       /* author time, UTC: "2026-11-21T08:13:19Z" */
	char updated_commit[41];   /* the last commit touching it */
	char updated_at[32];
	char *forked_from;         /* "proc_004_v_000" when the creating commit forked it */
	char *fork_bump;           /* "patch", "minor", "major", "to", or NULL */
	/* private */
	int state;
	unsigned char created_oid[20], updated_oid[20];
	unsigned char want[20];    /* the content whose making commit comes next */
};

/* Frees what the walk filled; leaves path, name, folder. */
void origin_release(struct origin *o);

/*
 * Fills items[0..n-1] from HEAD's history (an unborn HEAD finds nothing).
 * 0, or -1 with a PM_EGIT error. *ncommits (may be NULL) is how many
 * commits the walk read.
 */
int origin_walk(struct git_repository *repo, struct origin *items, size_t n, size_t *ncommits);

#endif
