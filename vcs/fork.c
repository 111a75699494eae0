#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/fork.h"
#include "vcs/workspace.h"

/* How often a moved branch or a held lock makes us start again. */
#define FORK_MAX_ATTEMPTS 400

const char *fork_bump_str(enum fork_bump bump)
{
	switch (bump) {
	case FORK_MINOR:
		return "minor";
	case FORK_MAJOR:
		return "major";
	case FORK_TO:
		return "to";
	default:
		return "patch";
	}
}

static void backoff(unsigned attempt)
{
	struct timespec ts;
	long ms = 1 + rand() % (attempt < 8 ? 2 + (long)attempt * 2 : 20);

	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
}

int fork_check_repo(git_repository *repo, char **branch)
{
	git_reference *head = NULL;
	int r;

	*branch = NULL;
	if (git_repository_is_bare(repo))
		return pm_error(PM_EGIT, "repository '%s' is bare: a fork needs a work tree",
				git_repository_path(repo));
	r = git_repository_head_detached(repo);
	if (r == 1)
		return pm_error(PM_EGIT, "HEAD is detached: a fork commits on a branch; check one out first ('git switch <branch>')");
	if (r < 0)
		return pm_error(PM_EGIT, "cannot read HEAD: %s", vcs_git_msg());
	if (git_reference_lookup(&head, repo, "HEAD") < 0)
		return pm_error(PM_EGIT, "cannot read HEAD: %s", vcs_git_msg());
	if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC) {
		git_reference_free(head);
		return pm_error(PM_EGIT, "HEAD is detached: a fork commits on a branch");
	}
	*branch = xstrdup(git_reference_symbolic_target(head));
	git_reference_free(head);
	r = git_repository_head_unborn(repo);
	if (r != 0) {
		int ret = pm_error(PM_EGIT,
				   "branch '%s' has no commit yet: commit the version to fork first",
				   *branch + (strncmp(*branch, "refs/heads/", 11) ? 0 : 11));
		free(*branch);
		*branch = NULL;
		return ret;
	}
	return 0;
}

static int head_tree(git_tree **out, git_repository *repo)
{
	git_object *obj = NULL;

	*out = NULL;
	if (git_revparse_single(&obj, repo, "HEAD^{tree}") < 0)
		return pm_error(PM_EGIT, "cannot read HEAD's tree: %s", vcs_git_msg());
	*out = (git_tree *)obj;
	return 0;
}

/* 1 when path exists in tree, 0 not, -1 error. */
static int tree_has(git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int r = git_tree_entry_bypath(&e, tree, path);

	git_tree_entry_free(e);
	if (r == 0)
		return 1;
	if (r == GIT_ENOTFOUND)
		return 0;
	return pm_error(PM_EGIT, "cannot look up '%s': %s", path, vcs_git_msg());
}

/* 1 when path is on disk (a folder when want_dir), 0 not, -1 when it leads outside the workspace. */
static int disk_has(const char *root, const char *path, int want_dir)
{
	struct stat st;
	char *full;
	int r;

	if (workspace_check_inside(root, path) < 0)
		return -1;
	full = xstrfmt("%s/%s", root, path);
	r = stat(full, &st) == 0 && (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
	free(full);
	return r;
}

static void add_schedule(char ***list, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*list)[i], name))
			return;
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = xstrdup(name);
}

/*
 * Where v is as the kind v->kind says: 0 found (v->schedule set), 1 nowhere
 * (nothing recorded), -1 error (several schedules, git).
 */
static int locate_as(git_tree *tree, const char *root, struct version_name *v, int worktree_too)
{
	char **found = NULL, *path;
	size_t nfound = 0, i;
	int ret = -1, r;

	if (v->schedule) {
		path = version_path(v);
		r = tree_has(tree, path);
		if (r == 0 && worktree_too)
			r = disk_has(root, path, v->kind == VERSION_PROCESS);
		free(path);
		return r < 0 ? -1 : !r;
	}
	for (i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);

		if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
			continue;
		version_set_schedule(v, git_tree_entry_name(e));
		path = version_path(v);
		r = tree_has(tree, path);
		free(path);
		if (r < 0)
			goto out;
		if (r)
			add_schedule(&found, &nfound, git_tree_entry_name(e));
	}
	if (worktree_too) {
		DIR *d = opendir(root);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			version_set_schedule(v, de->d_name);
			path = version_path(v);
			/* A folder that leads elsewhere (a data link) is no schedule. */
			r = disk_has(root, path, v->kind == VERSION_PROCESS);
			free(path);
			if (r < 0)
				pm_error_clear();
			if (r > 0)
				add_schedule(&found, &nfound, de->d_name);
		}
		if (d)
			closedir(d);
	}
	free(v->schedule);
	v->schedule = NULL;
	if (nfound > 1) {
		pm_error(PM_EGIT, "'%s' is in %zu schedules ('%s', '%s'...): name one, as in '%s/%s'",
			 v->name, nfound, found[0], found[1], found[0], v->name);
		goto out;
	}
	if (nfound == 1)
		v->schedule = xstrdup(found[0]);
	ret = nfound == 0;
