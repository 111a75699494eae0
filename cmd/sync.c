#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "graph/caption.h"
#include "graph/claim.h"
#include "graph/lineage.h"
#include "graph/neo4j.h"
#include "graph/registry.h"
#include "run/journal.h"
#include "run/openlineage.h"
#include "util/strbuf.h"
#include "vcs/history.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta sync [--dry-run]\n",
	"Brings the graph up to date with this workspace, in three steps. First it\n"
	"claims what an earlier pmeta wrote without a workspace (nodes labelled\n"
	":Unclaimed by migration 0002): the nodes of the schedules this workspace\n"
	"holds and the runs it recorded get its keys. Then it rebuilds the fork\n"
	"lineage from git: walks the history of HEAD, reads the trailers of every\n"
	"fork commit (Pmeta-Fork, Pmeta-Forked-From, ...) and upserts each version\n"
	"node and FORKED_FROM edge. A commit counts only when its tree shows the\n"
	"fork: it adds the new file (folder) with the content its Pmeta-Source-*\n"
	"trailer names; other claims are skipped with a warning (and claim no\n"
	"schedule). Then it fills the registry of every procedure and process\n"
	"version on disk: description, author and email of the commit that created\n"
	"it, created and updated times, the fork it came from (one walk of the\n"
	"history for all of them). Last it replays the run journals under\n"
	".pmeta/runs/ that the graph has not seen (runs recorded while Neo4j was\n"
	"away), and sends the OpenLineage events of runs whose target did not take\n"
	"them. Nodes written before captions get theirs (for Neo4j Browser). Only\n"
	"this workspace's nodes are written. Idempotent: a second run changes\n"
	"nothing.\n",
	NULL
};

/* Schedules on disk, and those of the fork history (a folder may be gone). */
static size_t held_schedules(char ***names, const char *root, const struct fork_list *forks)
{
	size_t n = workspace_schedules(names, root), i, j;

	for (i = 0; i < forks->n; i++) {
		const char *s = forks->items[i].src.schedule;

		for (j = 0; j < n && strcmp((*names)[j], s); j++)
			;
		if (j == n) {
			*names = xrealloc(*names, (n + 1) * sizeof(**names));
			(*names)[n++] = xstrdup(s);
		}
	}
	return n;
}

static int claim(struct neo4j *db, const char *ws, const char *root, const struct fork_list *forks)
{
	struct claim_stats st;
	char **schedules, **runs;
	size_t nschedules = held_schedules(&schedules, root, forks);
	size_t nruns = runs_local(&runs, root);
	int r = claim_legacy(db, ws, root, schedules, nschedules, runs, nruns, &st);

	free_strings(schedules, nschedules);
	free_strings(runs, nruns);
	if (r < 0)
		return cmd_error();
	if (st.schedules || st.processes || st.steps || st.procedures || st.datasets || st.runs)
		printf("claimed for workspace %s: %ld schedule(s), %ld process(es), %ld step(s), "
		       "%ld procedure(s), %ld dataset(s), %ld run(s) written by an earlier pmeta "
		       "(%ld folded into nodes written since)\n", ws, st.schedules, st.processes,
		       st.steps, st.procedures, st.datasets, st.runs, st.merged);
	return EXIT_OK;
}

static int sync_lineage(struct neo4j *db, const char *ws, const struct fork_list *forks)
{
	struct lineage_stats st;

	long captions;

	if (lineage_write_forks(db, ws, forks->items, forks->n, &st) < 0 ||
	    caption_fill(db, ws, &captions) < 0)
		return cmd_error();
	printf("lineage: %zu fork(s) in the history; %ld node(s), %ld relationship(s) created\n",
	       forks->n, st.nodes_created, st.edges_created);
	if (captions)
		printf("captions: %ld node(s) given their Browser caption\n", captions);
	return EXIT_OK;
}

/* The registry of every version on disk; db NULL: count, write nothing (--dry-run). */
static int sync_registry(struct neo4j *db, const char *ws, const char *root, git_repository *repo)
{
	struct registry reg;
	json_t *stmts = NULL, *results = NULL;
	size_t i, nprocs = 0, ncommits = 0, found = 0;
	long props = 0;
	int ret = EXIT_OK;

	registry_init(&reg, root, root);
	registry_add_all(&reg);
	if (registry_origins(&reg, repo, &ncommits) < 0) {
		ret = cmd_error();
		goto out;
	}
	for (i = 0; i < reg.n; i++) {
		nprocs += reg.items[i].kind == VERSION_PROCEDURE;
		found += reg.items[i].origin.found;
	}
	if (db) {
		stmts = registry_statements(ws, &reg);
		if (json_array_size(stmts) && neo4j_commit(db, &results, stmts) < 0) {
			ret = cmd_error();
			goto out;
		}
		for (i = 0; i < json_array_size(results); i++)
			props += neo4j_stat(json_array_get(results, i), "properties_set");
	}
	printf("registry: %zu procedure and %zu process version(s), %zu in the history "
	       "(%zu commit(s) read)", nprocs, reg.n - nprocs, found, ncommits);
	if (db)
		printf("; %ld properties set\n", props);
	else
		printf("; nothing written (--dry-run)\n");
out:
	json_decref(stmts);
	json_decref(results);
	registry_release(&reg);
	return ret;
}

int cmd_sync(int argc, char **argv, struct ctx *ctx)
{
	struct neo4j *db = NULL;
	struct fork_list forks = { 0 };
	git_repository *repo = NULL;
	const char *root, *ws = NULL;
	size_t i;
	int dry_run = 0, ret;
	struct cmd_option options[] = {
		OPT_FLAG(0, "dry-run", &dry_run, "list the forks found in the history, write nothing"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[0]);
	if (!dry_run && (ctx_db(ctx, &db) < 0 || ctx_workspace(ctx, &ws) < 0))
		return cmd_error();
	if (ctx_root(ctx, &root) < 0 || workspace_open(&repo, root) < 0)
		return cmd_error();
	if (history_forks(&forks, repo) < 0) {
		ret = cmd_error();
		goto out;
	}
	/* Commits whose trailers claim a fork their tree does not show. */
	for (i = 0; i < forks.nignored; i++)
		cmd_warn("%s", forks.ignored[i]);
	if (dry_run) {
		for (i = 0; i < forks.n; i++)
			printf("%.12s %s/%s -> %s (%s)\n", forks.items[i].commit, forks.items[i].src.schedule,
			       forks.items[i].src.name, forks.items[i].dst.name, forks.items[i].bump);
		printf("%zu fork(s) in the history; nothing written (--dry-run)\n", forks.n);
		ret = sync_registry(NULL, NULL, root, repo);
		goto out;
	}
	/* One step per kind of record git or the disk holds; each prints its line. */
	ret = claim(db, ws, root, &forks);
	if (ret == EXIT_OK)
		ret = sync_lineage(db, ws, &forks);
	if (ret == EXIT_OK)
		ret = sync_registry(db, ws, root, repo);
	if (ret == EXIT_OK) {
		size_t replayed = 0;

		if (journal_replay_all(db, ws, root, &replayed) < 0)
			ret = cmd_error();
		else
			printf("runs: %zu journal(s) replayed\n", replayed);
	}
	if (ret == EXIT_OK) {
		size_t runs = 0, sent = 0;
		int r = openlineage_resend_all(root, &runs, &sent);

		if (runs)
			printf("openlineage: %zu event(s) of %zu run(s) sent\n", sent, runs);
		if (r < 0)
			ret = cmd_error();
	}
out:
	fork_list_release(&forks);
	git_repository_free(repo);
	return ret;
}
