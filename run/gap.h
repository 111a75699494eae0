#ifndef PMETA_GAP_H
#define PMETA_GAP_H

/*
 * The gap of an incremental step: the items of the datasets it reads that
 * it has not processed in their current content (docs/run.md, "Only what
 * is new"). Pure functions of the disk and the step's ledger
 * (run/ledger.h): the runner's gate (run/items.h) calls them when a job
 * becomes ready, and a wrapper that starts jobs on a cluster node could
 * call them there.
 *
 * An item is an entry directly in <data root>/<dataset>/ whose name
 * matches the step's `items` pattern (fnmatch, no FNM_PERIOD needed:
 * hidden entries are never items), is not an amend subfolder of that
 * dataset (a dataset <dataset>/<sub> of the schedule), and holds no
 * newline (an items file has one path a line). Files and folders both;
 * a symbolic link counts as what it points at.
 *
 * Content: a file's git blob id (what `git hash-object` prints); a
 * folder's is the blob id of a listing of its files (relative path, size,
 * modification time), recursively. An item counts as unchanged without
 * hashing when its size and modification time are the ones the ledger
 * recorded and it was last modified over two seconds before it was hashed
 * (a later write within the clock's granularity could otherwise hide: git's
 * "racily clean" rule); folders are always listed again.
 */

#include <stddef.h>

struct ledger;

struct items_step {
	char *step;            /* the step's name */
	char *glob;            /* `items =` */
	long batch;            /* at most this many items a job; 0 = no cap */
	int force;             /* run_mode = force: every current item, and run even with none */
	char **datasets;       /* the datasets it reads, sorted */
	size_t ndatasets;
	char **skip;           /* "<dataset>/<sub>": amend subfolders, never items; sorted */
	size_t nskip;
};

void items_step_release(struct items_step *st);

struct item {
	const char *dataset;   /* borrowed from the items_step */
	char *name;
	long long size, mtime_ns;
	int dir;
	int changed;           /* in a gap: processed before, in other content */
	char hash[41];         /* "" until hashed */
	long long hashed_ms;   /* when hash was taken (wall clock, just before reading) */
};

struct item_list {
	struct item *v;
	size_t n, alloc;
};

#define ITEM_LIST_INIT { NULL, 0, 0 }

void item_list_release(struct item_list *l);

/*
 * Every current item of the step, appended to *out in the folders' order.
 * A dataset folder that does not exist has no items. -1 with an error
 * recorded when a folder cannot be read.
 */
int items_scan(struct item_list *out, const struct items_step *st, const char *data_root);

/* Sorts by name, then dataset (a task's entries in two datasets sit together). */
void item_list_sort(struct item_list *l);

/* Fills it->hash from the disk; -1 with an error recorded (ENOENT: gone). */
int item_hash(struct item *it, const char *data_root);

/*
 * The gap (appended to *gap, which is then sorted: item_list_sort): with force, every item of
 * all; else those the ledger has no processing of in their current
 * content. Items whose stat cannot vouch for them are hashed here, and
 * what was learnt is queued in the ledger (ledger_seen); new items are
 * hashed later, when taken (item_hash). The items moved to gap are taken
 * out of all.
 */
int items_gap(struct item_list *gap, struct item_list *all, struct ledger *l,
	      const char *data_root, int force);

/* The shard (0..max_shard-1) of an item: FNV-1a of its name, stable across runs and hosts. */
int items_shard_of(const char *name, int max_shard);

/*
 * How a job names an item in its items file: the path relative to the
 * workspace root when the data root is inside it, else absolute (caller frees).
 */
char *items_path(const char *root, const char *data_root, const struct item *it);

#endif