out:
	for (i = 0; i < nfound; i++)
		free(found[i]);
	free(found);
	return ret;
}

int fork_locate(git_repository *repo, const char *root, struct version_name *v, int worktree_too)
{
	git_tree *tree = NULL;
	enum version_kind named = v->kind;
	int r;

	if (head_tree(&tree, repo) < 0)
		return -1;
	/* The name's kind by convention first, then the other one. */
	r = locate_as(tree, root, v, worktree_too);
	if (r == 1) {
		v->kind = named == VERSION_PROCESS ? VERSION_PROCEDURE : VERSION_PROCESS;
		r = locate_as(tree, root, v, worktree_too);
		if (r != 0)
			v->kind = named;
	}
	git_tree_free(tree);
	if (r != 1)
		return r;
	if (v->schedule) {
		char *path = version_path(v);

		pm_error(PM_EGIT, "no %s '%s' in the workspace ('%s' is not in HEAD%s)",
			 version_kind_str(v->kind), v->name, path, worktree_too ? " nor on disk" : "");
		free(path);
	} else {
		pm_error(PM_EGIT, "no %s '%s' in the workspace (no %s */%s/%s%s in HEAD%s)",
			 version_kind_str(v->kind), v->name,
			 v->kind == VERSION_PROCESS ? "folder" : "file",
			 v->kind == VERSION_PROCESS ? "process_config" : "pys", v->name,
			 v->kind == VERSION_PROCESS ? "/" : ".py", worktree_too ? " nor on disk" : "");
	}
	return -1;
}

/*
 * The source must be committed as it is on disk: a version changed since
 * its last commit (staged or not) is refused, as forking it would be
 * ambiguous, unless the user says --from-worktree.
 */
static int check_clean(git_repository *repo, const char *path, const struct version_name *v,
		       int in_head)
{
	git_status_options opts = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;
	char *spec = xstrfmt("%s/", path);
	char *specs[1];
	size_t n;

	if (!in_head) {
		free(spec);
		return pm_error(PM_EGIT,
				"%s '%s' is not committed ('%s'): commit it, or fork it as it is on disk with --from-worktree",
				version_kind_str(v->kind), v->name, path);
	}
	specs[0] = v->kind == VERSION_PROCESS ? spec : (char *)path;
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH * (v->kind == VERSION_PROCEDURE);
	opts.pathspec.strings = specs;
	opts.pathspec.count = 1;
	if (git_status_list_new(&list, repo, &opts) < 0) {
		free(spec);
		return pm_error(PM_EGIT, "cannot read the status of '%s': %s", path, vcs_git_msg());
	}
	n = git_status_list_entrycount(list);
	git_status_list_free(list);
	free(spec);
	if (n)
		return pm_error(PM_EGIT,
				"%s '%s' has changes since its last commit ('%s'): fork what? commit them first, or fork the file as it is on disk with --from-worktree",
				version_kind_str(v->kind), v->name, path);
	return 0;
}

/* Adds `full` (a file or folder on disk) to builder as `name`, recursing. */
static int tree_from_disk(git_oid *out, git_repository *repo, const char *root, const char *rel);

static int builder_add_disk(git_treebuilder *tb, git_repository *repo, const char *root,
			    const char *rel, const char *name)
{
	char *child = xstrfmt("%s/%s", rel, name), *full = xstrfmt("%s/%s", root, child);
	struct stat st;
	git_oid id;
	int ignored = 0, ret = 0;

	if (lstat(full, &st) < 0 || git_ignore_path_is_ignored(&ignored, repo, child) < 0)
		goto out;
	if (ignored)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		if (tree_from_disk(&id, repo, root, child) < 0) {
			ret = -1;
			goto out;
		}
		if (!git_oid_is_zero(&id) && git_treebuilder_insert(NULL, tb, name, &id, GIT_FILEMODE_TREE) < 0)
			ret = pm_error(PM_EGIT, "cannot add '%s' to a tree: %s", child, vcs_git_msg());
	} else if (S_ISREG(st.st_mode)) {
		if (git_blob_create_from_workdir(&id, repo, child) < 0 ||
		    git_treebuilder_insert(NULL, tb, name, &id,
					   (st.st_mode & 0111) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB) < 0)
			ret = pm_error(PM_EGIT, "cannot store '%s': %s", child, vcs_git_msg());
	}
