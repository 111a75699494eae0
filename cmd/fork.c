#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/config.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
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

/*
 * The registry entries of both versions: the new one's author is the
 * fork's and it came from the source; the source's are as git says now.
 */
static int write_registry(struct neo4j *db, const char *ws, const char *root, git_repository *repo,
			  const struct fork_record *rec)
{
	const struct version_name *v[2] = { &rec->src, &rec->dst };
	struct registry reg;
	json_t *stmts = NULL;
	int i, ret = -1;

	registry_init(&reg, root, root);
	for (i = 0; i < 2; i++)
		if (v[i]->kind == VERSION_PROCESS)
			registry_add_process(&reg, v[i]->schedule, v[i]->name, NULL, NULL);
		else
			registry_add_procedure(&reg, v[i]->schedule, v[i]->name);
	if (registry_origins(&reg, repo, NULL) == 0) {
		stmts = registry_statements(ws, &reg);
		ret = neo4j_commit(db, NULL, stmts);
	}
	json_decref(stmts);
	registry_release(&reg);
	return ret;
}

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
	/* A bad name (or a schedule like "..") is refused before anything is touched. */
	if (version_parse(&rec.src, name) < 0)
		return options_usage_error(&usage, options, "%s", pm_error_msg());
	version_release(&rec.src);
	ret = EXIT_OK;

	/*
	 * Under a file size limit (ulimit -f) a write must fail with EFBIG, which
	 * the fork reports and undoes, instead of SIGXFSZ killing pmeta halfway
	 * (a half-written copy and a stale index.lock). A fork starts no child.
	 */
	signal(SIGXFSZ, SIG_IGN);
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
	if (write_registry(db, ws, root, repo, &rec) < 0) {
		pm_error_prefix("the fork is committed (%.12s), but its registry entry is not in the graph; "
				"'pmeta sync' writes it", rec.commit);
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
