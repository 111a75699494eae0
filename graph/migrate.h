#ifndef PMETA_MIGRATE_H
#define PMETA_MIGRATE_H

/*
 * Schema migrations compiled into the binary (migrations/V*.cypher), applied
 * in version order and recorded exactly as the official neo4j-migrations tool
 * records them (verified against its CLI 2.17.3): the same chain of
 * :__Neo4jMigration nodes, the same checksum, the same lock node. Either tool
 * can read, validate and continue what the other applied, and each waits for
 * or refuses the other's lock.
 */

#include <stddef.h>

struct neo4j;

enum migration_state {
	MIGRATION_PENDING,
	MIGRATION_APPLIED,
	/* applied by pmeta 0.1, which recorded the CRC32 of the whole file:
	 * accepted; `pmeta migrate` re-records it as neo4j-migrations computes it */
	MIGRATION_LEGACY,
	MIGRATION_CHANGED   /* applied, but the file's checksum differs now */
};

/* What the graph says about one applied migration (either tool's). */
struct migration_record {
	char *version;
	char *description;
	char *checksum;
	char *applied_at;       /* "2026-12-01T06:07:31Z", or NULL */
	char *installed_by;     /* "by/connectedAs", as neo4j-migrations shows it */
	int repeatable;         /* an R__ migration (neo4j-migrations only) */
};

struct migration {
	const char *file;       /* borrowed from the embedded table, or owned below */
	const char *text;
	size_t len;
	char *version;          /* "0001"; "1.2" for V1_2__... (as neo4j-migrations) */
	char *description;      /* "graph constraints" */
	char checksum[16];      /* as neo4j-migrations computes it, unsigned decimal */
	char file_checksum[16]; /* CRC32 of the raw file: what pmeta 0.1 recorded */
	enum migration_state state;
	struct migration_record applied;   /* all NULL while pending */
	char *owned_file;       /* set when read from PMETA_MIGRATIONS_DIR */
	char *owned_text;
};

struct migration_set {
	struct migration *items;
	size_t n;
	/* migrations in the graph's chain that this binary does not know, e.g. a
	 * later one applied by neo4j-migrations from another folder */
	struct migration_record *unknown;
	size_t nunknown;
	/* the version at the end of the chain ("BASELINE" when none) */
	char *last_version;
};
/* What a set is before migrations_load: migrations_release accepts it. */
#define MIGRATION_SET_INIT { NULL, 0, NULL, 0, NULL }

/*
 * Reads the embedded files, sorted by numeric version parts. When
 * PMETA_MIGRATIONS_DIR is set, reads V*.cypher from that folder instead
 * (for developing a migration before it is compiled in).
 */
int migrations_load(struct migration_set *set);
void migrations_release(struct migration_set *set);
/* Fills state, applied and unknown from the graph's chain. */
int migrations_read_applied(struct neo4j *db, struct migration_set *set);
size_t migrations_pending(const struct migration_set *set);
size_t migrations_count(const struct migration_set *set, enum migration_state state);

enum migration_event {
	MIGRATION_EV_APPLIED,       /* ms: how long its statements took */
	MIGRATION_EV_RERECORDED     /* a LEGACY checksum was replaced */
};

typedef void (*migration_cb)(const struct migration *m, enum migration_event ev, double ms,
			     void *arg);

/*
 * Takes the lock node (waiting for another pmeta or neo4j-migrations to
 * finish), re-reads what is applied, refuses when an applied file changed or
 * a pending one is older than the end of the chain, re-records LEGACY
 * checksums, applies what is pending (one statement per request), records
 * each migration after all its statements succeeded, releases the lock.
 * cb is called after each re-recorded and each applied migration.
 */
int migrations_apply(struct neo4j *db, struct migration_set *set, migration_cb cb, void *arg);
/* Removes a lock left by a pmeta or neo4j-migrations that died; *removed
 * says how many lock nodes there were. */
int migrations_unlock(struct neo4j *db, int *removed);

/* Exposed for unit tests. */
int migration_parse_name(const char *file, char **version, char **description);
int migration_version_cmp(const char *a, const char *b);
/*
 * Splits as neo4j-migrations does: on ';' directly followed by a line break,
 * each statement trimmed, one trailing ';' dropped, empty ones skipped.
 * Comment-only statements are kept (they count in the checksum).
 */
size_t migration_split(const char *text, size_t len, char ***stmts);
/* True when a statement is only // comments (not sent to Neo4j). */
int migration_is_comment(const char *stmt);
/* CRC32 over the statements of migration_split, as neo4j-migrations. */
void migration_checksum(const char *text, size_t len, char out[16]);
/* CRC32 of the raw bytes (pmeta 0.1's checksum). */
void migration_file_checksum(const char *text, size_t len, char out[16]);

#endif