out:
	free(child);
	free(full);
	return ret;
}

/* The tree of folder rel on disk; a zero id when it holds nothing to commit. */
static int tree_from_disk(git_oid *out, git_repository *repo, const char *root, const char *rel)
{
	git_treebuilder *tb = NULL;
	char *full = xstrfmt("%s/%s", root, rel);
	DIR *d = opendir(full);
	struct dirent *de;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!d) {
		pm_error(PM_EGIT, "cannot read folder '%s': %s", rel, strerror(errno));
		goto out;
	}
	if (git_treebuilder_new(&tb, repo, NULL) < 0) {
		pm_error(PM_EGIT, "cannot build a tree: %s", vcs_git_msg());
		goto out;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".git"))
			continue;
		if (builder_add_disk(tb, repo, root, rel, de->d_name) < 0)
			goto out;
	}
	if (git_treebuilder_entrycount(tb) && git_treebuilder_write(out, tb) < 0) {
		pm_error(PM_EGIT, "cannot write a tree: %s", vcs_git_msg());
		goto out;
	}
	ret = 0;
out:
	if (d)
		closedir(d);
	git_treebuilder_free(tb);
	free(full);
	return ret;
}

/* What the new version is made of: a blob or a tree, and its mode. */
struct fork_source {
	git_oid id;
	git_filemode_t mode;
};

static int source_content(struct fork_source *src, git_repository *repo, const char *root,
			  const char *path, const struct version_name *v, int from_worktree)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int r, ret = -1;

	if (head_tree(&tree, repo) < 0)
		return -1;
	r = git_tree_entry_bypath(&e, tree, path);
	if (r < 0 && r != GIT_ENOTFOUND) {
		pm_error(PM_EGIT, "cannot look up '%s': %s", path, vcs_git_msg());
		goto out;
	}
	if (!from_worktree) {
		if (check_clean(repo, path, v, r == 0) < 0)
			goto out;
		if ((v->kind == VERSION_PROCESS) != (git_tree_entry_type(e) == GIT_OBJECT_TREE)) {
			pm_error(PM_EGIT, "'%s' in HEAD is not a %s", path,
				 v->kind == VERSION_PROCESS ? "folder" : "file");
			goto out;
		}
		git_oid_cpy(&src->id, git_tree_entry_id(e));
		src->mode = git_tree_entry_filemode(e);
		ret = 0;
		goto out;
	}
	if (v->kind == VERSION_PROCESS) {
		if (tree_from_disk(&src->id, repo, root, path) < 0)
			goto out;
		if (git_oid_is_zero(&src->id)) {
			pm_error(PM_EGIT, "process folder '%s' holds no file to fork", path);
			goto out;
		}
		src->mode = GIT_FILEMODE_TREE;
	} else {
		struct stat st;
		char *full = xstrfmt("%s/%s", root, path);

		r = stat(full, &st);
		free(full);
		if (r < 0 || !S_ISREG(st.st_mode)) {
			pm_error(PM_EGIT, "cannot read '%s': %s", path, r < 0 ? strerror(errno) : "not a file");
			goto out;
		}
		if (git_blob_create_from_workdir(&src->id, repo, path) < 0) {
			pm_error(PM_EGIT, "cannot store '%s': %s", path, vcs_git_msg());
			goto out;
		}
		src->mode = (st.st_mode & 0111) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
	}
	ret = 0;
out:
	git_tree_entry_free(e);
	git_tree_free(tree);
	return ret;
}

/* Existing versions of v's family: entries of its folder in HEAD and on disk. */
struct taken {
	int (*digits)[3];
	size_t n;
};

static void taken_add(struct taken *t, const int d[3])
{
	t->digits = xrealloc(t->digits, (t->n + 1) * sizeof(*t->digits));
	memcpy(t->digits[t->n++], d, sizeof(int[3]));
}

