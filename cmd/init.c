#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "graph/keys.h"
#include "graph/migrate.h"
#include "graph/neo4j.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta init [--workspace <name>] [<folder>]\n",
	"Makes the folder (default: the current one) a git workspace unless it is in\n"
	"one already, gives the workspace its identity, checks that Neo4j answers,\n"
	"and applies pending migrations.\n"
	"\n"
	"The identity is the name every graph key of the workspace starts with, so\n"
	"any number of workspaces share one Neo4j without touching each other's\n"
	"nodes. It is kept in <workspace>/" WORKSPACE_ID_FILE " (untracked: a clone or a\n"
	"git worktree is a workspace of its own). Default: the folder's name and 8\n"
	"random hex digits. A workspace that has one keeps it.\n",
	NULL
};

/* --workspace: checked before anything is written, a usage error when bad. */
static int parse_workspace(const struct cmd_option *opt, const char *arg)
{
	if (!key_workspace_valid(arg))
		return pm_error(PM_EUSAGE, "'%s' is not a workspace name (1 to %d letters, digits, "
				"'.', '_' or '-', starting with a letter or digit)", arg,
				KEY_WORKSPACE_MAX);
	*(const char **)opt->value = arg;
	return 0;
}

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
	const char *path = ".", *want = NULL;
	struct migration_set set = MIGRATION_SET_INIT;
	struct neo4j *db;
	json_t *disc = NULL;
	char *root = NULL, *ws = NULL, *had = NULL;
	int created, made, ret;
	struct cmd_option options[] = {
		OPT_CALLBACK(0, "workspace", &want, "<name>", parse_workspace,
			     "the identity: 1 to 64 letters, digits, '.', '_', '-'"),
		OPT_END()
	};

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
	/* A workspace that has an identity keeps it: refuse another before writing. */
	if (want && workspace_find(&root, path) == 0 && workspace_id_read(&had, root) > 0 &&
	    strcmp(had, want)) {
		ret = cmd_die(EXIT_FAIL, "this workspace is '%s' (%s/" WORKSPACE_ID_FILE "); its graph "
			      "nodes are keyed by that name, so it is not renamed to '%s'", had, root, want);
		goto out;
	}
	pm_error_clear();
	free(root);
	root = NULL;
	if (workspace_init(path, &created) < 0 || workspace_find(&root, path) < 0 ||
	    workspace_id_ensure(&ws, root, want, &made) < 0) {
		ret = cmd_error();
		goto out;
	}
	printf(created ? "initialised git workspace in %s\n" : "%s is already in a git workspace\n", path);
	printf(made ? "workspace identity: %s (new, in %s/" WORKSPACE_ID_FILE ")\n"
		    : "workspace identity: %s (%s/" WORKSPACE_ID_FILE ")\n", ws, root);
	if (migrations_apply(db, &set, on_applied, NULL) < 0) {
		ret = cmd_error();
		goto out;
	}
	printf("neo4j at %s: migrations current (%zu applied)\n", neo4j_uri(db), set.n);
out:
	migrations_release(&set);
	free(root);
	free(ws);
	free(had);
	return ret;
}
