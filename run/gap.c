/*
 * Scanning datasets for items, hashing them, and the gap (run/gap.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "run/gap.h"
#include "run/ledger.h"
#include "util/err.h"
#include "util/strbuf.h"

/* Modified this long before it was hashed, an unchanged stat vouches for the content. */
#define RACY_MS 2000

void items_step_release(struct items_step *st)
{
	if (!st)
		return;
	free(st->step);
	free(st->glob);
	free_strings(st->datasets, st->ndatasets);
	free_strings(st->skip, st->nskip);
	memset(st, 0, sizeof(*st));
}

void item_list_release(struct item_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct item *item_push(struct item_list *l)
{
	struct item *it;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 64;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

static long long ns_of(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_skipped(const struct items_step *st, const char *dataset, const char *name)
{
	size_t i, dl = strlen(dataset);

	/* A handful at most: amend subfolders of the datasets the step reads. */
	for (i = 0; i < st->nskip; i++) {
		const char *s = st->skip[i];

		if (!strncmp(s, dataset, dl) && s[dl] == '/' && !strcmp(s + dl + 1, name))
			return 1;
	}
	return 0;
}

static int scan_dataset(struct item_list *out, const struct items_step *st, const char *dataset,
			const char *data_root)
{
	char *dir = xstrfmt("%s/%s", data_root, dataset);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	int ret = 0, match_all = !strcmp(st->glob, "*");

	if (fd < 0) {
		if (errno == ENOENT) {
			free(dir);
			return 0;  /* nothing arrived yet */
		}
		ret = pm_error(PM_EFAIL, "cannot read dataset folder '%s': %s", dir, strerror(errno));
		free(dir);
		return ret;
	}
	d = fdopendir(fd);
	if (!d) {
		ret = pm_error(PM_EFAIL, "cannot read dataset folder '%s': %s", dir, strerror(errno));
		close(fd);
		free(dir);
		return ret;
	}
	errno = 0;
	while ((e = readdir(d))) {
		struct stat sb;
		struct item *it;

		if (e->d_name[0] == '.' || strchr(e->d_name, '\n') ||
		    (!match_all && fnmatch(st->glob, e->d_name, 0) != 0) ||
		    (st->nskip && is_skipped(st, dataset, e->d_name)))
			continue;
		if (fstatat(fd, e->d_name, &sb, 0) < 0)
			continue;  /* gone since, or a broken link: not an item */
		if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
			continue;
		it = item_push(out);
		it->dataset = dataset;
		it->name = xstrdup(e->d_name);
		it->dir = S_ISDIR(sb.st_mode);
		it->size = it->dir ? 0 : (long long)sb.st_size;
		it->mtime_ns = ns_of(&sb.st_mtim);
	}
	if (errno)
		ret = pm_error(PM_EFAIL, "cannot read dataset folder '%s': %s", dir, strerror(errno));
	closedir(d);
	free(dir);
	return ret;
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->dataset, y->dataset);
}

int items_scan(struct item_list *out, const struct items_step *st, const char *data_root)
{
	size_t i;

	for (i = 0; i < st->ndatasets; i++)
		if (scan_dataset(out, st, st->datasets[i], data_root) < 0)
			return -1;
	return 0;
}

void item_list_sort(struct item_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_item);
}

/* "<size> <mtime ns> <path>\n" of every file under dir, sorted by path. */
static int list_folder(struct strbuf *sb, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	int ret = 0;

	if (!d)
		return pm_error(PM_EFAIL, "cannot read folder '%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			names = xrealloc(names, alloc * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	for (i = 1; i < n; i++) {
		char *x = names[i];
		size_t j = i;

		for (; j > 0 && strcmp(names[j - 1], x) > 0; j--)
			names[j] = names[j - 1];
		names[j] = x;
	}
	for (i = 0; i < n && !ret; i++) {
		char *path = xstrfmt("%s/%s", dir, names[i]);
		char *sub = *rel ? xstrfmt("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct stat st;

		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				ret = list_folder(sb, path, sub);
			else
				strbuf_addf(sb, "%lld %lld %s\n", (long long)st.st_size, ns_of(&st.st_mtim),
					    sub);
		}
		free(path);
		free(sub);
	}
	free_strings(names, n);
	return ret;
}

int item_hash(struct item *it, const char *data_root)
{
	char *path = xstrfmt("%s/%s/%s", data_root, it->dataset, it->name);
	long long before = wall_ms();
	git_oid oid;
	int ret = 0;

	if (it->dir) {
		struct strbuf sb = STRBUF_INIT;

		ret = list_folder(&sb, path, "");
		if (ret == 0 && git_odb_hash(&oid, sb.buf, sb.len, GIT_OBJECT_BLOB) < 0)
			ret = pm_error(PM_EFAIL, "cannot hash folder '%s'", path);
		strbuf_release(&sb);
	} else if (git_odb_hashfile(&oid, path, GIT_OBJECT_BLOB) < 0) {
		int err = errno;

		ret = pm_error(PM_EFAIL, "cannot read item '%s': %s", path,
			       err ? strerror(err) : "unreadable");
		errno = err;
	}
	if (ret == 0) {
		git_oid_tostr(it->hash, sizeof(it->hash), &oid);
		it->hashed_ms = before;
	}
	free(path);
	return ret;
}

/* Whether the ledger's record of the item vouches for its content without hashing. */
static int stat_vouches(const struct ledger_item *rec, const struct item *it)
{
	return !it->dir && rec->hash[0] && rec->size == it->size && rec->mtime_ns == it->mtime_ns &&
	       it->mtime_ns / 1000000 + RACY_MS < rec->hashed_ms;
}

int items_gap(struct item_list *gap, struct item_list *all, struct ledger *l,
	      const char *data_root, int force)
{
	size_t i, kept = 0;
	int ret = 0;

	for (i = 0; i < all->n; i++) {
		struct item *it = &all->v[i];
		struct ledger_item *rec = force ? NULL : ledger_find(l, it->dataset, it->name);
		int in_gap;

		if (force || !rec || !rec->done[0]) {
			in_gap = 1;   /* new: hashed when taken */
		} else if (stat_vouches(rec, it)) {
			memcpy(it->hash, rec->hash, sizeof(it->hash));
			it->hashed_ms = rec->hashed_ms;
			in_gap = strcmp(rec->hash, rec->done) != 0;
		} else {
			if (item_hash(it, data_root) < 0) {
				if (errno == ENOENT) {
					pm_error_clear();
					free(it->name);
					continue;   /* gone since the scan */
				}
				ret = -1;
				break;
			}
			in_gap = strcmp(it->hash, rec->done) != 0;
			/* Worth a line only when it lets the next look skip the hash, or
			 * says something new. */
			if (!it->dir && (it->mtime_ns / 1000000 + RACY_MS < it->hashed_ms ||
					 strcmp(it->hash, rec->hash) || it->size != rec->size ||
					 it->mtime_ns != rec->mtime_ns))
				ledger_seen(l, it->dataset, it->name, it->hash, it->size, it->mtime_ns,
					    it->hashed_ms);
		}
		if (in_gap) {
			struct item *g = item_push(gap);

			*g = *it;
			g->changed = rec && rec->done[0];
		} else {
			all->v[kept++] = *it;
		}
	}
	/* On failure the rest stay in all, whole. */
	for (; i < all->n; i++)
		all->v[kept++] = all->v[i];
	all->n = kept;
	/* Only the gap needs an order (batches take it from the front). */
	item_list_sort(gap);
	return ret;
}

int items_shard_of(const char *name, int max_shard)
{
	unsigned long long h = 1469598103934665603ULL;
	const unsigned char *p;

	if (max_shard <= 1)
		return 0;
	for (p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return (int)(h % (unsigned long long)max_shard);
}

char *items_path(const char *root, const char *data_root, const struct item *it)
{
	size_t rl = strlen(root);

	if (!strncmp(data_root, root, rl) && data_root[rl] == '/')
		return xstrfmt("%s/%s/%s", data_root + rl + 1, it->dataset, it->name);
	if (!strcmp(data_root, root))
		return xstrfmt("%s/%s", it->dataset, it->name);
	return xstrfmt("%s/%s/%s", data_root, it->dataset, it->name);
}