static int taken_collect(struct taken *t, git_repository *repo, const char *root,
			 const struct version_name *v)
{
	char *dir = version_dir(v), *full = xstrfmt("%s/%s", root, dir);
	git_tree *tree = NULL;
	git_object *obj = NULL;
	char *spec = xstrfmt("HEAD:%s", dir);
	DIR *d;
	struct dirent *de;
	int digits[3];
	size_t i;

	memset(t, 0, sizeof(*t));
	if (git_revparse_single(&obj, repo, spec) == 0 && git_object_type(obj) == GIT_OBJECT_TREE) {
		tree = (git_tree *)obj;
		for (i = 0; i < git_tree_entrycount(tree); i++)
			if (version_entry_digits(v, git_tree_entry_name(git_tree_entry_byindex(tree, i)), digits))
				taken_add(t, digits);
	}
	git_object_free(obj);
	d = opendir(full);
	while (d && (de = readdir(d)))
		if (version_entry_digits(v, de->d_name, digits))
			taken_add(t, digits);
	if (d)
		closedir(d);
	free(spec);
	free(dir);
	free(full);
	return 0;
}

/* The next free version for the bump: one more than the highest taken. */
static int next_version(char out[4], const struct taken *t, const struct version_name *v,
			enum fork_bump bump)
{
	int src[3], best[3], i;
	size_t k;
	static const char *const digit[] = { "major", "minor", "patch" };
	int pos = bump == FORK_MAJOR ? 0 : bump == FORK_MINOR ? 1 : 2;

	for (i = 0; i < 3; i++)
		src[i] = v->version[i] - '0';
	memcpy(best, src, sizeof(best));
	for (k = 0; k < t->n; k++) {
		const int *d = t->digits[k];

		if ((pos < 1 || d[0] == src[0]) && (pos < 2 || d[1] == src[1]) && d[pos] > best[pos])
			best[pos] = d[pos];
	}
	if (best[pos] >= 9)
		return pm_error(PM_EGIT, "no %s version left in %s after %s_v_%c%c%c: use a wider bump or --to",
				digit[pos], v->family, v->family, '0' + (pos == 0 ? best[0] : src[0]),
				'0' + (pos == 1 ? best[1] : pos == 0 ? 9 : src[1]), '0' + best[2] * (pos == 2));
	best[pos]++;
	for (i = pos + 1; i < 3; i++)
		best[i] = 0;
	for (i = 0; i < 3; i++)
		out[i] = (char)('0' + best[i]);
	out[3] = '\0';
	return 0;
}

/* A file or folder we created and will remove if the fork fails. */
struct created {
	char **paths;   /* full paths, creation order */
	size_t n;
};

static void created_add(struct created *c, char *full)
{
	c->paths = xrealloc(c->paths, (c->n + 1) * sizeof(*c->paths));
	c->paths[c->n++] = full;
}

static void created_undo(struct created *c)
{
	while (c->n) {
		char *p = c->paths[--c->n];

		remove(p); /* best effort: files first, then their folder */
		free(p);
	}
}

static void created_release(struct created *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->paths[i]);
	free(c->paths);
	memset(c, 0, sizeof(*c));
}

