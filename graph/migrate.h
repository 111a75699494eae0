#ifndef PMETA_MIGRATE_H
#define PMETA_MIGRATE_H

/*
 * Schema migrations compiled into the binary (migrations/V*.cypher), applied
 * in version order and recorded in the neo4j-migrations chain shape with a
 * CRC32 checksum, so the official tooling can read pmeta's history.
 */

#include <stddef.h>

struct neo4j;

enum migration_state {
	MIGRATION_PENDING,
	MIGRATION_APPLIED,
	MIGRATION_CHANGED   /* applied, but the file's checksum differs now */
};

struct migration {
	const char *file;       /* borrowed from the embedded table, or owned below */
	const char *text;
	size_t len;
	char *version;          /* "0001" */
	char *description;      /* "graph constraints" */
	char checksum[16];      /* CRC32 as unsigned decimal, as neo4j-migrations stores it */
	enum migration_state state;
	char *applied_checksum;
	char *applied_at;
	char *owned_file;       /* set when read from PMETA_MIGRATIONS_DIR */
	char *owned_text;
};

struct migration_set {
	struct migration *items;
	size_t n;
	/* versions recorded in the graph that this binary does not know */
	char **unknown;
	size_t nunknown;
};
/* What a set is before migrations_load: migrations_release accepts it. */
#define MIGRATION_SET_INIT { NULL, 0, NULL, 0 }

/*
 * Reads the embedded files, sorted by numeric version parts. When
 * PMETA_MIGRATIONS_DIR is set, reads V*.cypher from that folder instead
 * (for developing a migration before it is compiled in).
 */
int migrations_load(struct migration_set *set);
void migrations_release(struct migration_set *set);
/* Fills state, applied_* and unknown from the graph. */
int migrations_read_applied(struct neo4j *db, struct migration_set *set);
size_t migrations_pending(const struct migration_set *set);

typedef void (*migration_cb)(const struct migration *m, double ms, void *arg);

/*
 * Takes the lock node, re-reads what is applied, refuses when an applied
 * file changed, applies what is pending (one statement per request), records
 * each migration after all its statements succeeded, releases the lock.
 * cb is called after each applied migration.
 */
int migrations_apply(struct neo4j *db, struct migration_set *set, migration_cb cb, void *arg);
/* Removes a stale lock; *removed says whether there was one. */
int migrations_unlock(struct neo4j *db, int *removed);

/* Exposed for unit tests. */
int migration_parse_name(const char *file, char **version, char **description);
int migration_version_cmp(const char *a, const char *b);
/* Splits on ';' at end of line; comment-only chunks are dropped. */
size_t migration_split(const char *text, size_t len, char ***stmts);
void migration_checksum(const char *text, size_t len, char out[16]);

#endif
