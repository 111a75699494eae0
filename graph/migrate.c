#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "cypher.h"
#include "graph/migrate.h"
#include "graph/neo4j.h"
#include "migrations.h"
#include "util/err.h"
#include "util/strbuf.h"

/* How long a second `pmeta migrate` waits for the first one's lock, unless
 * PMETA_MIGRATE_LOCK_WAIT (seconds) says otherwise. */
#define LOCK_WAIT_MS 60000

/*
 * V<version>__<description>.cypher, with neo4j-migrations' rules: the version
 * is digits separated by '_' or '.', the description letters, digits, '_' and
 * spaces. The version is recorded with '.' for '_' ("V1_2" is "1.2"), the
 * description with ' ' for '_', as the tool records them.
 */
int migration_parse_name(const char *file, char **version, char **description)
{
	const char *sep = strstr(file, "__"), *dot;
	size_t i;

	*version = *description = NULL;
	if (file[0] != 'V' || !sep || sep == file + 1)
		return pm_error(PM_EFAIL, "migration file '%s' is not named V<version>__<description>.cypher", file);
	dot = strstr(sep, ".cypher");
	if (!dot || dot[7] != '\0')
		return pm_error(PM_EFAIL, "migration file '%s' does not end in .cypher", file);
	if (!isdigit((unsigned char)file[1]) || !isdigit((unsigned char)sep[-1]))
		return pm_error(PM_EFAIL, "migration file '%s' has a version that is not numeric", file);
	for (i = 1; file + i < sep; i++)
		if (!isdigit((unsigned char)file[i]) &&
		    !((file[i] == '_' || file[i] == '.') && isdigit((unsigned char)file[i + 1])))
			return pm_error(PM_EFAIL, "migration file '%s' has a version that is not numeric", file);
	if (dot == sep + 2)
		return pm_error(PM_EFAIL, "migration file '%s' has no description", file);
	for (i = 2; sep + i < dot; i++)
		if (!isalnum((unsigned char)sep[i]) && sep[i] != '_' && sep[i] != ' ')
			return pm_error(PM_EFAIL,
					"migration file '%s': the description may hold letters, digits, '_' and spaces only (neo4j-migrations reads no other)",
					file);
	*version = xstrndup(file + 1, (size_t)(sep - file - 1));
	*description = xstrndup(sep + 2, (size_t)(dot - sep - 2));
	for (i = 0; (*version)[i]; i++)
		if ((*version)[i] == '_')
			(*version)[i] = '.';
	for (i = 0; (*description)[i]; i++)
		if ((*description)[i] == '_')
			(*description)[i] = ' ';
	return 0;
}

/* Compares version parts ("1_2" or "1.2") numerically, as neo4j-migrations does. */
int migration_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long long x = 0, y = 0;

		while (*a == '_' || *a == '.')
			a++;
		while (*b == '_' || *b == '.')
			b++;
		while (isdigit((unsigned char)*a))
			x = x * 10 + (unsigned)(*a++ - '0');
		while (isdigit((unsigned char)*b))
			y = y * 10 + (unsigned)(*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		if (!*a && !*b)
			break;
		if (!isdigit((unsigned char)*a) && *a != '_' && *a != '.' && *a)
			a++;
		if (!isdigit((unsigned char)*b) && *b != '_' && *b != '.' && *b)
			b++;
	}
	return 0;
}

void migration_file_checksum(const char *text, size_t len, char out[16])
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, (const Bytef *)text, (uInt)len);
	snprintf(out, 16, "%lu", (unsigned long)crc);
}

/* Java's String.trim(): every byte up to ' ' (UTF-8 keeps those single). */
static int is_trim(char c)
{
	return (unsigned char)c <= ' ';
}

static char *statement_dup(const char *s, size_t n)
{
	while (n && is_trim(*s)) {
		s++;
		n--;
	}
	while (n && is_trim(s[n - 1]))
		n--;
	if (n && s[n - 1] == ';') {
		n--;
		while (n && is_trim(s[n - 1]))
			n--;
	}
	return xstrndup(s, n);
}

/* Length of the line break at s (\r\n, \n or \r), 0 when none. */
static size_t line_break(const char *s, const char *end)
{
	if (s < end && *s == '\r')
		return s + 1 < end && s[1] == '\n' ? 2 : 1;
	return s < end && *s == '\n';
}