/* Writes blob `id` to `full`, which must not exist (O_EXCL). 1 on EEXIST. */
static int write_blob_excl(git_repository *repo, const git_oid *id, git_filemode_t mode,
			   const char *full, struct created *made)
{
	git_blob *blob = NULL;
	const char *data;
	size_t len, done = 0;
	int fd, ret = -1;

	if (git_blob_lookup(&blob, repo, id) < 0)
		return pm_error(PM_EGIT, "cannot read blob %s: %s", git_oid_tostr_s(id), vcs_git_msg());
	fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0777 : 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			ret = 1;
		else
			pm_error(PM_EGIT, "cannot create '%s': %s", full, strerror(errno));
		goto out;
	}
	created_add(made, xstrdup(full));
	data = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			pm_error(PM_EGIT, "cannot write '%s': %s", full, strerror(errno));
			close(fd);
			goto out;
		}
		done += (size_t)w;
	}
	if (close(fd) < 0) {
		pm_error(PM_EGIT, "cannot write '%s': %s", full, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	git_blob_free(blob);
	return ret;
}

/* Writes tree `id` as folder `full` (mkdir must create it: 1 on EEXIST). */
static int write_tree_excl(git_repository *repo, const git_oid *id, const char *full,
			   struct created *made)
{
	git_tree *tree = NULL;
	size_t i;
	int ret = -1;

	if (mkdir(full, 0777) < 0)
		return errno == EEXIST ? 1 : pm_error(PM_EGIT, "cannot create '%s': %s", full, strerror(errno));
	created_add(made, xstrdup(full));
	if (git_tree_lookup(&tree, repo, id) < 0) {
		pm_error(PM_EGIT, "cannot read tree %s: %s", git_oid_tostr_s(id), vcs_git_msg());
		goto out;
	}
	for (i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		char *child = xstrfmt("%s/%s", full, git_tree_entry_name(e));
		int r = 0;

		switch (git_tree_entry_filemode(e)) {
		case GIT_FILEMODE_TREE:
			r = write_tree_excl(repo, git_tree_entry_id(e), child, made);
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			r = write_blob_excl(repo, git_tree_entry_id(e), git_tree_entry_filemode(e), child, made);
			break;
		default:
			break; /* links and submodules are not copied */
		}
		free(child);
		if (r) {
			if (r > 0)
				pm_error(PM_EGIT, "'%s/%s' appeared while forking", full, git_tree_entry_name(e));
			goto out;
		}
	}
	ret = 0;
out:
	git_tree_free(tree);
	return ret;
}

/* A signature from GIT_<WHO>_NAME / _EMAIL, else from the git config. */
static int signature(git_signature **out, git_repository *repo, const char *who)
{
	char var[32];
	const char *name, *email;
	git_signature *def = NULL;
	int ret;

	snprintf(var, sizeof(var), "GIT_%s_NAME", who);
	name = getenv(var);
	snprintf(var, sizeof(var), "GIT_%s_EMAIL", who);
	email = getenv(var);
	if (!name || !*name || !email || !*email) {
		if (git_signature_default(&def, repo) < 0)
			return pm_error(PM_EGIT,
					"cannot tell who you are: set user.name and user.email in git's config (or GIT_%s_NAME and GIT_%s_EMAIL)",
					who, who);
		if (!name || !*name)
			name = def->name;
		if (!email || !*email)
			email = def->email;
	}
	ret = git_signature_now(out, name, email);
	git_signature_free(def);
	if (ret < 0)
		return pm_error(PM_EGIT, "invalid git identity: %s", vcs_git_msg());
	return 0;
}

/*
 * libgit2 1.5 can report an object written when the disk was full and the
 * loose object never reached the store (the branch update then fails with
 * "target OID ... doesn't exist"): every object the fork commit needs is
 * looked up before the branch moves, and a missing one is reported with
 * the cause errno (or the file system) gives.
 */
static int objects_stored(git_repository *repo, const git_oid *commit, const git_oid *tree,
			  const git_oid *content)
{
	const git_oid *ids[3] = { commit, tree, content };
	int saved = errno, i, ret = 0;
	git_odb *odb = NULL;
	struct statvfs vfs;

	if (git_repository_odb(&odb, repo) < 0)
		return pm_error(PM_EGIT, "cannot open the object store: %s", vcs_git_msg());
	for (i = 0; i < 3 && !ret; i++) {
		if (git_odb_exists(odb, ids[i]))
			continue;
		if (saved != ENOSPC && saved != EDQUOT && statvfs(git_repository_path(repo), &vfs) == 0 &&
		    vfs.f_bavail == 0)
			saved = ENOSPC;
		ret = pm_error(PM_EGIT, "cannot write the fork commit: object %s is not in the object store (%s)",
			       git_oid_tostr_s(ids[i]), saved ? strerror(saved) : "libgit2 gave no cause");
	}
	git_odb_free(odb);
	return ret;
}

/*
 * Commits `path` = (id, mode) on top of the branch, by compare-and-swap.
 * 0 done, 1 when the path is already in the branch's tree (taken by a
 * commit made meanwhile: pick another name), -1 error.
 */
static int commit_entry(git_oid *out_commit, long long *out_time, git_repository *repo,
			const char *branch, const char *path, const struct fork_source *src,
			const char *message, const char *reflog)
{
	unsigned attempt;

	for (attempt = 0;; attempt++) {
		git_oid old, tree_id, cid;
		git_commit *parent = NULL;
		git_tree *tree = NULL, *newtree = NULL;
		git_signature *author = NULL, *committer = NULL;
		git_reference *ref = NULL;
		git_tree_update upd;
		int r, ret = -1;

		if (git_reference_name_to_id(&old, repo, branch) < 0)
			return pm_error(PM_EGIT, "cannot read branch '%s': %s", branch, vcs_git_msg());
		if (git_commit_lookup(&parent, repo, &old) < 0 || git_commit_tree(&tree, parent) < 0) {
			pm_error(PM_EGIT, "cannot read commit %s: %s", git_oid_tostr_s(&old), vcs_git_msg());
			goto next;
		}
		r = tree_has(tree, path);
		if (r != 0) {
			ret = r;
			goto next;
		}
		memset(&upd, 0, sizeof(upd));
		upd.action = GIT_TREE_UPDATE_UPSERT;
		git_oid_cpy(&upd.id, &src->id);
		upd.filemode = src->mode;
		upd.path = path;
		if (git_tree_create_updated(&tree_id, repo, tree, 1, &upd) < 0 ||
		    git_tree_lookup(&newtree, repo, &tree_id) < 0) {
			pm_error(PM_EGIT, "cannot build the fork's tree: %s", vcs_git_msg());
			goto next;
		}
		if (signature(&author, repo, "AUTHOR") < 0 || signature(&committer, repo, "COMMITTER") < 0)
			goto next;
		errno = 0;
		if (git_commit_create(&cid, repo, NULL, author, committer, NULL, message, newtree,
				      1, (const git_commit **)&parent) < 0) {
			pm_error(PM_EGIT, "cannot create the fork commit: %s", vcs_git_msg());
			goto next;
		}
		if (objects_stored(repo, &cid, &tree_id, &src->id) < 0)
			goto next;
		r = git_reference_create_matching(&ref, repo, branch, &cid, 1, &old, reflog);
		if (r == 0) {
			git_oid_cpy(out_commit, &cid);
			*out_time = (long long)committer->when.time;
			ret = 0;
		} else if ((r == GIT_EMODIFIED || r == GIT_ELOCKED) && attempt < FORK_MAX_ATTEMPTS) {
			ret = 2; /* the branch moved, or someone holds its lock: again */
		} else {
			pm_error(PM_EGIT, "cannot move branch '%s' to the fork commit: %s", branch, vcs_git_msg());
		}
next:
		git_reference_free(ref);
		git_signature_free(author);
		git_signature_free(committer);
		git_tree_free(newtree);
		git_tree_free(tree);
		git_commit_free(parent);
		if (ret != 2)
			return ret;
		backoff(attempt);
	}
}

/* Adds the new files to the index as they are on disk, with the blob ids committed. */
static int index_add_tree(git_index *idx, git_repository *repo, const char *root, const char *path,
			  const git_oid *id, git_filemode_t mode)
{
	if (mode == GIT_FILEMODE_TREE) {
		git_tree *tree = NULL;
		size_t i;
		int ret = 0;

		if (git_tree_lookup(&tree, repo, id) < 0)
			return pm_error(PM_EGIT, "cannot read tree %s: %s", git_oid_tostr_s(id), vcs_git_msg());
		for (i = 0; i < git_tree_entrycount(tree) && !ret; i++) {
			const git_tree_entry *e = git_tree_entry_byindex(tree, i);
			char *child = xstrfmt("%s/%s", path, git_tree_entry_name(e));

			ret = index_add_tree(idx, repo, root, child, git_tree_entry_id(e),
					     git_tree_entry_filemode(e));
			free(child);
		}
		git_tree_free(tree);
		return ret;
	}
	if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
		git_index_entry entry;
		struct stat st;
		char *full = xstrfmt("%s/%s", root, path);
		int r = lstat(full, &st);

		free(full);
		if (r < 0)
			return pm_error(PM_EGIT, "cannot stat '%s': %s", path, strerror(errno));
		memset(&entry, 0, sizeof(entry));
		entry.ctime.seconds = (int32_t)st.st_ctim.tv_sec;
		entry.ctime.nanoseconds = (uint32_t)st.st_ctim.tv_nsec;
		entry.mtime.seconds = (int32_t)st.st_mtim.tv_sec;
		entry.mtime.nanoseconds = (uint32_t)st.st_mtim.tv_nsec;
		entry.dev = (uint32_t)st.st_dev;
		entry.ino = (uint32_t)st.st_ino;
		entry.mode = mode;
		entry.uid = (uint32_t)st.st_uid;
		entry.gid = (uint32_t)st.st_gid;
		entry.file_size = (uint32_t)st.st_size;
		git_oid_cpy(&entry.id, id);
		entry.path = path;
		if (git_index_add(idx, &entry) < 0)
			return pm_error(PM_EGIT, "cannot add '%s' to the index: %s", path, vcs_git_msg());
	}
	return 0;
}

