#include <string.h>

#include "cmd/cmd.h"
#include "cmd/config_diag.h"
#include "graph/config.h"
#include "graph/import.h"
#include "graph/neo4j.h"
#include "graph/plan.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta import [-q] [--force] <config>...\n",
	"Writes each process config (<schedule>/process_config/<process>/main.conf\n"
	"or dag.yaml) into Neo4j: schedule, process, steps, procedures (script path\n"
	"and git blob id), datasets and the READS / WRITES / DELETES / AFTER edges,\n"
	"and the registry of the process and its procedures (description, author,\n"
	"created and updated times from git: 'pmeta show'). A large config is\n"
	"written in batches that no reader sees until one final transaction makes\n"
	"them current. A config with an error writes nothing. Importing the same\n"
	"config again creates nothing; an edited config loses the edges it no\n"
	"longer has, and the steps it no longer has leave the process but keep\n"
	"their past runs. What is written belongs to the workspace holding the\n"
	"config (.pmeta/workspace); other processes and workspaces are left alone.\n"
	"It validates what check validates (base.conf and the command template\n"
	"included) first.\n"
	"\n"
	"A config whose text, path and scripts are those of its last import, into a\n"
	"process that still has as many steps, costs one small query and writes\n"
	"nothing (\"unchanged\").\n",
	NULL
};

static int import_one(struct neo4j *db, const char *path, int quiet, int force)
{
	struct config *cfg = NULL;
	struct import_stats st;
	char *root = NULL, *ws = NULL;
	int ret;

	if (config_load(&cfg, path) < 0) {
		if (!cfg)
			return cmd_error();
		print_config_diags(cfg, quiet ? 0 : 10);
		fprintf(stderr, "error: %s: not imported\n", path);
		config_free(cfg);
		return EXIT_CONFIG;
	}
	print_config_diags(cfg, quiet ? 0 : 10);
	/* The same offline validation as check: base.conf and the template too. */
	if (plan_validate(NULL, cfg) < 0) {
		ret = cmd_error();
		fprintf(stderr, "error: %s: not imported\n", path);
		goto out;
	}
	/* The workspace that holds the config owns what it becomes. */
	if (workspace_find(&root, cfg->root) < 0 || ctx_workspace_at(&ws, root) < 0 ||
	    import_config(db, ws, cfg, force, &st) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (!quiet && st.unchanged)
		printf("%s: %s/%s (%zu steps) unchanged since its last import: nothing written\n",
		       path, cfg->schedule, cfg->process, cfg->nsteps);
	else if (!quiet)
		printf("%s: imported %s/%s (%zu steps): %ld nodes and %ld relationships created, "
		       "%ld nodes and %ld relationships deleted, %ld properties set\n",
		       path, cfg->schedule, cfg->process, cfg->nsteps, st.nodes_created, st.rels_created,
		       st.nodes_deleted, st.rels_deleted, st.props_set);
	ret = EXIT_OK;
out:
	config_free(cfg);
	free(root);
	free(ws);
	return ret;
}

int cmd_import(int argc, char **argv, struct ctx *ctx)
{
	struct neo4j *db;
	int i, quiet = 0, force = 0, ret;
	struct cmd_option options[] = {
		OPT_FLAG('q', "quiet", &quiet, "print no warnings and no summary"),
		OPT_FLAG(0, "force", &force, "write everything even when unchanged (say, after\n"
			 "editing an edge, a dataset or a property by hand)"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (!argc)
		return options_usage_error(&usage, options, "no config given");
	ret = EXIT_OK;
	if (ctx_db(ctx, &db) < 0)
		return cmd_error();
	for (i = 0; i < argc; i++) {
		int r = import_one(db, argv[i], quiet, force);

		if (r != EXIT_OK && (ret == EXIT_OK || r == EXIT_NEO4J))
			ret = r;
		if (r == EXIT_NEO4J)
			break;
	}
	return ret;
}
