/*
 * Item ledgers (format and rules: run/ledger.h) and their copy in the graph.
 */
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cypher.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "run/ledger.h"
#include "util/err.h"
#include "util/isotime.h"

#define LEDGER_HEADER "# pmeta item ledger 1\n"
#define ITEMS_PER_STATEMENT 2000

char *ledger_dir(const char *root)
{
	return xstrfmt("%s/.pmeta/items", root);
}

char *ledger_path(const char *root, const char *schedule, const char *process, const char *step)
{
	return xstrfmt("%s/.pmeta/items/%s/%s/%s.ledger", root, schedule, process, step);
}

void ledger_release(struct ledger *l)
{
	size_t i;

	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	for (i = 0; i < l->n; i++)
		if (l->items[i].owned)
			free((char *)l->items[i].key);
	free(l->items);
	strmap_release(&l->index);
	strbuf_release(&l->seen);
	free(l->path);
	free(l->text);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	strbuf_init(&l->seen, 0);
}

/*
 * The entry of key (NUL-terminated), made when absent: with the key itself
 * when it lives as long as the ledger (its text), else with a copy.
 */
static struct ledger_item *entry(struct ledger *l, const char *key, size_t name_off, int borrow)
{
	struct ledger_item *it;
	size_t idx;

	if (strmap_get(&l->index, key, &idx))
		return &l->items[idx];
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 256;
		l->items = xrealloc(l->items, l->alloc * sizeof(*l->items));
	}
	it = &l->items[l->n];
	memset(it, 0, sizeof(*it));
	it->key = borrow ? key : xstrdup(key);
	it->owned = !borrow;
	it->name_off = name_off;
	strmap_put(&l->index, it->key, l->n);
	l->n++;
	return it;
}

/* The entry of dataset/name, made (with its own key) when absent. */
static struct ledger_item *entry_of(struct ledger *l, const char *dataset, const char *name)
{
	struct ledger_item *it = ledger_find(l, dataset, name);
	char *key;

	if (it)
		return it;
	key = xstrfmt("%s\t%s", dataset, name);
	it = entry(l, key, strlen(dataset) + 1, 0);
	free(key);
	return it;
}

struct ledger_item *ledger_find(const struct ledger *l, const char *dataset, const char *name)
{
	size_t dn = strlen(dataset), nn = strlen(name), idx;
	char stack[512], *key = dn + nn + 2 <= sizeof(stack) ? stack : xmalloc(dn + nn + 2);
	int found;

	memcpy(key, dataset, dn);
	key[dn] = '\t';
	memcpy(key + dn + 1, name, nn + 1);
	found = strmap_get(&l->index, key, &idx);
	if (key != stack)
		free(key);
	return found ? &l->items[idx] : NULL;
}

/* Splits a line (without its '\n') into n tab-separated fields, the last one
 * taking the rest (an item name may hold a tab). */
static int split_fields(char *line, char **f, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		char *tab = strchr(line, '\t');

		if (!tab)
			return -1;
		*tab = '\0';
		f[i] = line;
		line = tab + 1;
	}
	f[n - 1] = line;
	return 0;
}

