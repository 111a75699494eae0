#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "run/journal.h"
#include "vcs/history.h"
#include "vcs/workspace.h"

static const char usage[] =
	"usage: pmeta sync [--dry-run]\n"
	"\n"
	"Rebuilds the graph's fork lineage from git: walks the history of HEAD, reads\n"
	"the trailers of every fork commit (Pmeta-Fork, Pmeta-Forked-From, ...) and\n"
	"upserts each version node and FORKED_FROM edge. A commit counts only when its\n"
	"tree shows the fork: it adds the new file (folder) with the content its\n"
	"Pmeta-Source-* trailer names; other claims are skipped with a warning. Then replays the run\n"
	"journals under .pmeta/runs/ that the graph has not seen (runs recorded while\n"
	"Neo4j was away). Idempotent: a second run changes nothing.\n"
	"\n"
	"    --dry-run   list the forks found in the history, write nothing\n";

static int sync_lineage(struct neo4j *db, git_repository *repo, int dry_run)
{
	struct fork_list forks;
	struct lineage_stats st;
	size_t i;

	if (history_forks(&forks, repo) < 0)
		return cmd_error();
	/* Commits whose trailers claim a fork their tree does not show. */
	for (i = 0; i < forks.nignored; i++)
		cmd_warn("%s", forks.ignored[i]);
	if (dry_run) {
		for (i = 0; i < forks.n; i++)
			printf("%.12s %s/%s -> %s (%s)\n", forks.items[i].commit, forks.items[i].src.schedule,
			       forks.items[i].src.name, forks.items[i].dst.name, forks.items[i].bump);
		printf("%zu fork(s) in the history; nothing written (--dry-run)\n", forks.n);
		fork_list_release(&forks);
		return EXIT_OK;
	}
	if (lineage_write_forks(db, forks.items, forks.n, &st) < 0) {
		fork_list_release(&forks);
		return cmd_error();
	}
	printf("lineage: %zu fork(s) in the history; %ld node(s), %ld relationship(s) created\n",
	       forks.n, st.nodes_created, st.edges_created);
	fork_list_release(&forks);
	return EXIT_OK;
}

int cmd_sync(int argc, char **argv, struct ctx *ctx)
{
	struct neo4j *db = NULL;
	git_repository *repo = NULL;
	const char *root;
	int i, dry_run = 0, ret;

	for (i = 1; i < argc; i++) {
		if (cmd_is_help(argv[i]))
			return cmd_usage(usage);
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = 1;
		else
			return cmd_usage_error(usage, "unexpected argument '%s'", argv[i]);
	}
	if (!dry_run && ctx_db(ctx, &db) < 0)
		return cmd_error();
	if (ctx_root(ctx, &root) < 0 || workspace_open(&repo, root) < 0)
		return cmd_error();
	/* One step per kind of record git or the disk holds; each prints its line. */
	ret = sync_lineage(db, repo, dry_run);
	if (ret == EXIT_OK && !dry_run) {
		size_t replayed = 0;

		if (journal_replay_all(db, root, &replayed) < 0)
			ret = cmd_error();
		else
			printf("runs: %zu journal(s) replayed\n", replayed);
	}
	git_repository_free(repo);
	return ret;
}
