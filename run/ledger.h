#ifndef PMETA_LEDGER_H
#define PMETA_LEDGER_H

/*
 * The item ledger of one incremental step: which items (dataset, name) the
 * step has processed, with which content, and what their files looked like
 * when last hashed. It is the local truth of "what is new" (run/items.h):
 * an item is processed when a line here says so, whatever the graph holds.
 *
 * One append-only file per step, <root>/.pmeta/items/<schedule>/<process>/
 * <step>.ledger (a step name is an identifier), tab-separated lines:
 *
 *   # pmeta item ledger 1
 *   B <run id> <shard|-> <procedure> <blob|-> <at ms>   a job's batch: it processed
 *   P <hash> <size> <mtime ns> <hashed ms> <dataset> <name>   ... these items
 *   S <hash> <size> <mtime ns> <hashed ms> <dataset> <name>   a file hashed again
 *   C <done|-> <hash> <size> <mtime ns> <hashed ms> <dataset> <name>   compacted state
 *
 * A batch is one write(2) followed by fdatasync, so a crash loses at most
 * whole batches or the tail of one: those items are processed again, never
 * skipped. A torn last line is ignored, and cut before the next append (the
 * process lock, run/lock.h, makes the runner the only writer). The item
 * name is the last field: it may hold a tab, never a newline.
 *
 * The graph's copy (Item nodes and PROCESSED edges, docs/graph.md) is
 * written from the B/P lines after each run and by `pmeta sync`:
 * <step>.ledger.synced holds the size (and inode) of the ledger that
 * reached Neo4j.
 * When everything did, a ledger that grew well past its content is
 * rewritten as C lines (one per item).
 */

#include <stddef.h>
#include <sys/types.h>

#include "util/strbuf.h"
#include "util/strmap.h"

struct neo4j;

#define LEDGER_HASH_HEX 40

struct ledger_item {
	const char *key;                  /* "<dataset>\t<name>": in the ledger's text, or owned */
	int owned;                        /* key is the item's own allocation */
	size_t name_off;                  /* where the name starts in key */
	char done[LEDGER_HASH_HEX + 1];   /* content of its latest processing; "" = never */
	char hash[LEDGER_HASH_HEX + 1];   /* content when last hashed */
	long long size, mtime_ns;         /* its file then */
	long long hashed_ms;              /* when (wall clock) */
};

struct ledger {
	char *path;
	char *text;                       /* the file as read: loaded keys point into it */
	int fd;                           /* append fd, -1 until the first append */
	off_t size;                       /* bytes of whole lines */
	struct ledger_item *items;
	size_t n, alloc;
	struct strmap index;              /* key -> index into items */
	struct strbuf seen;               /* S lines not yet written */
	size_t lines;                     /* lines read and written: for compaction */
};

#define LEDGER_INIT { NULL, NULL, -1, 0, NULL, 0, 0, STRMAP_INIT, STRBUF_INIT, 0 }

/* <root>/.pmeta/items/<schedule>/<process>/<step>.ledger (caller frees). */
char *ledger_path(const char *root, const char *schedule, const char *process, const char *step);
/* <root>/.pmeta/items (caller frees). */
char *ledger_dir(const char *root);

/* Reads the ledger at path (absent: empty). 0, or -1 with an error recorded. */
int ledger_load(struct ledger *l, const char *path);
void ledger_release(struct ledger *l);

/* The entry of an item, or NULL. */
struct ledger_item *ledger_find(const struct ledger *l, const char *dataset, const char *name);

/* A file hashed again (its stat changed, its content may not have): queued as an S line. */
void ledger_seen(struct ledger *l, const char *dataset, const char *name, const char *hash,
		 long long size, long long mtime_ns, long long hashed_ms);

struct ledger_batch {
	const char *run_id;
	int shard;                        /* -1: the step is not sharded */
	const char *procedure;
	const char *blob;                 /* may be NULL */
	long long at_ms;
};

struct ledger_rec {
	const char *dataset, *name;
	const char *hash;
	long long size, mtime_ns, hashed_ms;
};

/*
 * Records that a job processed recs[0..n) (the queued S lines go first):
 * one write, then fdatasync. 0, or -1 with an error recorded (nothing is
 * counted processed then).
 */
int ledger_append(struct ledger *l, const struct ledger_batch *b, const struct ledger_rec *recs,
		  size_t n);
/* Writes the queued S lines (no sync: losing them costs a hash). */
int ledger_flush(struct ledger *l);

/*
 * Writes the B/P lines of the ledger at path that Neo4j lacks (after its
 * .synced mark) as Item nodes and PROCESSED edges of workspace ws, in
 * batches of at most 2,000 items a statement, one transaction, then moves
 * the mark. The schedule, process and step come from the path. *nitems
 * (may be NULL) counts the items written.
 */
int ledger_sync(struct neo4j *db, const char *ws, const char *path, size_t *nitems);

/*
 * Rewrites a loaded ledger as one C line per item when every line of it
 * reached Neo4j and it holds well over one line per item (only the holder
 * of the process lock may: nobody else appends meanwhile). 0 also when it
 * did nothing; -1 with an error recorded (the ledger is unchanged then).
 */
int ledger_compact(struct ledger *l);

/* ledger_sync for every ledger of the workspace at root. */
int ledger_sync_all(struct neo4j *db, const char *ws, const char *root, size_t *nitems);

/* Whether the ledger at path has lines Neo4j lacks. */
int ledger_unsynced(const char *path);

#endif