/* Copies file `from` to `to` (which is created); a missing `from` gives an empty `to`. */
static int copy_file(const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *f;
	int ret = 0;

	if (access(from, F_OK) == 0 && strbuf_read_file(&sb, from) < 0)
		return -1;
	f = fopen(to, "wb");
	if (!f || fwrite(sb.buf, 1, sb.len, f) != sb.len)
		ret = pm_error(PM_EGIT, "cannot write '%s': %s", to, strerror(errno));
	if (f && fclose(f) != 0 && !ret)
		ret = pm_error(PM_EGIT, "cannot write '%s': %s", to, strerror(errno));
	strbuf_release(&sb);
	return ret;
}

/*
 * Git's protocol: whoever holds <gitdir>/index.lock (created O_EXCL) may
 * replace the index. A fork takes that lock BEFORE it reads HEAD and keeps
 * it through the commit, the branch update and the index update, as `git
 * commit` does. Otherwise a `git commit` that read the index before the
 * fork's commit would write, on top of it, a tree from an index that lacks
 * the forked file, and the fork would vanish from HEAD. While we hold the
 * lock, git commands fail at once ("index.lock exists"), as they do with
 * each other; other pmeta forks wait for it.
 */
struct index_lock {
	char *index_path;
	char *lock_path;
	int fd;
};

