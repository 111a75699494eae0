#include <stdlib.h>

#include "cmd/cmd.h"
#include "graph/migrate.h"
#include "graph/neo4j.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta init [<folder>]\n",
	"Makes the folder (default: the current one) a git workspace unless it is in\n"
	"one already, checks that Neo4j answers, and applies pending migrations.\n",
	NULL
};

static void on_applied(const struct migration *m, enum migration_event ev, double ms, void *arg)
{
	(void)arg;
	if (ev == MIGRATION_EV_RERECORDED)
		printf("re-recorded migration %s %s with the checksum neo4j-migrations computes (%s, was %s)\n",
		       m->version, m->description, m->checksum, m->file_checksum);
	else
		printf("applied migration %s %s (%.0f ms)\n", m->version, m->description, ms);
}

int cmd_init(int argc, char **argv, struct ctx *ctx)
{
	const char *path = ".";
	struct migration_set set = MIGRATION_SET_INIT;
	struct neo4j *db;
	json_t *disc = NULL;
	int created, ret;
	struct cmd_option options[] = { OPT_END() };

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (argc == 1)
		path = argv[0];
	ret = EXIT_OK;
	/* Check Neo4j before touching the folder, so a failed init leaves nothing. */
	if (ctx_db(ctx, &db) < 0 || neo4j_discover(db, &disc) < 0)
		return cmd_error();
	json_decref(disc);
	if (migrations_load(&set) < 0 || migrations_read_applied(db, &set) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (workspace_init(path, &created) < 0) {
		ret = cmd_error();
		goto out;
	}
	printf(created ? "initialised git workspace in %s\n" : "%s is already in a git workspace\n", path);
	if (migrations_apply(db, &set, on_applied, NULL) < 0) {
		ret = cmd_error();
		goto out;
	}
	printf("neo4j at %s: migrations current (%zu applied)\n", neo4j_uri(db), set.n);
out:
	migrations_release(&set);
	return ret;
}
