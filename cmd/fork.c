#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "vcs/fork.h"
#include "vcs/workspace.h"

static const char usage[] =
	"usage: pmeta fork <name> [--patch | --minor | --major | --to <new-name>] [-m <msg>]\n"
	"                  [--from-worktree]\n"
	"\n"
	"Copies a procedure script (proc_004_v_000: <schedule>/pys/proc_004_v_000.py) or\n"
	"a process folder (p_002_v_000: <schedule>/process_config/p_002_v_000/) to a new\n"
	"version, commits only that copy with git trailers naming its source, and\n"
	"writes the new version and its FORKED_FROM edge to the graph.\n"
	"\n"
	"    --patch            next free patch version: proc_004_v_000 -> proc_004_v_001 (default)\n"
	"    --minor            next free minor version: proc_004_v_000 -> proc_004_v_010\n"
	"    --major            next free major version: proc_004_v_000 -> proc_004_v_100\n"
	"    --to <new-name>    this name, which must not exist yet\n"
	"    -m, --message <msg>  added to the commit message\n"
	"    --from-worktree    fork the version as it is on disk, even if changed since\n"
	"                       its last commit (or never committed)\n"
	"\n"
	"A name may carry its schedule: sche_001/proc_004_v_000. Neo4j is checked first:\n"
	"when it is unreachable nothing is written (exit 4). When the graph write fails\n"
	"after the commit, git holds the fork and 'pmeta sync' brings the graph up to date.\n";

int cmd_fork(int argc, char **argv, struct ctx *ctx)
{
	struct fork_opts opts = { FORK_PATCH, NULL, NULL, 0 };
	struct fork_record rec;
	struct lineage_stats st;
	struct neo4j *db;
	git_repository *repo = NULL;
	const char *name = NULL, *root;
	char *warning = NULL, *path = NULL;
	int i, nbump = 0, ret = EXIT_OK;

	memset(&rec, 0, sizeof(rec));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (cmd_is_help(a))
			return cmd_usage(usage);
		if (!strcmp(a, "--patch") || !strcmp(a, "--minor") || !strcmp(a, "--major")) {
			opts.bump = a[2] == 'p' ? FORK_PATCH : a[3] == 'i' ? FORK_MINOR : FORK_MAJOR;
			nbump++;
		} else if (!strcmp(a, "--to") || !strncmp(a, "--to=", 5)) {
			if (a[4] == '=')
				opts.to = a + 5;
			else if (++i < argc)
				opts.to = argv[i];
			else
				return cmd_usage_error(usage, "--to needs a name");
			opts.bump = FORK_TO;
			nbump++;
		} else if (!strcmp(a, "-m") || !strcmp(a, "--message") || !strncmp(a, "--message=", 10)) {
			if (a[1] == '-' && a[9] == '=')
				opts.message = a + 10;
			else if (++i < argc)
				opts.message = argv[i];
			else
				return cmd_usage_error(usage, "%s needs a message", a);
		} else if (!strcmp(a, "--from-worktree")) {
			opts.from_worktree = 1;
		} else if (a[0] == '-') {
			return cmd_usage_error(usage, "unknown option '%s'", a);
		} else if (name) {
			return cmd_usage_error(usage, "unexpected argument '%s'", a);
		} else {
			name = a;
		}
	}
	if (!name)
		return cmd_usage_error(usage, "which version to fork?");
	if (nbump > 1)
		return cmd_usage_error(usage, "--patch, --minor, --major and --to exclude each other");
	/* A bad name (or a schedule like "..") is refused before anything is touched. */
	if (version_parse(&rec.src, name) < 0)
		return cmd_usage_error(usage, "%s", pm_error_msg());
	version_release(&rec.src);

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
	if (ctx_root(ctx, &root) < 0 || workspace_open(&repo, root) < 0)
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
	if (lineage_write_forks(db, &rec, 1, &st) < 0) {
		pm_error_prefix("the fork is committed (%.12s), but the graph is behind; "
				"'pmeta sync' restores it from git", rec.commit);
		ret = cmd_error();
		goto out;
	}
	if (rec.dst.kind == VERSION_PROCESS)
		printf("  its steps enter the graph with 'pmeta import %s/main.conf'\n", path);
out:
	free(path);
	free(warning);
	fork_record_release(&rec);
	git_repository_free(repo);
	return ret;
}