size_t migration_split(const char *text, size_t len, char ***stmts)
{
	const char *end = text + len, *start = text, *p;
	size_t n = 0;

	*stmts = NULL;
	for (p = text; p <= end; p++) {
		size_t brk = 0;
		char *s;

		if (p < end) {
			if (*p != ';' || !(brk = line_break(p + 1, end)))
				continue;
		}
		s = statement_dup(start, (size_t)(p - start));
		if (*s) {
			*stmts = xrealloc(*stmts, (n + 1) * sizeof(**stmts));
			(*stmts)[n++] = s;
		} else {
			free(s);
		}
		if (p == end)
			break;
		p += brk;
		start = p + 1;
	}
	return n;
}

int migration_is_comment(const char *s)
{
	while (*s) {
		while (is_trim(*s) && *s)
			s++;
		if (!*s)
			return 1;
		if (s[0] != '/' || s[1] != '/')
			return 0;
		while (*s && *s != '\n' && *s != '\r')
			s++;
	}
	return 1;
}

void migration_checksum(const char *text, size_t len, char out[16])
{
	uLong crc = crc32(0L, Z_NULL, 0);
	char **stmts;
	size_t n = migration_split(text, len, &stmts), i;

	for (i = 0; i < n; i++) {
		crc = crc32(crc, (const Bytef *)stmts[i], (uInt)strlen(stmts[i]));
		free(stmts[i]);
	}
	free(stmts);
	snprintf(out, 16, "%lu", (unsigned long)crc);
}

static int cmp_migration(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return migration_version_cmp(x->version, y->version);
}

static int load_dir(struct migration_set *set, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return pm_error(PM_EFAIL, "cannot read PMETA_MIGRATIONS_DIR '%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		struct strbuf sb = STRBUF_INIT;
		struct migration *m;
		char *path;
		size_t n = strlen(e->d_name);

		if (e->d_name[0] != 'V' || n < 8 || strcmp(e->d_name + n - 7, ".cypher"))
			continue;
		path = xstrfmt("%s/%s", dir, e->d_name);
		if (strbuf_read_file(&sb, path) < 0) {
			free(path);
			closedir(d);
			return -1;
		}
		free(path);
		set->items = xrealloc(set->items, (set->n + 1) * sizeof(*set->items));
		m = &set->items[set->n++];
		memset(m, 0, sizeof(*m));
		m->owned_file = xstrdup(e->d_name);
		m->len = sb.len;
		m->owned_text = strbuf_detach(&sb, NULL);
		m->file = m->owned_file;
		m->text = m->owned_text;
	}
	closedir(d);
	return 0;
}

int migrations_load(struct migration_set *set)
{
	const char *dir = getenv("PMETA_MIGRATIONS_DIR");
	size_t i;

	*set = (struct migration_set)MIGRATION_SET_INIT;
	if (dir && *dir) {
		if (load_dir(set, dir) < 0) {
			migrations_release(set);
			return -1;
		}
	} else {
		set->items = xcalloc(migration_nfiles ? migration_nfiles : 1, sizeof(*set->items));
		for (i = 0; i < migration_nfiles; i++) {
			set->items[i].file = migration_files[i].name;
			set->items[i].text = migration_files[i].text;
			set->items[i].len = migration_files[i].len;
		}
		set->n = migration_nfiles;
	}
	for (i = 0; i < set->n; i++) {
		struct migration *m = &set->items[i];

		if (migration_parse_name(m->file, &m->version, &m->description) < 0) {
			migrations_release(set);
			return -1;
		}
		migration_checksum(m->text, m->len, m->checksum);
		migration_file_checksum(m->text, m->len, m->file_checksum);
	}
	qsort(set->items, set->n, sizeof(*set->items), cmp_migration);
	for (i = 1; i < set->n; i++)
		if (!migration_version_cmp(set->items[i - 1].version, set->items[i].version)) {
			pm_error(PM_EFAIL, "migrations '%s' and '%s' have the same version",
				 set->items[i - 1].file, set->items[i].file);
			migrations_release(set);
			return -1;
		}
	return 0;
}

static void record_release(struct migration_record *r)
{
	free(r->version);
	free(r->description);
	free(r->checksum);
	free(r->applied_at);
	free(r->installed_by);
	memset(r, 0, sizeof(*r));
}

static void set_forget_applied(struct migration_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		record_release(&set->items[i].applied);
		set->items[i].state = MIGRATION_PENDING;
	}
	for (i = 0; i < set->nunknown; i++)
		record_release(&set->unknown[i]);
	free(set->unknown);
	set->unknown = NULL;
	set->nunknown = 0;
	free(set->last_version);
	set->last_version = NULL;
}

