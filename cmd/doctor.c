#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/migrate.h"
#include "graph/neo4j.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta doctor\n",
	"Checks, one line each (ok / problem): Neo4j reachable at NEO4J_URI, its\n"
	"version and edition, the credentials, the database NEO4J_DATABASE, the\n"
	"migrations, that the current folder is in a git workspace, and its identity\n"
	"(.pmeta/workspace); notes nodes an earlier pmeta wrote that wait for\n"
	"'pmeta sync'. Exit 0 when all is well, 4 for a Neo4j problem, 5 for a\n"
	"workspace problem.\n",
	NULL
};

static void line(int ok, const char *fmt, ...) PM_PRINTF(2, 3);

static void line(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%-8s ", ok ? "ok" : "problem");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int check_neo4j(struct ctx *ctx)
{
	struct neo4j *db;
	struct migration_set set = MIGRATION_SET_INIT;
	json_t *disc = NULL, *res = NULL, *stmts;
	const char *status;
	int ok = 0;

	if (ctx_db(ctx, &db) < 0) {
		line(0, "%s", pm_error_msg());
		return 0;
	}
	if (neo4j_discover(db, &disc) < 0) {
		line(0, "neo4j: %s", pm_error_msg());
		return 0;
	}
	{
		const char *v = json_string_value(json_object_get(disc, "neo4j_version"));
		const char *e = json_string_value(json_object_get(disc, "neo4j_edition"));

		line(1, "neo4j reachable at %s (Neo4j %s %s)", neo4j_uri(db), v ? v : "?", e ? e : "?");
	}
	json_decref(disc);

	stmts = json_array();
	json_array_append_new(stmts, neo4j_stmt(cypher_doctor_whoami, NULL));
	if (neo4j_commit_db(db, "system", &res, stmts) < 0) {
		line(0, "auth: %s", pm_error_msg());
		json_decref(stmts);
		return 0;
	}
	json_decref(res);
	json_decref(stmts);
	line(1, "credentials accepted (NEO4J_USERNAME=%s)",
	     getenv("NEO4J_USERNAME") ? getenv("NEO4J_USERNAME") : "neo4j");

	stmts = json_array();
	json_array_append_new(stmts, neo4j_stmt(cypher_doctor_database,
						json_pack("{ss}", "name", neo4j_database(db))));
	if (neo4j_commit_db(db, "system", &res, stmts) < 0) {
		line(0, "database: %s", pm_error_msg());
		json_decref(stmts);
		return 0;
	}
	json_decref(stmts);
	status = json_string_value(neo4j_cell(json_array_get(res, 0), 0, "currentStatus"));
	if (!status) {
		line(0, "database '%s' does not exist on %s (set NEO4J_DATABASE)", neo4j_database(db),
		     neo4j_uri(db));
		json_decref(res);
		return 0;
	}
	if (strcmp(status, "online")) {
		line(0, "database '%s' is %s", neo4j_database(db), status);
		json_decref(res);
		return 0;
	}
	json_decref(res);
	line(1, "database '%s' is online", neo4j_database(db));

	if (migrations_load(&set) < 0 || migrations_read_applied(db, &set) < 0) {
		line(0, "migrations: %s", pm_error_msg());
	} else {
		size_t i, changed = 0, pending = migrations_pending(&set);

		for (i = 0; i < set.n; i++)
			changed += set.items[i].state == MIGRATION_CHANGED;
		if (changed)
			line(0, "migrations: %zu applied file(s) changed since (see 'pmeta migrate validate')", changed);
		else if (pending)
			line(0, "migrations: %zu pending (run 'pmeta migrate')", pending);
		else {
			size_t legacy = migrations_count(&set, MIGRATION_LEGACY);

			if (set.nunknown)
				line(1, "migrations current (%zu applied, %zu more applied from elsewhere, e.g. by neo4j-migrations)",
				     set.n, set.nunknown);
			else
				line(1, "migrations current (%zu applied)", set.n);
			if (legacy)
				printf("  note: %zu carry pmeta 0.1's checksum; 'pmeta migrate' re-records them for neo4j-migrations\n",
				       legacy);
			ok = 1;
		}
	}
	migrations_release(&set);
	if (ok && neo4j_query(db, &res, cypher_doctor_unclaimed, NULL) == 0) {
		long n = (long)json_integer_value(neo4j_cell(res, 0, "n"));

		if (n)
			line(1, "graph: %ld node(s) written by an earlier pmeta have no workspace yet "
			     "('pmeta sync' in their workspace claims them)", n);
		json_decref(res);
	}
	return ok;
}

static int check_workspace(void)
{
	char *root = NULL;
	git_repository *repo = NULL;
	int ok = 0;

	if (workspace_find(&root, ".") < 0) {
		line(0, "workspace: %s", pm_error_msg());
		return 0;
	}
	if (workspace_open(&repo, root) < 0) {
		line(0, "workspace: %s", pm_error_msg());
	} else if (git_repository_head_detached(repo) == 1) {
		line(0, "workspace %s is a git repository, but HEAD is detached (forks need a branch)", root);
	} else {
		char *ws = NULL;
		int r = workspace_id_read(&ws, root);

		if (r < 0)
			line(0, "workspace: %s", pm_error_msg());
		else if (r == 0)
			line(1, "workspace %s is a git repository; no identity yet (the first command "
			     "that needs one makes it, or 'pmeta init --workspace <name>')", root);
		else
			line(1, "workspace %s is a git repository; identity '%s'", root, ws);
		ok = r >= 0;
		free(ws);
	}
	git_repository_free(repo);
	free(root);
	return ok;
}

int cmd_doctor(int argc, char **argv, struct ctx *ctx)
{
	struct neo4j *db;
	int neo_ok, ws_ok, ret;
	struct cmd_option options[] = { OPT_END() };

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[0]);
	/* An invalid limit (PMETA_NEO4J_TIMEOUT, ...) is a usage error, not a problem found. */
	if (ctx_db(ctx, &db) < 0 && pm_error_class() == PM_EUSAGE)
		return cmd_error();
	neo_ok = check_neo4j(ctx);
	ws_ok = check_workspace();
	if (!neo_ok)
		return EXIT_NEO4J;
	return ws_ok ? EXIT_OK : EXIT_GIT;
}
