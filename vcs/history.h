#ifndef PMETA_HISTORY_H
#define PMETA_HISTORY_H

/*
 * Fork lineage as git records it: a fork commit carries trailers
 *
 *   Pmeta-Fork: proc_004_v_001
 *   Pmeta-Forked-From: proc_004_v_000
 *   Pmeta-Source-Blob: <blob of the source>      (Pmeta-Source-Tree for a process)
 *   Pmeta-Bump: patch|minor|major|to
 *   Pmeta-Kind: procedure|process
 *   Pmeta-Schedule: sche_001
 *
 * and history_forks() reads them back with a libgit2 revwalk. A struct
 * fork_record is what both `pmeta fork` (fresh) and `pmeta sync` (from the
 * history) hand to the graph, so both write the same nodes and edges.
 */

#include <stddef.h>

#include "vcs/version.h"

struct git_repository;
struct git_commit;

struct fork_record {
	struct version_name src;   /* schedule set */
	struct version_name dst;   /* schedule set */
	char *bump;                /* "patch", "minor", "major", "to" */
	char *source_id;           /* blob (procedure) or tree (process) forked from */
	char *dst_id;              /* blob or tree of the new version in the fork commit */
	char commit[41];           /* the fork commit */
	char at[32];               /* its committer time, UTC: 2026-11-21T08:13:19Z */
};

void fork_record_release(struct fork_record *rec);

struct fork_list {
	struct fork_record *items;
	size_t n, alloc;
	char **ignored;            /* "commit <id>: why it is not believed", one per commit */
	size_t nignored;
};

void fork_list_release(struct fork_list *list);

/* The trailer block for rec (ends with '\n'); caller frees. */
char *history_trailers(const struct fork_record *rec);

/*
 * The whole message of rec's fork commit: subject, the user's text (may be
 * NULL) and the trailer block, last. The user's text is kept as written,
 * '#' lines included; CRLF and CR become LF, trailing spaces and repeated
 * blank lines go, and a line git could take for the end of the message
 * ("---", a scissors line) is indented by one space, so that git, libgit2
 * and history_parse_message all read pmeta's own trailers. Caller frees.
 */
char *history_fork_message(const struct fork_record *rec, const char *user);

/*
 * Reads the fork trailers of a commit message: the Pmeta-* lines of its last
 * paragraph (never the subject). Returns 1 and fills rec (but not commit,
 * at, dst_id) when the message is a pmeta fork, 0 when it is not, -1
 * (PM_EGIT) when its trailers are malformed. A message is only a claim:
 * history_forks and history_log also check the commit's tree.
 */
int history_parse_message(struct fork_record *rec, const char *message);

/* Formats a commit time as UTC "YYYY-MM-DDTHH:MM:SSZ" into buf[32]. */
void history_format_time(char buf[32], long long seconds);

/*
 * Every fork recorded in the history of HEAD, oldest first (topological,
 * then time), so a version's own fork precedes forks made from it.
 * A commit counts as a fork only when its trailers parse and its tree bears
 * them out: it adds the new version's file (folder) with the very blob
 * (tree) its Pmeta-Source-* trailer names, and its first parent lacks it.
 * Other commits with Pmeta trailers are listed in out->ignored, with why.
 * An unborn HEAD gives an empty list.
 */
int history_forks(struct fork_list *out, struct git_repository *repo);

/* One line of `pmeta log`. */
struct log_entry {
	char commit[41];
	char at[32];
	char *author;
	char *subject;
	char *what;        /* "created by fork from X (patch)", "forked to Y (minor)", "changed", "added" */
};

struct log_list {
	struct log_entry *items;
	size_t n, alloc;
};

void log_list_release(struct log_list *list);

/*
 * The history of version v (schedule set) on HEAD, newest first: commits that
 * changed its file (or folder), and forks from and to it.
 */
int history_log(struct log_list *out, struct git_repository *repo, const struct version_name *v);

#endif