void migrations_release(struct migration_set *set)
{
	size_t i;

	if (!set)
		return;
	set_forget_applied(set);
	for (i = 0; i < set->n; i++) {
		free(set->items[i].version);
		free(set->items[i].description);
		free(set->items[i].owned_file);
		free(set->items[i].owned_text);
	}
	free(set->items);
	*set = (struct migration_set)MIGRATION_SET_INIT;
}

static char *cell_dup(const json_t *res, size_t row, const char *column)
{
	const char *v = json_string_value(neo4j_cell(res, row, column));

	return v ? xstrdup(v) : NULL;
}

static void record_read(struct migration_record *rec, const json_t *res, size_t row)
{
	const char *by = json_string_value(neo4j_cell(res, row, "by"));
	const char *as = json_string_value(neo4j_cell(res, row, "connected_as"));

	rec->version = cell_dup(res, row, "version");
	rec->description = cell_dup(res, row, "description");
	rec->checksum = cell_dup(res, row, "checksum");
	rec->applied_at = cell_dup(res, row, "applied_at");
	rec->repeatable = json_is_true(neo4j_cell(res, row, "repeatable"));
	/* neo4j-migrations shows "by/connectedAs"; `by` is null when its
	 * installedBy is unset. */
	if (by || as)
		rec->installed_by = xstrfmt("%s/%s", by ? by : "null", as ? as : "null");
}

int migrations_read_applied(struct neo4j *db, struct migration_set *set)
{
	json_t *res = NULL;
	const char *chain = NULL;
	size_t r, i;

	if (neo4j_query(db, &res, cypher_migrate_applied, NULL) < 0)
		return pm_error_prefix("cannot read the applied migrations");
	set_forget_applied(set);
	for (r = 0; r < neo4j_nrows(res); r++) {
		const char *c = json_string_value(neo4j_cell(res, r, "chain"));
		struct migration_record rec = { 0 };
		struct migration *m = NULL;

		if (!chain) {
			chain = c;
		} else if (!c || strcmp(c, chain)) {
			json_decref(res);
			return pm_error(PM_EFAIL,
					"the chain of applied migrations (:__Neo4jMigration) forks: it has more than one end; neither pmeta nor neo4j-migrations can read it");
		}
		record_read(&rec, res, r);
		if (!rec.version) {
			record_release(&rec);
			continue;
		}
		free(set->last_version);
		set->last_version = xstrdup(rec.version);
		for (i = 0; i < set->n && !m; i++)
			if (!strcmp(set->items[i].version, rec.version))
				m = &set->items[i];
		if (!m || rec.repeatable) {
			set->unknown = xrealloc(set->unknown, (set->nunknown + 1) * sizeof(*set->unknown));
			set->unknown[set->nunknown++] = rec;
			continue;
		}
		record_release(&m->applied);
		m->applied = rec;
		if (rec.checksum && !strcmp(rec.checksum, m->checksum))
			m->state = MIGRATION_APPLIED;
		else if (rec.checksum && !strcmp(rec.checksum, m->file_checksum))
			m->state = MIGRATION_LEGACY;
		else
			m->state = MIGRATION_CHANGED;
	}
	json_decref(res);
	return 0;
}

size_t migrations_count(const struct migration_set *set, enum migration_state state)
{
	size_t i, n = 0;

	for (i = 0; i < set->n; i++)
		n += set->items[i].state == state;
	return n;
}