static int index_lock_take(struct index_lock *l, git_repository *repo)
{
	const char *gitdir = git_repository_path(repo);
	unsigned attempt;

	l->index_path = xstrfmt("%sindex", gitdir);
	l->lock_path = xstrfmt("%sindex.lock", gitdir);
	for (attempt = 0;; attempt++) {
		l->fd = open(l->lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (l->fd >= 0)
			return 0;
		if (errno != EEXIST || attempt >= FORK_MAX_ATTEMPTS)
			return pm_error(PM_EGIT,
					"cannot lock the index ('%s': %s); if no git command is running, remove it",
					l->lock_path, strerror(errno));
		backoff(attempt);
	}
}

/* Accepts a lock never taken (fd -1, paths NULL). */
static void index_lock_drop(struct index_lock *l)
{
	if (l->fd >= 0) {
		close(l->fd);
		unlink(l->lock_path);
	}
	l->fd = -1;
	free(l->index_path);
	free(l->lock_path);
	l->index_path = l->lock_path = NULL;
}

/*
 * Only the new entries go into the index, and nothing else in it changes.
 * Called with the index lock held: the index is read now, after locking,
 * so no update made by anyone before is lost; the read-modify-write happens
 * on a copy through a standalone libgit2 index, renamed over the index.
 * (git_index_read + git_index_write alone would take the lock only to write.)
 */
static int index_update(const struct index_lock *l, git_repository *repo, const char *root,
			const char *path, const struct fork_source *src)
{
	char *tmp_path = xstrfmt("%spmeta-index.%ld", git_repository_path(repo), (long)getpid());
	git_index *idx = NULL;
	int ret = -1;

	if (copy_file(l->index_path, tmp_path) < 0)
		goto out;
	if (git_index_open(&idx, tmp_path) < 0 || git_index_read(idx, 1) < 0) {
		pm_error(PM_EGIT, "cannot read the index: %s", vcs_git_msg());
		goto out;
	}
	if (index_add_tree(idx, repo, root, path, &src->id, src->mode) < 0)
		goto out;
	if (git_index_write(idx) < 0) {
		pm_error(PM_EGIT, "cannot write the index: %s", vcs_git_msg());
		goto out;
	}
	if (rename(tmp_path, l->index_path) < 0) {
		pm_error(PM_EGIT, "cannot replace the index: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	unlink(tmp_path);
	git_index_free(idx);
	free(tmp_path);
	return ret;
}

/* Picks the new name and creates its file or folder exclusively. */
static int claim_name(struct version_name *dst, git_repository *repo, const char *root,
		      const struct version_name *src, const struct fork_opts *opts,
		      const struct fork_source *content, struct created *made)
{
	unsigned attempt;

	for (attempt = 0; attempt < FORK_MAX_ATTEMPTS; attempt++) {
		git_tree *tree = NULL;
		char *path, *full;
		int r;

		if (opts->bump == FORK_TO) {
			if (version_parse(dst, opts->to) < 0)
				return -1;
			/* p_<N>_v_DDD names a process by convention: no procedure takes one. */
			if (dst->kind == VERSION_PROCESS && src->kind != VERSION_PROCESS) {
				pm_error(PM_EUSAGE, "--to '%s' is not a %s name", opts->to, version_kind_str(src->kind));
				goto bad;
			}
			dst->kind = src->kind;
			if (dst->schedule && strcmp(dst->schedule, src->schedule)) {
				pm_error(PM_EUSAGE, "--to '%s': a fork stays in schedule '%s'", opts->to, src->schedule);
				goto bad;
			}
			version_set_schedule(dst, src->schedule);
		} else {
			struct taken t;
			char ver[4];

			taken_collect(&t, repo, root, src);
			r = next_version(ver, &t, src, opts->bump);
			free(t.digits);
			if (r < 0)
				return -1;
			version_with(dst, src, ver);
		}
		path = version_path(dst);
		full = xstrfmt("%s/%s", root, path);
		r = head_tree(&tree, repo);
		if (r == 0)
			r = tree_has(tree, path);
		git_tree_free(tree);
		if (r == 0) {
			char *dir = version_dir(dst), *fulldir = xstrfmt("%s/%s", root, dir);

			mkdir(fulldir, 0777); /* pys/ may be new in this schedule */
			free(dir);
			free(fulldir);
			r = content->mode == GIT_FILEMODE_TREE
				? write_tree_excl(repo, &content->id, full, made)
				: write_blob_excl(repo, &content->id, content->mode, full, made);
		}
		free(path);
		free(full);
		if (r < 0) {
			created_undo(made);
			goto bad;
		}
		if (r == 0)
			return 0;
		if (opts->bump == FORK_TO) {
			pm_error(PM_EGIT, "%s '%s' exists already: pick another name",
				 version_kind_str(dst->kind), dst->name);
			goto bad;
		}
		version_release(dst); /* taken by someone else meanwhile: next one */
	}
	return pm_error(PM_EGIT, "cannot find a free name for the fork of '%s'", src->name);
bad:
	version_release(dst);
	return -1;
}

int fork_create(struct fork_record *out, char **warning, git_repository *repo,
		const char *root, const char *name, const struct fork_opts *opts)
{
	struct fork_source content;
	struct created made = { 0 };
	struct index_lock ilock = { NULL, NULL, -1 };
	char *branch = NULL, *src_path = NULL, *dst_path = NULL, *message = NULL, *reflog = NULL;
	git_oid commit;
	long long when = 0;
	unsigned attempt;
	int ret = -1, r;

	memset(out, 0, sizeof(*out));
	if (warning)
		*warning = NULL;
	if (version_parse(&out->src, name) < 0)
		return -1;
	if (fork_check_repo(repo, &branch) < 0)
		goto out;
	if (fork_locate(repo, root, &out->src, opts->from_worktree) < 0) {
		/* Only on disk? Then say so rather than "no such version". */
		if (!opts->from_worktree && fork_locate(repo, root, &out->src, 1) == 0) {
			char *p = version_path(&out->src);

			pm_error(PM_EGIT,
				 "%s '%s' is not committed ('%s'): commit it, or fork it as it is on disk with --from-worktree",
				 version_kind_str(out->src.kind), out->src.name, p);
			free(p);
		}
		goto out;
	}
	src_path = version_path(&out->src);
	/* The source is read, and the fork written, next to it: both inside the workspace. */
	if (workspace_check_inside(root, src_path) < 0)
		goto out;
	if (source_content(&content, repo, root, src_path, &out->src, opts->from_worktree) < 0)
		goto out;
	out->bump = xstrdup(fork_bump_str(opts->bump));
	out->source_id = xstrdup(git_oid_tostr_s(&content.id));
	out->dst_id = xstrdup(out->source_id);

	if (index_lock_take(&ilock, repo) < 0)
		goto out;
	for (attempt = 0;; attempt++) {
		if (claim_name(&out->dst, repo, root, &out->src, opts, &content, &made) < 0)
			goto out;
		dst_path = version_path(&out->dst);
		message = history_fork_message(out, opts->message);
		reflog = xstrfmt("pmeta fork: %s from %s", out->dst.name, out->src.name);
		r = commit_entry(&commit, &when, repo, branch, dst_path, &content, message, reflog);
		if (r == 0)
			break;
		created_undo(&made);
		if (r < 0 || opts->bump == FORK_TO || attempt >= FORK_MAX_ATTEMPTS) {
			if (r > 0)
				pm_error(PM_EGIT, "%s '%s' was committed by someone else meanwhile",
					 version_kind_str(out->dst.kind), out->dst.name);
			goto out;
		}
		/* The name was committed meanwhile (not through pmeta): pick again. */
		version_release(&out->dst);
		free(dst_path);
		free(message);
		free(reflog);
		dst_path = message = reflog = NULL;
	}
	git_oid_tostr(out->commit, sizeof(out->commit), &commit);
	history_format_time(out->at, when);
	if (index_update(&ilock, repo, root, dst_path, &content) < 0 && warning)
		*warning = xstrfmt("the fork is committed, but the index could not be updated (%s): "
				   "'git reset -- %s' fixes it", pm_error_msg(), dst_path);
	ret = 0;
out:
	index_lock_drop(&ilock);
	if (ret < 0) {
		created_undo(&made);
		fork_record_release(out);
	}
	created_release(&made);
	free(branch);
	free(src_path);
	free(dst_path);
	free(message);
	free(reflog);
	return ret;
}
