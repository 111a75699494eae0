#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	for (i = 1; file + i < sep; i++)
		if (!isdigit((unsigned char)file[i]) && file[i] != '_' && file[i] != '.')
			return pm_error(PM_EFAIL, "migration file '%s' has a version that is not numeric", file);
	*version = xstrndup(file + 1, (size_t)(sep - file - 1));
	*description = xstrndup(sep + 2, (size_t)(dot - sep - 2));
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

void migration_checksum(const char *text, size_t len, char out[16])
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, (const Bytef *)text, (uInt)len);
	snprintf(out, 16, "%lu", (unsigned long)crc);
}

static int only_comments(const char *s)
{
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (!*s)
			return 1;
		if (s[0] == '/' && s[1] == '/') {
			while (*s && *s != '\n')
				s++;
			continue;
		}
		return 0;
	}
	return 1;
}

static char *trim_dup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

size_t migration_split(const char *text, size_t len, char ***stmts)
{
	size_t n = 0, start = 0, i;

	*stmts = NULL;
	for (i = 0; i <= len; i++) {
		int end = i == len;

		if (!end && text[i] == ';') {
			size_t j = i + 1;

			while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
				j++;
			end = j == len || text[j] == '\n';
		}
		if (!end)
			continue;
		{
			char *s = trim_dup(text + start, i - start);

			if (only_comments(s)) {
				free(s);
			} else {
				*stmts = xrealloc(*stmts, (n + 1) * sizeof(**stmts));
				(*stmts)[n++] = s;
			}
		}
		start = i + 1;
	}
	return n;
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

	memset(set, 0, sizeof(*set));
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

void migrations_release(struct migration_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->items[i].version);
		free(set->items[i].description);
		free(set->items[i].applied_checksum);
		free(set->items[i].applied_at);
		free(set->items[i].owned_file);
		free(set->items[i].owned_text);
	}
	for (i = 0; i < set->nunknown; i++)
		free(set->unknown[i]);
	free(set->unknown);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

int migrations_read_applied(struct neo4j *db, struct migration_set *set)
{
	json_t *res = NULL;
	size_t r, i;

	if (neo4j_query(db, &res, cypher_migrate_applied, NULL) < 0)
		return -1;
	for (i = 0; i < set->n; i++) {
		struct migration *m = &set->items[i];

		free(m->applied_checksum);
		free(m->applied_at);
		m->applied_checksum = m->applied_at = NULL;
		m->state = MIGRATION_PENDING;
	}
	for (i = 0; i < set->nunknown; i++)
		free(set->unknown[i]);
	set->nunknown = 0;
	for (r = 0; r < neo4j_nrows(res); r++) {
		const char *v = json_string_value(neo4j_cell(res, r, "version"));
		const char *c = json_string_value(neo4j_cell(res, r, "checksum"));
		const char *at = json_string_value(neo4j_cell(res, r, "applied_at"));
		int found = 0;

		if (!v)
			continue;
		for (i = 0; i < set->n; i++) {
			struct migration *m = &set->items[i];

			if (strcmp(m->version, v))
				continue;
			found = 1;
			m->applied_checksum = xstrdup(c ? c : "");
			m->applied_at = at ? xstrdup(at) : NULL;
			m->state = strcmp(m->applied_checksum, m->checksum) ? MIGRATION_CHANGED
									 : MIGRATION_APPLIED;
		}
		if (!found) {
			set->unknown = xrealloc(set->unknown, (set->nunknown + 1) * sizeof(char *));
			set->unknown[set->nunknown++] = xstrdup(v);
		}
	}
	json_decref(res);
	return 0;
}