/* A whole decimal number (optionally negative); the ledger's are ours, so no locale. */
static int parse_ll(const char *s, long long *out)
{
	long long v = 0;
	int neg = *s == '-';
	const char *p = s + neg;

	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

static int valid_hash(const char *s)
{
	return strlen(s) == LEDGER_HASH_HEX && strspn(s, "0123456789abcdef") == LEDGER_HASH_HEX;
}

/*
 * One line of kind P, S or C (f[0] is the kind; "<dataset>\t<name>" are
 * the last two fields, rejoined as the key). Bad lines are skipped: a
 * ledger someone edited by hand at worst processes an item again.
 */
static void apply_line(struct ledger *l, char **f, size_t nf)
{
	const char *done = NULL, *hash;
	long long size, mtime, hashed;
	size_t base = f[0][0] == 'C' ? 2 : 1, dl;
	struct ledger_item *it;
	char *key;

	if (f[0][0] == 'C') {
		done = f[1];
		if (strcmp(done, "-") && !valid_hash(done))
			return;
	}
	hash = f[base];
	if (!valid_hash(hash) || parse_ll(f[base + 1], &size) < 0 ||
	    parse_ll(f[base + 2], &mtime) < 0 || parse_ll(f[base + 3], &hashed) < 0 ||
	    !*f[nf - 2] || !*f[nf - 1])
		return;
	/* The dataset and name fields are adjacent: rejoined with their tab,
	 * they are the key, in the ledger's text (which outlives the entry). */
	dl = strlen(f[nf - 2]);
	key = f[nf - 2];
	key[dl] = '\t';
	it = entry(l, key, dl + 1, 1);
	if (f[0][0] == 'P')
		memcpy(it->done, hash, LEDGER_HASH_HEX + 1);
	else if (done)
		strcpy(it->done, strcmp(done, "-") ? done : "");
	memcpy(it->hash, hash, LEDGER_HASH_HEX + 1);
	it->size = size;
	it->mtime_ns = mtime;
	it->hashed_ms = hashed;
}

int ledger_load(struct ledger *l, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char *p, *nl, *end;
	struct stat st;

	ledger_release(l);
	l->path = xstrdup(path);
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return pm_error(PM_EFAIL, "cannot read item ledger '%s': %s", path, strerror(errno));
	}
	if (strbuf_read_file(&sb, path) < 0)
		return -1;
	/* About 110 bytes a line: room for every item at once. */
	strmap_reserve(&l->index, sb.len / 100 + 16);
	end = sb.buf + sb.len;
	for (p = sb.buf; p < end; p = nl + 1) {
		char *f[8];
		size_t nf;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;  /* torn: cut before the next append */
		*nl = '\0';
		l->lines++;
		switch (*p) {
		case 'P':
		case 'S':
			nf = 7;
			break;
		case 'C':
			nf = 8;
			break;
		default:
			nf = 0;   /* '#', B: nothing to keep here */
		}
		if (nf && p[1] == '\t' && split_fields(p, f, nf) == 0)
			apply_line(l, f, nf);
		l->size = (off_t)(nl + 1 - sb.buf);
	}
	l->text = strbuf_detach(&sb, NULL);
	return 0;
}

static void add_item_line(struct strbuf *sb, char kind, const char *hash, long long size,
			  long long mtime_ns, long long hashed_ms, const char *dataset, const char *name)
{
	strbuf_addf(sb, "%c\t%s\t%lld\t%lld\t%lld\t%s\t%s\n", kind, hash, size, mtime_ns, hashed_ms,
		    dataset, name);
}

void ledger_seen(struct ledger *l, const char *dataset, const char *name, const char *hash,
		 long long size, long long mtime_ns, long long hashed_ms)
{
	struct ledger_item *it = entry_of(l, dataset, name);

	memcpy(it->hash, hash, LEDGER_HASH_HEX + 1);
	it->size = size;
	it->mtime_ns = mtime_ns;
	it->hashed_ms = hashed_ms;
	add_item_line(&l->seen, 'S', hash, size, mtime_ns, hashed_ms, dataset, name);
}

static int mkdirs_for(const char *path)
{
	char *dir = xstrdup(path), *p;
	int ret = 0;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			ret = pm_error(PM_EFAIL, "cannot create folder '%s': %s", dir, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return ret;
}

/* Whether bytes [from, to) of fd end with a newline: whole lines, not a torn one. */
static int whole_lines_after(int fd, off_t from, off_t to)
{
	char c = 0;

	return to > from && pread(fd, &c, 1, to - 1) == 1 && c == '\n';
}

/* The append fd; a torn tail left by a crash is cut first. */
static int open_append(struct ledger *l)
{
	struct stat st;

	if (l->fd >= 0)
		return 0;
	if (mkdirs_for(l->path) < 0)
		return -1;
	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (l->fd < 0)
		return pm_error(PM_EFAIL, "cannot open item ledger '%s': %s", l->path, strerror(errno));
	if (fstat(l->fd, &st) == 0 && st.st_size != l->size) {
		if (st.st_size > l->size && !whole_lines_after(l->fd, l->size, st.st_size)) {
			if (ftruncate(l->fd, l->size) < 0)
				return pm_error(PM_EFAIL, "cannot cut the torn end of '%s': %s", l->path,
						strerror(errno));
		} else {
			/* Lines we did not read (nobody but the lock holder should
			 * write): keep them, append after them. */
			l->size = st.st_size;
		}
	}
	return 0;
}

static int write_all(struct ledger *l, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(l->fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			/* Whatever part went out is a torn tail: cut it. */
			if (off && ftruncate(l->fd, l->size) < 0) {
				/* the loader ignores a torn last line anyway */
			}
			return pm_error(PM_EFAIL, "cannot write item ledger '%s': %s", l->path,
					strerror(err));
		}
		off += (size_t)n;
	}
	l->size += (off_t)len;
	return 0;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

int ledger_flush(struct ledger *l)
{
	int ret;

	if (!l->seen.len)
		return 0;
	if (open_append(l) < 0)
		return -1;
	if (!l->size) {
		/* The header goes with the first lines. */
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, LEDGER_HEADER);
		strbuf_add(&sb, l->seen.buf, l->seen.len);
		ret = write_all(l, sb.buf, sb.len);
		l->lines += count_lines(sb.buf, sb.len);
		strbuf_release(&sb);
	} else {
		ret = write_all(l, l->seen.buf, l->seen.len);
		l->lines += count_lines(l->seen.buf, l->seen.len);
	}
	strbuf_reset(&l->seen);
	return ret;
}

