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
	"records each in the neo4j-migrations chain (:__Neo4jMigration) with its CRC32.\n"
	"\n"
	"    info                  list applied and pending migrations\n"
	"    validate              fail (exit 1) when an applied migration's file changed\n"
	"    unlock                remove the lock left by a 'pmeta migrate' that died\n",
	NULL
};

static const char *state_name(enum migration_state s)
{
	switch (s) {
	case MIGRATION_APPLIED:
		return "applied";
	case MIGRATION_CHANGED:
		return "CHANGED";
	default:
		return "pending";
	}
}

static void on_applied(const struct migration *m, double ms, void *arg)
{
	size_t *count = arg;

	(*count)++;
	printf("applied %s %s (%.0f ms)\n", m->version, m->description, ms);
}

static int load(struct neo4j **db, struct migration_set *set, struct ctx *ctx)
{
	if (ctx_db(ctx, db) < 0 || migrations_load(set) < 0)
		return -1;
	return migrations_read_applied(*db, set);
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
	printf("%-8s %-28s %-11s %-8s %s\n", "version", "description", "checksum", "state", "applied at");
	for (i = 0; i < set.n; i++) {
		struct migration *m = &set.items[i];

		printf("%-8s %-28s %-11s %-8s %s\n", m->version, m->description, m->checksum,
		       state_name(m->state), m->applied_at ? m->applied_at : "-");
	}
	for (i = 0; i < set.nunknown; i++)
		printf("%-8s %-28s %-11s %-8s %s\n", set.unknown[i], "(not in this pmeta)", "-",
		       "unknown", "-");
	printf("%zu applied, %zu pending\n", set.n - migrations_pending(&set), migrations_pending(&set));
	migrations_release(&set);
	return EXIT_OK;
}

static int migrate_validate(struct ctx *ctx)
{
	struct migration_set set = MIGRATION_SET_INIT;
	struct neo4j *db;
	size_t i, bad = 0;

	if (load(&db, &set, ctx) < 0) {
		migrations_release(&set);
		return cmd_error();
	}
	for (i = 0; i < set.n; i++) {
		struct migration *m = &set.items[i];

		if (m->state != MIGRATION_CHANGED)
			continue;
		fprintf(stderr, "error: migration %s (%s) changed after it was applied: checksum %s, recorded %s\n",
			m->version, m->file, m->checksum, m->applied_checksum);
		bad++;
	}
	if (!bad)
		printf("valid: %zu applied, %zu pending\n", set.n - migrations_pending(&set),
		       migrations_pending(&set));
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
			if (set.items[i].state == MIGRATION_PENDING)
				printf("would apply %s %s\n", set.items[i].version, set.items[i].description);
		printf("%zu pending\n", before);
		goto out;
	}
	if (migrations_apply(db, &set, on_applied, &applied) < 0) {
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