size_t migrations_pending(const struct migration_set *set)
{
	size_t i, n = 0;

	for (i = 0; i < set->n; i++)
		n += set->items[i].state == MIGRATION_PENDING;
	return n;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int lock_acquire(struct neo4j *db, const char *owner)
{
	double start = now_ms(), limit = LOCK_WAIT_MS;
	const char *w = getenv("PMETA_MIGRATE_LOCK_WAIT");
	int waited = 0;

	if (w && *w)
		limit = atof(w) * 1000;
	if (neo4j_query(db, NULL, cypher_migrate_lock_constraint, NULL) < 0 &&
	    strcmp(neo4j_last_code(db), "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"))
		return pm_error_prefix("cannot create the migration lock constraint");
	for (;;) {
		json_t *holder = NULL;

		if (neo4j_query(db, NULL, cypher_migrate_lock_acquire,
				json_pack("{ss}", "owner", owner)) == 0)
			return 0;
		if (strcmp(neo4j_last_code(db), "Neo.ClientError.Schema.ConstraintValidationFailed"))
			return -1;
		if (now_ms() - start > limit) {
			const char *who = "another process", *at = "?";

			if (neo4j_query(db, &holder, cypher_migrate_lock_holder, NULL) == 0 &&
			    neo4j_nrows(holder)) {
				who = json_string_value(neo4j_cell(holder, 0, "owner"));
				at = json_string_value(neo4j_cell(holder, 0, "at"));
			}
			pm_error(PM_ENEO4J,
				 "migrations are locked by %s since %s; if no 'pmeta migrate' runs, remove the lock with 'pmeta migrate unlock'",
				 who ? who : "another process", at ? at : "?");
			json_decref(holder);
			return -1;
		}
		if (!waited++)
			fprintf(stderr, "waiting for another 'pmeta migrate' to finish...\n");
		usleep(100000);
	}
}

static void lock_release(struct neo4j *db, const char *owner)
{
	/* Keep the error that made us stop, not a failure to unlock. */
	char saved[1024];
	enum pm_errclass cls = pm_error_class();

	snprintf(saved, sizeof(saved), "%s", pm_error_msg());
	if (neo4j_query(db, NULL, cypher_migrate_lock_release, json_pack("{ss}", "owner", owner)) < 0)
		fprintf(stderr, "warning: cannot release the migration lock: %s\n", pm_error_msg());
	pm_error(cls, "%s", saved);
}

static int apply_one(struct neo4j *db, struct migration *m, const char *previous,
		     const char *user, double *ms)
{
	char **stmts;
	size_t n = migration_split(m->text, m->len, &stmts), i;
	double t0 = now_ms();
	char by[300];
	int ret = -1;

	for (i = 0; i < n; i++) {
		/* Schema statements cannot share a transaction: one request each. */
		if (neo4j_query(db, NULL, stmts[i], NULL) < 0) {
			pm_error_prefix("migration %s: statement %zu", m->file, i + 1);
			goto out;
		}
	}
	*ms = now_ms() - t0;
	{
		char host[256] = "localhost";

		gethostname(host, sizeof(host) - 1);
		snprintf(by, sizeof(by), "pmeta@%s", host);
	}
	if (neo4j_query(db, NULL, cypher_migrate_record,
			json_pack("{s:s?, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "previous", previous,
				  "version", m->version, "description", m->description,
				  "checksum", m->checksum, "source", m->file, "ms", (int)*ms,
				  "by", by, "user", user)) < 0) {
		pm_error_prefix("migration %s: cannot record it as applied", m->file);
		goto out;
	}
	m->state = MIGRATION_APPLIED;
	free(m->applied_checksum);
	m->applied_checksum = xstrdup(m->checksum);
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(stmts[i]);
	free(stmts);
	return ret;
}

int migrations_apply(struct neo4j *db, struct migration_set *set, migration_cb cb, void *arg)
{
	char owner[300], host[256] = "localhost";
	const char *previous = NULL;
	size_t i;
	int ret = -1;

	gethostname(host, sizeof(host) - 1);
	snprintf(owner, sizeof(owner), "pmeta pid %ld on %s", (long)getpid(), host);
	if (lock_acquire(db, owner) < 0)
		return -1;
	/* What is applied may have changed while we waited for the lock. */
	if (migrations_read_applied(db, set) < 0)
		goto out;
	for (i = 0; i < set->n; i++) {
		if (set->items[i].state == MIGRATION_CHANGED) {
			pm_error(PM_EFAIL,
				 "migration %s (%s) was changed after it was applied: checksum %s, recorded %s",
				 set->items[i].version, set->items[i].file, set->items[i].checksum,
				 set->items[i].applied_checksum);
			goto out;
		}
	}
	for (i = 0; i < set->n; i++) {
		struct migration *m = &set->items[i];
		double ms = 0;

		if (m->state != MIGRATION_PENDING) {
			previous = m->version;
			continue;
		}
		if (apply_one(db, m, previous, getenv("NEO4J_USERNAME") ? getenv("NEO4J_USERNAME") : "neo4j",
			      &ms) < 0)
			goto out;
		if (cb)
			cb(m, ms, arg);
		previous = m->version;
	}
	ret = 0;
out:
	lock_release(db, owner);
	return ret;
}

int migrations_unlock(struct neo4j *db, int *removed)
{
	json_t *res = NULL;

	*removed = 0;
	if (neo4j_query(db, &res, cypher_migrate_lock_break, NULL) < 0)
		return -1;
	*removed = (int)json_integer_value(neo4j_cell(res, 0, "removed"));
	json_decref(res);
	return 0;
}