int ledger_append(struct ledger *l, const struct ledger_batch *b, const struct ledger_rec *recs,
		  size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int ret = -1;

	if (open_append(l) < 0)
		return -1;
	if (!l->size)
		strbuf_addstr(&sb, LEDGER_HEADER);
	strbuf_add(&sb, l->seen.buf, l->seen.len);
	strbuf_addf(&sb, "B\t%s\t", b->run_id);
	if (b->shard < 0)
		strbuf_addch(&sb, '-');
	else
		strbuf_addf(&sb, "%d", b->shard);
	strbuf_addf(&sb, "\t%s\t%s\t%lld\n", b->procedure, b->blob && *b->blob ? b->blob : "-",
		    b->at_ms);
	for (i = 0; i < n; i++)
		add_item_line(&sb, 'P', recs[i].hash, recs[i].size, recs[i].mtime_ns,
			      recs[i].hashed_ms, recs[i].dataset, recs[i].name);
	if (write_all(l, sb.buf, sb.len) < 0)
		goto out;
	if (fdatasync(l->fd) < 0) {
		pm_error(PM_EFAIL, "cannot sync item ledger '%s': %s", l->path, strerror(errno));
		goto out;
	}
	l->lines += count_lines(sb.buf, sb.len);
	strbuf_reset(&l->seen);
	/* Only now, written and synced, do they count as processed. */
	for (i = 0; i < n; i++) {
		struct ledger_item *it = entry_of(l, recs[i].dataset, recs[i].name);

		memcpy(it->done, recs[i].hash, LEDGER_HASH_HEX + 1);
		memcpy(it->hash, recs[i].hash, LEDGER_HASH_HEX + 1);
		it->size = recs[i].size;
		it->mtime_ns = recs[i].mtime_ns;
		it->hashed_ms = recs[i].hashed_ms;
	}
	ret = 0;
out:
	strbuf_release(&sb);
	return ret;
}

/* --- the graph's copy --- */

static char *synced_path(const char *path)
{
	return xstrfmt("%s.synced", path);
}

/*
 * <ledger>.synced: "<size> <inode>": how much of which file reached Neo4j.
 * A ledger rewritten since (compacted: another inode) counts as unsynced
 * from its start, so a mark taken on the old file never skips new lines.
 */
static off_t read_synced(const char *path)
{
	char *sp = synced_path(path);
	FILE *f = fopen(sp, "r");
	long long v = 0, ino = -1;
	struct stat st;

	free(sp);
	if (!f)
		return 0;
	if (fscanf(f, "%lld %lld", &v, &ino) != 2 || v < 0)
		v = 0;
	fclose(f);
	if (stat(path, &st) < 0 || (long long)st.st_ino != ino)
		return 0;
	return (off_t)v;
}

static int write_synced(const char *path, off_t size, long long ino)
{
	char *sp = synced_path(path), *tmp = xstrfmt("%s.tmp", sp);
	FILE *f = fopen(tmp, "w");
	int ret = 0;

	if (!f || fprintf(f, "%lld %lld\n", (long long)size, ino) < 0 || fclose(f) != 0 ||
	    rename(tmp, sp) < 0)
		ret = pm_error(PM_EFAIL, "cannot write '%s': %s", sp, strerror(errno));
	free(sp);
	free(tmp);
	return ret;
}

int ledger_unsynced(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_size > read_synced(path);
}

/* schedule, process and step of .../items/<schedule>/<process>/<step>.ledger (caller frees). */
static int names_of(const char *path, char **schedule, char **process, char **step)
{
	const char *end = path + strlen(path), *parts[3];
	size_t lens[3];
	int i;

	*schedule = *process = *step = NULL;
	if (end - path < 8 || strcmp(end - 7, ".ledger"))
		return pm_error(PM_EFAIL, "'%s' is not an item ledger", path);
	end -= 7;
	for (i = 2; i >= 0; i--) {
		const char *s = end;

		while (s > path && s[-1] != '/')
			s--;
		if (s == path && i > 0)
			return pm_error(PM_EFAIL, "'%s' is not where item ledgers live", path);
		parts[i] = s;
		lens[i] = (size_t)(end - s);
		end = s - 1;
	}
	*schedule = xstrndup(parts[0], lens[0]);
	*process = xstrndup(parts[1], lens[1]);
	*step = xstrndup(parts[2], lens[2]);
	return 0;
}

