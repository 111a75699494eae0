#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/config.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "vcs/fork.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta fork <name> [--patch | --minor | --major | --to <new-name>]\n"
	"                  [-m <msg>] [--from-worktree]\n",
	"Copies a procedure script (proc_004_v_000: <schedule>/pys/proc_004_v_000.py) or\n"
	"a process folder (p_002_v_000: <schedule>/process_config/p_002_v_000/) to a new\n"
	"version, commits only that copy with git trailers naming its source, and\n"
	"writes the new version and its FORKED_FROM edge to the graph.\n",
	"A name may carry its schedule: sche_001/proc_004_v_000. Neo4j is checked first:\n"
	"when it is unreachable nothing is written (exit 4). When the graph write fails\n"
	"after the commit, git holds the fork and 'pmeta sync' brings the graph up to\n"
	"date.\n"
};

int cmd_fork(int argc, char **argv, struct ctx *ctx)
{
	struct fork_opts opts = { FORK_PATCH, NULL, NULL, 0 };
	struct fork_record rec;
	struct lineage_stats st;
	struct neo4j *db;
	git_repository *repo = NULL;
	const char *name, *root, *ws;
	char *warning = NULL, *path = NULL;
	int patch = 0, minor = 0, major = 0, ret;
	struct cmd_option options[] = {
		OPT_FLAG(0, "patch", &patch, "the next free patch version (the default):\n"
			 "proc_004_v_000 -> proc_004_v_001"),
		OPT_FLAG(0, "minor", &minor, "the next free minor version:\n"
			 "proc_004_v_000 -> proc_004_v_010"),
		OPT_FLAG(0, "major", &major, "the next free major version:\n"
			 "proc_004_v_000 -> proc_004_v_100"),
		OPT_STRING(0, "to", &opts.to, "<new-name>", "this name, which must not exist yet"),
		OPT_STRING('m', "message", &opts.message, "<msg>", "added to the commit message"),
		OPT_FLAG(0, "from-worktree", &opts.from_worktree,
			 "fork the version as it is on disk, even if it\n"
			 "changed since its last commit (or was never committed)"),
		OPT_END()
	};

	memset(&rec, 0, sizeof(rec));
	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (!argc)
		return options_usage_error(&usage, options, "which version to fork?");
	name = argv[0];
	if (patch + minor + major + !!opts.to > 1)
		return options_usage_error(&usage, options,
					   "--patch, --minor, --major and --to exclude each other");
	opts.bump = opts.to ? FORK_TO : major ? FORK_MAJOR : minor ? FORK_MINOR : FORK_PATCH;
	ret = EXIT_OK;

	/* Neo4j first: when it is not there, git is left alone. */
	if (ctx_db(ctx, &db) < 0 || neo4j_query(db, NULL, cypher_fork_check, NULL) < 0) {
		pm_error_prefix("nothing forked");
		return cmd_error();
	}
	if (ctx_root(ctx, &root) < 0 || ctx_workspace(ctx, &ws) < 0 || workspace_open(&repo, root) < 0)
		return cmd_error();
	if (fork_create(&rec, &warning, repo, root, name, &opts) < 0) {
		ret = cmd_error();
		goto out;
	}
	path = version_path(&rec.dst);
	printf("forked %s/%s -> %s (%s), commit %.12s\n", rec.src.schedule, rec.src.name, rec.dst.name,
	       rec.bump, rec.commit);
	printf("  %s%s\n", path, rec.dst.kind == VERSION_PROCESS ? "/" : "");
	if (warning)
		cmd_warn("%s", warning);
	if (lineage_write_forks(db, ws, &rec, 1, &st) < 0) {
		pm_error_prefix("the fork is committed (%.12s), but the graph is behind; "
				"'pmeta sync' restores it from git", rec.commit);
		ret = cmd_error();
		goto out;
	}
	if (rec.dst.kind == VERSION_PROCESS) {
		char *config = config_process_file(root, rec.dst.schedule, rec.dst.name);

		if (config)
			printf("  its steps enter the graph with 'pmeta import %s'\n", config + strlen(root) + 1);
		free(config);
	}
out:
	free(path);
	free(warning);
	fork_record_release(&rec);
	git_repository_free(repo);
	return ret;
}
