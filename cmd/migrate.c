#include <string.h>

#include "cmd/cmd.h"
#include "graph/migrate.h"
#include "graph/neo4j.h"

static const struct cmd_usage usage = {
	"pmeta migrate [--dry-run]\n"
	"   or: pmeta migrate info\n"
	"   or: pmeta migrate validate\n"
	"   or: pmeta migrate unlock\n",
	"Applies the schema migrations compiled into pmeta (constraints and indexes of\n"
	"the graph contract) that the database has not seen, in version order, and\n"
	"records each as the official neo4j-migrations tool does (a :__Neo4jMigration\n"
	"chain, its checksum, its lock node): either tool reads, validates and\n"
	"continues what the other applied, and waits for or refuses its lock.\n"
	"\n"
	"    info                  list applied and pending migrations, and those another\n"
	"                          tool applied\n"
	"    validate              fail (exit 1) when an applied migration's file changed\n"
	"    unlock                remove the lock left by a pmeta or neo4j-migrations\n"
	"                          that died\n",
	"Migrations applied by pmeta 0.1 carry the CRC32 of the whole file; they stay\n"
	"valid, and 'pmeta migrate' re-records them once with the tool's checksum.\n"
};

static const char *state_name(enum migration_state s)
{
	switch (s) {
	case MIGRATION_APPLIED:
		return "applied";
	case MIGRATION_LEGACY:
		return "applied*";
	case MIGRATION_CHANGED:
		return "CHANGED";
	default:
		return "pending";
	}
}

static void on_event(const struct migration *m, enum migration_event ev, double ms, void *arg)
{
	size_t *count = arg;

	if (ev == MIGRATION_EV_RERECORDED) {
		printf("re-recorded %s %s: checksum %s (pmeta 0.1, CRC32 of the file) is now %s (as neo4j-migrations computes it)\n",
		       m->version, m->description, m->file_checksum, m->checksum);
		return;
	}
	(*count)++;
	printf("applied %s %s (%.0f ms)\n", m->version, m->description, ms);
}

static int load(struct neo4j **db, struct migration_set *set, struct ctx *ctx)
{
	if (ctx_db(ctx, db) < 0 || migrations_load(set) < 0)
		return -1;
	return migrations_read_applied(*db, set);
}

static void info_line(const char *version, const char *description, const char *checksum,
		      const char *state, const struct migration_record *rec)
{
	printf("%-8s %-28s %-11s %-10s %-21s %s\n", version, description, checksum, state,
	       rec->applied_at ? rec->applied_at : "-", rec->installed_by ? rec->installed_by : "-");
}

static int migrate_info(struct ctx *ctx)
{
	struct migration_set set = MIGRATION_SET_INIT;
	struct neo4j *db;
	size_t i;

	if (load(&db, &set, ctx) < 0) {
		migrations_release(&set);
		return cmd_error();
	}
	printf("%-8s %-28s %-11s %-10s %-21s %s\n", "version", "description", "checksum", "state",
	       "applied at", "installed by");
	for (i = 0; i < set.n; i++) {
		struct migration *m = &set.items[i];

		info_line(m->version, m->description, m->checksum, state_name(m->state), &m->applied);
	}
	/* Applied by neo4j-migrations (or another pmeta) from files this pmeta
	 * does not have: in the chain, so valid, but not ours to check. */
	for (i = 0; i < set.nunknown; i++) {
		struct migration_record *r = &set.unknown[i];

		info_line(r->version, r->description ? r->description : "-",
			  r->checksum ? r->checksum : "-", r->repeatable ? "repeatable" : "other", r);
	}
	printf("%zu applied, %zu pending", set.n - migrations_pending(&set), migrations_pending(&set));
	if (set.nunknown)
		printf(", %zu applied from elsewhere (state other or repeatable: not in this pmeta)", set.nunknown);
	printf("\n");
	if (migrations_count(&set, MIGRATION_LEGACY))
		printf("applied*: recorded by pmeta 0.1 with the CRC32 of the file; 'pmeta migrate' re-records it for neo4j-migrations\n");
	migrations_release(&set);
	return EXIT_OK;
}

static int migrate_validate(struct ctx *ctx)
{
	struct migration_set set = MIGRATION_SET_INIT;
	struct neo4j *db;
	size_t i, bad = 0, legacy;

	if (load(&db, &set, ctx) < 0) {
		migrations_release(&set);
		return cmd_error();
	}
	for (i = 0; i < set.n; i++) {
		struct migration *m = &set.items[i];

		if (m->state != MIGRATION_CHANGED)
			continue;
		fprintf(stderr, "error: migration %s (%s) changed after it was applied: checksum %s, recorded %s\n",
			m->version, m->file, m->checksum,
			m->applied.checksum ? m->applied.checksum : "none");
		bad++;
	}
	legacy = migrations_count(&set, MIGRATION_LEGACY);
	if (!bad) {
		printf("valid: %zu applied, %zu pending", set.n - migrations_pending(&set),
		       migrations_pending(&set));
		if (set.nunknown)
			printf(", %zu applied from elsewhere", set.nunknown);
		printf("\n");
	}
	if (legacy)
		printf("note: %zu migration(s) carry pmeta 0.1's checksum (CRC32 of the file); 'pmeta migrate' re-records them so neo4j-migrations validates too\n",
		       legacy);
	migrations_release(&set);
	return bad ? EXIT_FAIL : EXIT_OK;
}

static int migrate_unlock(struct ctx *ctx)
{
	struct neo4j *db;
	int removed;

	if (ctx_db(ctx, &db) < 0 || migrations_unlock(db, &removed) < 0)
		return cmd_error();
	printf(removed ? "removed the migration lock\n" : "no migration lock was held\n");
	return EXIT_OK;
}

static int migrate_apply(struct ctx *ctx, int dry_run)
{
	struct migration_set set = MIGRATION_SET_INIT;
	struct neo4j *db;
	size_t i, before, applied = 0;
	int ret = EXIT_OK;

	if (load(&db, &set, ctx) < 0) {
		ret = cmd_error();
		goto out;
	}
	before = migrations_pending(&set);
	if (dry_run) {
		for (i = 0; i < set.n; i++)
			if (set.items[i].state == MIGRATION_LEGACY)
				printf("would re-record %s %s: checksum %s -> %s\n", set.items[i].version,
				       set.items[i].description, set.items[i].file_checksum,
				       set.items[i].checksum);
		for (i = 0; i < set.n; i++)
			if (set.items[i].state == MIGRATION_PENDING)
				printf("would apply %s %s\n", set.items[i].version, set.items[i].description);
		printf("%zu pending\n", before);
		goto out;
	}
	if (migrations_apply(db, &set, on_event, &applied) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (!applied)
		printf("database is up to date (%zu applied)\n", set.n - migrations_pending(&set));
out:
	migrations_release(&set);
	return ret;
}
int cmd_migrate(int argc, char **argv, struct ctx *ctx)
{
	int dry_run = 0, ret;
	struct cmd_option options[] = {
		OPT_FLAG(0, "dry-run", &dry_run, "list what would be applied, change nothing"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (!argc)
		return migrate_apply(ctx, dry_run);
	if (dry_run)
		return options_usage_error(&usage, options, "--dry-run goes with 'pmeta migrate' alone");
	if (!strcmp(argv[0], "info"))
		return migrate_info(ctx);
	if (!strcmp(argv[0], "validate"))
		return migrate_validate(ctx);
	if (!strcmp(argv[0], "unlock"))
		return migrate_unlock(ctx);
	return options_usage_error(&usage, options, "unknown argument '%s'", argv[0]);
}