struct sync_ctx {
	const char *ws, *schedule, *process, *step;
	json_t *stmts;     /* statements of the transaction */
	json_t *jobs;      /* the statement being filled: [[job key, at, dataset, [items]], ...] */
	char *dataset_prefix;
	json_t *cur;       /* items of the current batch (borrowed from jobs) */
	char *cur_dataset; /* ... all of this dataset */
	char *job_key;     /* of the current batch */
	char *at;
	size_t in_stmt;    /* items in the statement being filled */
	char *step_key;
	size_t nitems;
};

static void close_statement(struct sync_ctx *c)
{
	if (c->jobs && json_array_size(c->jobs))
		json_array_append_new(c->stmts, neo4j_stmt(cypher_items_record,
			json_pack("{sOssssssss}", "jobs", c->jobs, "step", c->step_key,
				  "workspace", c->ws, "schedule", c->schedule,
				  "dataset_prefix", c->dataset_prefix)));
	json_decref(c->jobs);
	c->jobs = NULL;
	c->cur = NULL;
	c->in_stmt = 0;
}

/* The items that follow go under this batch's job. */
static void start_batch(struct sync_ctx *c, char **f)
{
	long long at;
	int shard = -1;

	free(c->job_key);
	free(c->at);
	c->job_key = NULL;
	c->at = NULL;
	c->cur = NULL;
	if (strcmp(f[2], "-"))
		shard = atoi(f[2]);
	if (parse_ll(f[5], &at) < 0)
		at = 0;
	c->job_key = key_jobrun(c->ws, f[1], c->step, shard);
	c->at = iso_time_ms(at);
}

static void add_processed(struct sync_ctx *c, const char *hash, const char *dataset, const char *name)
{
	char *key;

	if (!c->job_key)
		return;  /* P lines before any B line: not written by pmeta */
	if (c->in_stmt == ITEMS_PER_STATEMENT)
		close_statement(c);
	if (!c->jobs)
		c->jobs = json_array();
	/* One row a job and dataset: the statement finds the Dataset once a row. */
	if (c->cur && strcmp(c->cur_dataset, dataset))
		c->cur = NULL;
	if (!c->cur) {
		c->cur = json_array();
		free(c->cur_dataset);
		c->cur_dataset = xstrdup(dataset);
		json_array_append_new(c->jobs, json_pack("[sssO]", c->job_key, c->at, dataset, c->cur));
		json_decref(c->cur);  /* the batch holds it */
	}
	key = key_item(c->ws, c->schedule, dataset, name);
	json_array_append_new(c->cur, json_pack("[sss]", key, name, hash));
	free(key);
	c->in_stmt++;
	c->nitems++;
}

int ledger_sync(struct neo4j *db, const char *ws, const char *path, size_t *nitems)
{
	struct sync_ctx c;
	struct strbuf sb = STRBUF_INIT;
	char *schedule = NULL, *process = NULL, *step = NULL, *p, *nl, *end;
	off_t from = read_synced(path), upto;
	struct stat st;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	if (nitems)
		*nitems = 0;
	if (names_of(path, &schedule, &process, &step) < 0)
		return -1;
	/* The inode first: a file replaced after this is sent again, never skipped. */
	if (stat(path, &st) < 0) {
		pm_error(PM_EFAIL, "cannot read item ledger '%s': %s", path, strerror(errno));
		goto out;
	}
	if (strbuf_read_file(&sb, path) < 0)
		goto out;
	if ((size_t)from > sb.len)
		from = 0;  /* rewritten since: send it all again (MERGE keeps it whole) */
	c.ws = ws;
	c.schedule = schedule;
	c.process = process;
	c.step = step;
	c.step_key = key_step(ws, schedule, process, step);
	/* Datasets are named in the rows; the statement prefixes them (graph/keys.h). */
	c.dataset_prefix = key_dataset(ws, schedule, "");
	c.stmts = json_array();
	/* A batch may have started before the mark: find its B line again. */
	upto = from;
	end = sb.buf + sb.len;
	{
		char *b = NULL;

		for (p = sb.buf; p < sb.buf + from; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(sb.buf + from - p));
			if (!nl)
				break;
			if (*p == 'B')
				b = p;
		}
		if (b) {
			char *f[6];

			nl = memchr(b, '\n', (size_t)(end - b));
			*nl = '\0';
			if (split_fields(b, f, 6) == 0)
				start_batch(&c, f);
			*nl = '\n';
		}
	}
	for (p = sb.buf + from; p < end; p = nl + 1) {
		char *f[7];

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		*nl = '\0';
		upto = (off_t)(nl + 1 - sb.buf);
		if (*p == 'B' && p[1] == '\t' && split_fields(p, f, 6) == 0)
			start_batch(&c, f);
		else if (*p == 'P' && p[1] == '\t' && split_fields(p, f, 7) == 0 && valid_hash(f[1]))
			add_processed(&c, f[1], f[5], f[6]);
		else if (*p == 'C')
			c.cur = NULL;
	}
	close_statement(&c);
	if (json_array_size(c.stmts) && neo4j_commit(db, NULL, c.stmts) < 0)
		goto out;
	if (upto != from && write_synced(path, upto, (long long)st.st_ino) < 0)
		goto out;
	if (nitems)
		*nitems = c.nitems;
	ret = 0;
