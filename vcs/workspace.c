#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "graph/keys.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "vcs/workspace.h"

const char *vcs_git_msg(void)
{
	const git_error *e = git_error_last();

	if (e && e->message)
		return e->message;
	/* libgit2 1.5 fails some writes without a message: a full disk must still say so. */
	if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG || errno == EROFS || errno == EIO)
		return strerror(errno);
	return "unknown libgit2 error";
}

int workspace_find(char **root, const char *start)
{
	git_buf buf = { 0 };
	git_repository *repo = NULL;
	const char *wd;
	size_t n;
	int ret = -1;

	*root = NULL;
	if (git_repository_discover(&buf, start, 0, NULL) < 0)
		return pm_error(PM_EGIT, "not in a pmeta workspace (no git repository here or above); run 'pmeta init'");
	if (git_repository_open(&repo, buf.ptr) < 0) {
		pm_error(PM_EGIT, "cannot open git repository '%s': %s", buf.ptr, vcs_git_msg());
		goto out;
	}
	wd = git_repository_workdir(repo);
	if (!wd) {
		pm_error(PM_EGIT, "repository '%s' is bare: a workspace needs a work tree", buf.ptr);
		goto out;
	}
	*root = xstrdup(wd);
	n = strlen(*root);
	while (n > 1 && (*root)[n - 1] == '/')
		(*root)[--n] = '\0';
	ret = 0;
out:
	git_repository_free(repo);
	git_buf_dispose(&buf);
	return ret;
}

int workspace_check_inside(const char *root, const char *rel)
{
	char *real_root = realpath(root, NULL), *full = xstrfmt("%s/%s", root, rel), *real = NULL;
	size_t n;
	int ret = -1;

	if (!real_root) {
		pm_error(PM_EGIT, "cannot resolve the workspace '%s': %s", root, strerror(errno));
		goto out;
	}
	/* The deepest part that exists decides: what is below it is created by us. */
	for (;;) {
		char *slash;

		real = realpath(full, NULL);
		if (real || errno != ENOENT)
			break;
		slash = strrchr(full, '/');
		if (!slash || slash == full)
			break;
		*slash = '\0';
	}
	if (!real) {
		pm_error(PM_EGIT, "cannot resolve '%s': %s", rel, strerror(errno));
		goto out;
	}
	n = strlen(real_root);
	if (n > 1 && (strncmp(real, real_root, n) || (real[n] != '/' && real[n] != '\0'))) {
		pm_error(PM_EGIT, "'%s' leads outside the workspace (to '%s'): refused", rel, real);
		goto out;
	}
	ret = 0;
out:
	free(real_root);
	free(real);
	free(full);
	return ret;
}

int workspace_open(git_repository **out, const char *root)
{
	*out = NULL;
	if (git_repository_open(out, root) < 0)
		return pm_error(PM_EGIT, "cannot open git repository '%s': %s", root, vcs_git_msg());
	if (git_repository_is_bare(*out)) {
		git_repository_free(*out);
		*out = NULL;
		return pm_error(PM_EGIT, "repository '%s' is bare: a workspace needs a work tree", root);
	}
	return 0;
}

int workspace_init(const char *path, int *created)
{
	git_buf buf = { 0 };
	git_repository *repo = NULL;
	git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;

	*created = 0;
	if (git_repository_discover(&buf, path, 0, NULL) == 0) {
		git_buf_dispose(&buf);
		return 0;
	}
	opts.flags = GIT_REPOSITORY_INIT_MKPATH;
	opts.initial_head = "main";
	if (git_repository_init_ext(&repo, path, &opts) < 0)
		return pm_error(PM_EGIT, "cannot create git repository in '%s': %s", path, vcs_git_msg());
	git_repository_free(repo);
	*created = 1;
	return 0;
}

static int mkdir_one(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return pm_error(PM_EFAIL, "cannot create folder '%s': %s", path, strerror(errno));
	return 0;
}

