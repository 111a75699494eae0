#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/cmd.h"
#include "util/strbuf.h"
#include "vcs/fork.h"
#include "vcs/workspace.h"

static const struct cmd_usage usage = {
	"pmeta diff <version-a> <version-b> [--worktree]\n",
	"Shows the differences between two versions as a unified diff, through\n"
	"libgit2: two procedure scripts, or two process folders. Compares what HEAD\n"
	"holds; --worktree compares the files on disk instead.\n",
	NULL
};

/* Reads the version's content: its tree entry in HEAD, or the file on disk. */
static int load_side(git_object **obj, struct strbuf *disk, git_repository *repo,
		     const char *root, struct version_name *v, int worktree)
{
	char *path, *spec;
	int r;

	*obj = NULL;
	if (fork_locate(repo, root, v, worktree) < 0)
		return -1;
	path = version_path(v);
	if (worktree) {
		char *full = xstrfmt("%s/%s", root, path);

		r = v->kind == VERSION_PROCESS
			? pm_error(PM_EUSAGE, "--worktree compares procedure scripts only")
			: strbuf_read_file(disk, full);
		free(full);
		free(path);
		return r;
	}
	spec = xstrfmt("HEAD:%s", path);
	r = git_revparse_single(obj, repo, spec);
	free(spec);
	if (r < 0) {
		pm_error(PM_EGIT, "'%s' is not in HEAD: %s", path, vcs_git_msg());
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

int cmd_diff(int argc, char **argv, struct ctx *ctx)
{
	struct version_name a, b;
	struct strbuf da = STRBUF_INIT, db = STRBUF_INIT;
	git_repository *repo = NULL;
	git_object *oa = NULL, *ob = NULL;
	git_patch *patch = NULL;
	git_diff *diff = NULL;
	git_buf out = { 0 };
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	const char *root, *names[2] = { NULL, NULL };
	char *pa = NULL, *pb = NULL;
	int worktree = 0, ret, r;
	struct cmd_option options[] = {
		OPT_FLAG(0, "worktree", &worktree, "compare the scripts on disk, not what HEAD holds"),
		OPT_END()
	};

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 2)
		return options_usage_error(&usage, options, "unexpected argument '%s'", argv[2]);
	if (argc != 2)
		return options_usage_error(&usage, options, "diff needs two versions");
	names[0] = argv[0];
	names[1] = argv[1];
	ret = EXIT_OK;
	if (version_parse(&a, names[0]) < 0 || version_parse(&b, names[1]) < 0) {
		version_release(&a);
		return options_usage_error(&usage, options, "%s", pm_error_msg());
	}
	if (ctx_root(ctx, &root) < 0 || workspace_open(&repo, root) < 0 ||
	    load_side(&oa, &da, repo, root, &a, worktree) < 0 ||
	    load_side(&ob, &db, repo, root, &b, worktree) < 0) {
		ret = cmd_error();
		goto out;
	}
	/* Their kinds are known once located: a script or a process folder. */
	if (a.kind != b.kind) {
		ret = options_usage_error(&usage, options, "'%s' and '%s' are not of one kind", names[0], names[1]);
		goto out;
	}
	pa = version_path(&a);
	pb = version_path(&b);
	if (worktree)
		r = git_patch_from_buffers(&patch, da.buf, da.len, pa, db.buf, db.len, pb, &opts);
	else if (a.kind == VERSION_PROCEDURE)
		r = git_patch_from_blobs(&patch, (git_blob *)oa, pa, (git_blob *)ob, pb, &opts);
	else {
		char *prefa = xstrfmt("a/%s/", pa), *prefb = xstrfmt("b/%s/", pb);

		opts.old_prefix = prefa;
		opts.new_prefix = prefb;
		r = git_diff_tree_to_tree(&diff, repo, (git_tree *)oa, (git_tree *)ob, &opts);
		if (r == 0)
			r = git_diff_to_buf(&out, diff, GIT_DIFF_FORMAT_PATCH);
		free(prefa);
		free(prefb);
	}
	if (r == 0 && patch)
		r = git_patch_to_buf(&out, patch);
	if (r < 0) {
		ret = cmd_die(EXIT_GIT, "cannot diff '%s' and '%s': %s", names[0], names[1], vcs_git_msg());
		goto out;
	}
	fwrite(out.ptr ? out.ptr : "", 1, out.size, stdout);
out:
	git_buf_dispose(&out);
	git_patch_free(patch);
	git_diff_free(diff);
	git_object_free(oa);
	git_object_free(ob);
	strbuf_release(&da);
	strbuf_release(&db);
	free(pa);
	free(pb);
	version_release(&a);
	version_release(&b);
	git_repository_free(repo);
	return ret;
}
