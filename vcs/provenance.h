#ifndef PMETA_PROVENANCE_H
#define PMETA_PROVENANCE_H

/*
 * What a job really runs (docs/run.md, "Provenance"): the git blob id of
 * its script's bytes on disk at the moment it starts, whether that blob
 * differs from the script's blob at HEAD (uncommitted edits ran), and
 * HEAD's commit. Whoever starts a job hashes its script just before the
 * start and reports it with EXEC_STARTED (run/executor.h): the local
 * executor before posix_spawn, a cluster's job wrapper on the node before
 * it execs the command. run/records.h turns it into the JobRun's blob,
 * dirty and commit.
 */

#include <stddef.h>

struct git_repository;

#define PROVENANCE_HEXSZ 40

struct script_provenance {
	char blob[PROVENANCE_HEXSZ + 1];    /* blob id of the bytes on disk; "" = unknown */
	char commit[PROVENANCE_HEXSZ + 1];  /* HEAD when it started; "" = no commit yet, or unknown */
	int dirty;          /* 1: blob is not the script's blob at HEAD (edited, or not
			       committed at all); 0: it is; -1: unknown */
};

#define SCRIPT_PROVENANCE_INIT { "", "", -1 }

/* A workspace's repository, opened once for the many jobs of a run. */
struct provenance;

/* Opens the repository of the work tree root; -1 with a PM_EGIT error. */
int provenance_open(struct provenance **out, const char *root);

/*
 * Fills *out for script (a path relative to the work tree root). Fills
 * what it can and returns -1 with an error recorded when part is unknown
 * (the file cannot be read: blob ""; git fails: dirty -1); the job runs
 * all the same. HEAD is read again at every call: a commit made during a
 * run counts from the next job on.
 */
int provenance_script(struct provenance *pv, const char *script, struct script_provenance *out);

void provenance_free(struct provenance *pv);

/*
 * One job, one call: open, hash, free. For a process that starts a single
 * job, as the Slurm job wrapper (`pmeta job`) does on the node.
 */
int script_provenance(struct script_provenance *out, const char *root, const char *script);

#endif