/* Adds "/.pmeta/" to info/exclude unless git ignores .pmeta/ already. */
int workspace_ignore_pmeta(const char *root)
{
	git_repository *repo = NULL;
	char *path = NULL;
	FILE *f = NULL;
	int ignored = 0, ret = -1;

	if (workspace_open(&repo, root) < 0)
		return -1;
	if (git_ignore_path_is_ignored(&ignored, repo, ".pmeta/") < 0) {
		pm_error(PM_EGIT, "cannot read git's ignore rules: %s", vcs_git_msg());
		goto out;
	}
	if (ignored) {
		ret = 0;
		goto out;
	}
	path = xstrfmt("%sinfo", git_repository_commondir(repo));
	if (mkdir_one(path) < 0)
		goto out;
	free(path);
	path = xstrfmt("%sinfo/exclude", git_repository_commondir(repo));
	f = fopen(path, "a");
	if (!f) {
		pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	/* Start on a fresh line whatever the file ended with. */
	fseek(f, 0, SEEK_END);
	if (ftell(f) > 0)
		fputc('\n', f);
	fputs("# pmeta: the workspace's identity and its run folders\n/.pmeta/\n", f);
	if (fclose(f) != 0) {
		f = NULL;
		pm_error(PM_EFAIL, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	f = NULL;
	ret = 0;
out:
	if (f)
		fclose(f);
	free(path);
	git_repository_free(repo);
	return ret;
}


char *workspace_id_default(const char *root)
{
	const char *base = strrchr(root, '/');
	unsigned char rnd[4];
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	base = base && base[1] ? base + 1 : root;
	/* The folder's name, as much of it as a workspace name may hold. */
	for (i = 0; base[i] && sb.len < 40; i++) {
		char c = base[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    ((c == '.' || c == '_' || c == '-') && sb.len))
			strbuf_addch(&sb, c);
		else if (sb.len && sb.buf[sb.len - 1] != '-')
			strbuf_addch(&sb, '-');
	}
	if (!sb.len)
		strbuf_addstr(&sb, "ws");
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		unsigned long x = (unsigned long)getpid() ^ (unsigned long)time(NULL);

		memcpy(rnd, &x, sizeof(rnd));
	}
	strbuf_addf(&sb, "-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
	return strbuf_detach(&sb, NULL);
}

int workspace_id_read(char **name, const char *root)
{
	char *path = xstrfmt("%s/" WORKSPACE_ID_FILE, root);
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;

	*name = NULL;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		ret = 0;
		goto out;
	}
	if (strbuf_read_file(&sb, path) < 0)
		goto out;
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' ' ||
			  sb.buf[sb.len - 1] == '\r' || sb.buf[sb.len - 1] == '\t'))
		strbuf_setlen(&sb, sb.len - 1);
	if (!key_workspace_valid(sb.buf)) {
		pm_error(PM_EFAIL, "%s: '%s' is not a workspace name (1 to %d letters, digits, '.', "
			 "'_' or '-', starting with a letter or digit)", path, sb.buf, KEY_WORKSPACE_MAX);
		goto out;
	}
	*name = strbuf_detach(&sb, NULL);
	ret = 1;
out:
	strbuf_release(&sb);
	free(path);
	return ret;
}

/*
 * Writes name as the identity unless one exists: a temporary file linked
 * into place, so two commands starting at once agree on the first one.
 */
static int write_id(const char *root, const char *name)
{
	char *dir = xstrfmt("%s/.pmeta", root), *path = xstrfmt("%s/" WORKSPACE_ID_FILE, root);
	char *tmp = xstrfmt("%s.%ld.tmp", path, (long)getpid());
	FILE *f = NULL;
	int ret = -1;

	if (mkdir_one(dir) < 0)
		goto out;
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", name) < 0 || fclose(f) != 0) {
		f = NULL;
		pm_error(PM_EFAIL, "cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	f = NULL;
	if (link(tmp, path) < 0 && errno != EEXIST) {
		pm_error(PM_EFAIL, "cannot create '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	ret = workspace_ignore_pmeta(root);
out:
	if (f)
		fclose(f);
	free(dir);
	free(path);
	free(tmp);
	return ret;
}

int workspace_id_ensure(char **name, const char *root, const char *want, int *created)
{
	char *made = NULL;
	int r;

	*name = NULL;
	*created = 0;
	if (want && !key_workspace_valid(want))
		return pm_error(PM_EUSAGE, "'%s' is not a workspace name (1 to %d letters, digits, '.', "
				"'_' or '-', starting with a letter or digit)", want, KEY_WORKSPACE_MAX);
	r = workspace_id_read(name, root);
	if (r == 0) {
		made = want ? xstrdup(want) : workspace_id_default(root);
		if (write_id(root, made) < 0) {
			free(made);
			return -1;
		}
		r = workspace_id_read(name, root);
		*created = r > 0 && !strcmp(*name, made);
		free(made);
	}
	if (r < 0)
		return -1;
	if (r == 0)
		return pm_error(PM_EFAIL, "cannot read '%s/" WORKSPACE_ID_FILE "'", root);
	if (want && strcmp(want, *name)) {
		pm_error(PM_EFAIL, "this workspace is '%s' (%s/" WORKSPACE_ID_FILE "); its graph nodes are "
			 "keyed by that name, so it is not renamed to '%s'", *name, root, want);
		free(*name);
		*name = NULL;
		return -1;
	}
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

size_t workspace_schedules(char ***names, const char *root)
{
	DIR *d = opendir(root);
	struct dirent *e;
	size_t n = 0;

	*names = NULL;
	while (d && (e = readdir(d))) {
		char *pc, *pys;
		int yes;

		if (e->d_name[0] == '.')
			continue;
		pc = xstrfmt("%s/%s/process_config", root, e->d_name);
		pys = xstrfmt("%s/%s/pys", root, e->d_name);
		yes = is_dir(pc) || is_dir(pys);
		free(pc);
		free(pys);
		if (!yes)
			continue;
		*names = xrealloc(*names, (n + 1) * sizeof(**names));
		(*names)[n++] = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(*names, n, sizeof(**names), cmp_strings);
	return n;
}
