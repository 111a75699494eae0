#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "vcs/fork.h"
#include "vcs/history.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta log <name>\n",
	"Lists the history of a procedure or process version on the current branch,\n"
	"newest first: the commits that changed its file (or folder), the fork that\n"
	"created it and the forks made from it. Reads git only (no Neo4j needed).\n",
	NULL
};

int cmd_log(int argc, char **argv, struct ctx *ctx)
{
	struct version_name v;
	struct log_list list = { 0 };
	git_repository *repo = NULL;
	const char *root, *name;
	size_t i;
	int ret;
	struct cmd_option options[] = { OPT_END() };

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[1]);
	if (!argc)
		return options_usage_error(&usage, options, "whose history?");
	name = argv[0];
	ret = EXIT_OK;
	if (version_parse(&v, name) < 0)
		return options_usage_error(&usage, options, "%s", pm_error_msg());
	if (ctx_root(ctx, &root) < 0 || workspace_open(&repo, root) < 0) {
		ret = cmd_error();
		goto out;
	}
	/*
	 * A named schedule is walked as it is: the version may be gone from
	 * HEAD (then its name's convention says its kind).
	 */
	if (v.schedule) {
		if (fork_locate(repo, root, &v, 1) < 0)
			pm_error_clear();
	} else if (fork_locate(repo, root, &v, 1) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (history_log(&list, repo, &v) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (!list.n) {
		ret = cmd_die(EXIT_GIT, "no commit touches %s '%s/%s' on this branch",
			      version_kind_str(v.kind), v.schedule, v.name);
		goto out;
	}
	for (i = 0; i < list.n; i++) {
		struct log_entry *e = &list.items[i];

		printf("%.12s %s  %-44s  %s  (%s)\n", e->commit, e->at, e->what, e->subject, e->author);
	}
out:
	log_list_release(&list);
	version_release(&v);
	git_repository_free(repo);
	return ret;
}