size_t migrations_pending(const struct migration_set *set)
{
	return migrations_count(set, MIGRATION_PENDING);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/*
 * The name neo4j-migrations gives the lock of a target database: "John Doe"
 * for the default one and for "neo4j" (its name before 1.1), else the
 * database name in lower case. Two locks of one name cannot coexist.
 */
static char *lock_name(struct neo4j *db)
{
	const char *d = neo4j_database(db);
	char *name;
	size_t i;

	if (!d || !*d || !strcasecmp(d, "neo4j"))
		return xstrdup("John Doe");
	name = xstrdup(d);
	for (i = 0; name[i]; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	return name;
}

/* Runs a schema statement; an equivalent rule made meanwhile is no error. */
static int schema_query(struct neo4j *db, const char *stmt)
{
	if (neo4j_query(db, NULL, stmt, NULL) < 0 &&
	    strcmp(neo4j_last_code(db), "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"))
		return -1;
	return 0;
}

static int lock_constraints(struct neo4j *db)
{
	if (schema_query(db, cypher_migrate_lock_legacy_drop) < 0 ||
	    schema_query(db, cypher_migrate_lock_id_constraint) < 0 ||
	    schema_query(db, cypher_migrate_lock_name_constraint) < 0)
		return pm_error_prefix("cannot create the migration lock constraints");
	return 0;
}

static void lock_holder_error(struct neo4j *db, const char *name)
{
	json_t *holder = NULL;
	const char *who = NULL, *id = NULL, *at = NULL;

	if (neo4j_query(db, &holder, cypher_migrate_lock_holder, json_pack("{ss}", "name", name)) == 0 &&
	    neo4j_nrows(holder)) {
		who = json_string_value(neo4j_cell(holder, 0, "owner"));
		id = json_string_value(neo4j_cell(holder, 0, "id"));
		at = json_string_value(neo4j_cell(holder, 0, "at"));
	}
	if (who)
		pm_error(PM_ENEO4J,
			 "migrations are locked by %s since %s; if no 'pmeta migrate' runs, remove the lock with 'pmeta migrate unlock'",
			 who, at ? at : "?");
	else
		pm_error(PM_ENEO4J,
			 "migrations are locked by neo4j-migrations (lock %s); if it does not run, remove the lock with 'pmeta migrate unlock'",
			 id ? id : "?");
	json_decref(holder);
}

/* Takes the lock; *id gets the lock node's id, to release exactly it. */
static int lock_acquire(struct neo4j *db, const char *name, const char *owner, char **id)
{
	double start = now_ms(), limit = LOCK_WAIT_MS;
	const char *w = getenv("PMETA_MIGRATE_LOCK_WAIT");
	int waited = 0;

	*id = NULL;
	if (w && *w)
		limit = atof(w) * 1000;
	if (lock_constraints(db) < 0)
		return -1;
	for (;;) {
		json_t *res = NULL;

		if (neo4j_query(db, &res, cypher_migrate_lock_acquire,
				json_pack("{ss,ss}", "name", name, "owner", owner)) == 0) {
			*id = cell_dup(res, 0, "id");
			json_decref(res);
			if (!*id)
				return pm_error(PM_ENEO4J, "the migration lock was taken but has no id");
			return 0;
		}
		if (strcmp(neo4j_last_code(db), "Neo.ClientError.Schema.ConstraintValidationFailed"))
			return -1;
		if (now_ms() - start > limit) {
			lock_holder_error(db, name);
			return -1;
		}
		if (!waited++)
			fprintf(stderr, "waiting for the migration lock (another pmeta or neo4j-migrations is migrating)...\n");
		usleep(100000);
	}
}

static void lock_release(struct neo4j *db, const char *id)
{
	/* Keep the error that made us stop, not a failure to unlock. */
	char saved[1024];
	enum pm_errclass cls = pm_error_class();

	snprintf(saved, sizeof(saved), "%s", pm_error_msg());
	if (neo4j_query(db, NULL, cypher_migrate_lock_release, json_pack("{ss}", "id", id)) < 0)
		fprintf(stderr, "warning: cannot release the migration lock: %s\n", pm_error_msg());
	pm_error(cls, "%s", saved);
}

/* Who installs, as neo4j-migrations records it by default: the OS login. */
static void os_user(char *buf, size_t n)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *u = pw && pw->pw_name ? pw->pw_name : getenv("USER");

	snprintf(buf, n, "%s", u && *u ? u : "unknown");
}

static int apply_one(struct neo4j *db, struct migration *m, const char *previous,
		     const char *user, double *ms)
{
	char **stmts;
	size_t n = migration_split(m->text, m->len, &stmts), i;
	double t0 = now_ms();
	json_t *res = NULL;
	char by[256];
	int ret = -1;

	for (i = 0; i < n; i++) {
		if (migration_is_comment(stmts[i]))
			continue;
		/* Schema statements cannot share a transaction: one request each. */
		if (neo4j_query(db, NULL, stmts[i], NULL) < 0) {
			pm_error_prefix("migration %s: statement %zu", m->file, i + 1);
			goto out;
		}
	}
	*ms = now_ms() - t0;
	os_user(by, sizeof(by));
	if (neo4j_query(db, &res, cypher_migrate_record,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "previous", previous,
				  "version", m->version, "description", m->description,
				  "checksum", m->checksum, "source", m->file, "ms", (int)*ms,
				  "by", by, "user", user)) < 0) {
		pm_error_prefix("migration %s: cannot record it as applied", m->file);
		goto out;
	}
	if (neo4j_nrows(res) != 1) {
		pm_error(PM_EFAIL, "migration %s: applied, but the chain no longer ends at %s; not recorded",
			 m->file, previous);
		goto out;
	}
	m->state = MIGRATION_APPLIED;
	record_release(&m->applied);
	m->applied.version = xstrdup(m->version);
	m->applied.checksum = xstrdup(m->checksum);
	ret = 0;
out:
	json_decref(res);
	for (i = 0; i < n; i++)
		free(stmts[i]);
	free(stmts);
	return ret;
}