out:
	json_decref(c.stmts);
	json_decref(c.jobs);
	free(c.job_key);
	free(c.at);
	free(c.cur_dataset);
	free(c.step_key);
	free(c.dataset_prefix);
	strbuf_release(&sb);
	free(schedule);
	free(process);
	free(step);
	return ret;
}

int ledger_compact(struct ledger *l)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char *tmp;
	size_t i;
	int fd, ret = -1;

	if (!l->path || l->lines < 2 * l->n + 1000 || read_synced(l->path) != l->size || l->seen.len)
		return 0;
	strbuf_addstr(&sb, LEDGER_HEADER);
	for (i = 0; i < l->n; i++) {
		const struct ledger_item *it = &l->items[i];

		strbuf_addf(&sb, "C\t%s\t%s\t%lld\t%lld\t%lld\t%s\n", *it->done ? it->done : "-",
			    it->hash, it->size, it->mtime_ns, it->hashed_ms, it->key);
	}
	tmp = xstrfmt("%s.tmp", l->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		pm_error(PM_EFAIL, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (write(fd, sb.buf, sb.len) != (ssize_t)sb.len || fdatasync(fd) < 0 || fstat(fd, &st) < 0) {
		pm_error(PM_EFAIL, "cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	/* The new file holds no B/P lines: all of it is "synced". The mark names
	 * its inode, so until the rename the old file reads as unsynced (sent
	 * again, never skipped). */
	if (write_synced(l->path, (off_t)sb.len, (long long)st.st_ino) < 0 ||
	    rename(tmp, l->path) < 0) {
		pm_error(PM_EFAIL, "cannot replace '%s': %s", l->path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (l->fd >= 0) {
		close(l->fd);
		l->fd = -1;
	}
	l->size = (off_t)sb.len;
	l->lines = l->n + 1;
	ret = 0;
out:
	free(tmp);
	strbuf_release(&sb);
	return ret;
}

int ledger_sync_all(struct neo4j *db, const char *ws, const char *root, size_t *nitems)
{
	char *dir = ledger_dir(root);
	DIR *d1 = opendir(dir), *d2, *d3;
	struct dirent *e1, *e2, *e3;
	int ret = 0;

	if (nitems)
		*nitems = 0;
	while (d1 && ret == 0 && (e1 = readdir(d1))) {
		char *sdir;

		if (e1->d_name[0] == '.')
			continue;
		sdir = xstrfmt("%s/%s", dir, e1->d_name);
		d2 = opendir(sdir);
		while (d2 && ret == 0 && (e2 = readdir(d2))) {
			char *pdir;

			if (e2->d_name[0] == '.')
				continue;
			pdir = xstrfmt("%s/%s", sdir, e2->d_name);
			d3 = opendir(pdir);
			while (d3 && ret == 0 && (e3 = readdir(d3))) {
				size_t len = strlen(e3->d_name), n = 0;
				char *path;

				if (len < 8 || strcmp(e3->d_name + len - 7, ".ledger"))
					continue;
				path = xstrfmt("%s/%s", pdir, e3->d_name);
				if (ledger_unsynced(path)) {
					ret = ledger_sync(db, ws, path, &n);
					if (ret < 0)
						pm_error_prefix("cannot write the items of '%s'", path);
					if (nitems)
						*nitems += n;
				}
				free(path);
			}
			if (d3)
				closedir(d3);
			free(pdir);
		}
		if (d2)
			closedir(d2);
		free(sdir);
	}
	if (d1)
		closedir(d1);
	free(dir);
	return ret;
}