/* Refuses what neither tool can continue from. */
static int check_applicable(const struct migration_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct migration *m = &set->items[i];

		if (m->state == MIGRATION_CHANGED)
			return pm_error(PM_EFAIL,
					"migration %s (%s) was changed after it was applied: checksum %s, recorded %s",
					m->version, m->file, m->checksum,
					m->applied.checksum ? m->applied.checksum : "none");
		if (m->state == MIGRATION_PENDING && set->last_version &&
		    migration_version_cmp(m->version, set->last_version) < 0)
			return pm_error(PM_EFAIL,
					"migration %s (%s) is older than %s, the last one applied; neo4j-migrations would refuse a chain out of order",
					m->version, m->file, set->last_version);
	}
	return 0;
}

static int rerecord_legacy(struct neo4j *db, struct migration_set *set, migration_cb cb, void *arg)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		struct migration *m = &set->items[i];

		if (m->state != MIGRATION_LEGACY)
			continue;
		if (neo4j_query(db, NULL, cypher_migrate_rerecord,
				json_pack("{ss,ss,ss}", "version", m->version, "old", m->file_checksum,
					  "new", m->checksum)) < 0)
			return pm_error_prefix("migration %s: cannot re-record its checksum", m->file);
		m->state = MIGRATION_APPLIED;
		if (cb)
			cb(m, MIGRATION_EV_RERECORDED, 0, arg);
		free(m->applied.checksum);
		m->applied.checksum = xstrdup(m->checksum);
	}
	return 0;
}

int migrations_apply(struct neo4j *db, struct migration_set *set, migration_cb cb, void *arg)
{
	char owner[300], host[256] = "localhost";
	char *name = lock_name(db), *id = NULL, *previous = NULL;
	const char *user = getenv("NEO4J_USERNAME") ? getenv("NEO4J_USERNAME") : "neo4j";
	size_t i;
	int ret = -1;

	gethostname(host, sizeof(host) - 1);
	snprintf(owner, sizeof(owner), "pmeta pid %ld on %s", (long)getpid(), host);
	if (lock_acquire(db, name, owner, &id) < 0)
		goto out_unlocked;
	/* What is applied may have changed while we waited for the lock. */
	if (migrations_read_applied(db, set) < 0 || check_applicable(set) < 0)
		goto out;
	if (schema_query(db, cypher_migrate_version_constraint) < 0 ||
	    schema_query(db, cypher_migrate_repeated_index) < 0) {
		pm_error_prefix("cannot create the schema neo4j-migrations expects");
		goto out;
	}
	if (rerecord_legacy(db, set, cb, arg) < 0)
		goto out;
	previous = xstrdup(set->last_version ? set->last_version : "BASELINE");
	for (i = 0; i < set->n; i++) {
		struct migration *m = &set->items[i];
		double ms = 0;

		if (m->state != MIGRATION_PENDING)
			continue;
		if (apply_one(db, m, previous, user, &ms) < 0)
			goto out;
		if (cb)
			cb(m, MIGRATION_EV_APPLIED, ms, arg);
		free(previous);
		previous = xstrdup(m->version);
	}
	ret = 0;
out:
	lock_release(db, id);
out_unlocked:
	free(previous);
	free(id);
	free(name);
	return ret;
}

int migrations_unlock(struct neo4j *db, int *removed)
{
	json_t *res = NULL;
	char *name = lock_name(db);
	int ret;

	*removed = 0;
	ret = neo4j_query(db, &res, cypher_migrate_lock_break, json_pack("{ss}", "name", name));
	if (ret == 0)
		*removed = (int)json_integer_value(neo4j_cell(res, 0, "removed"));
	json_decref(res);
	free(name);
	return ret;
}
