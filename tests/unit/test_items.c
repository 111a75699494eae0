/*
 * Item ledgers and gaps on a scratch folder (run/ledger.h, run/gap.h): what
 * is an item, what the ledger remembers across loads, a torn last line,
 * when size and mtime vouch for content and when a file is hashed again,
 * compaction, and the stable shard of a name. No Neo4j.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
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

static char root[256];

static void put(const char *rel, const char *text)
{
	char *path = xstrfmt("%s/%s", root, rel);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Sets a file's mtime to `ago_s` seconds before now. */
static void age(const char *rel, int ago_s)
{
	char *path = xstrfmt("%s/%s", root, rel);
	struct timespec ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= ago_s;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	free(path);
}

static void set_mtime(const char *rel, const struct timespec *t)
{
	char *path = xstrfmt("%s/%s", root, rel);
	struct timespec ts[2] = { *t, *t };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	free(path);
}

static void mk(const char *rel)
{
	char *path = xstrfmt("%s/%s", root, rel);

	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
}

static int setup(void **state)
{
	char *cmd;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/pmeta-test-items-%d", (int)getpid());
	cmd = xstrfmt("rm -rf %s", root);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	mkdir(root, 0755);
	mk("in");
	mk("in/predict");
	mk("in/task_dir");
	put("in/a.txt", "a\n");
	put("in/b.txt", "b\n");
	put("in/c.md", "not an item\n");
	put("in/.hidden.txt", "not an item\n");
	put("in/task_dir/x", "x\n");
	git_libgit2_init();
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xstrfmt("rm -rf %s", root);

	(void)state;
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	git_libgit2_shutdown();
	return 0;
}

static struct items_step *step_of(const char *glob)
{
	static struct items_step st;
	static char *datasets[] = { "in" };
	static char *skip[] = { "in/predict" };

	memset(&st, 0, sizeof(st));
	st.step = "s";
	st.glob = (char *)glob;
	st.datasets = datasets;
	st.ndatasets = 1;
	st.skip = skip;
	st.nskip = 1;
	return &st;
}

static void test_scan(void **state)
{
	struct item_list l = ITEM_LIST_INIT;

	(void)state;
	assert_int_equal(items_scan(&l, step_of("*"), root), 0);
	item_list_sort(&l);
	/* No hidden entry, no amend subfolder; a folder is an item. */
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].name, "a.txt");
	assert_string_equal(l.v[1].name, "b.txt");
	assert_string_equal(l.v[2].name, "c.md");
	assert_string_equal(l.v[3].name, "task_dir");
	assert_int_equal(l.v[3].dir, 1);
	item_list_release(&l);
	assert_int_equal(items_scan(&l, step_of("*.txt"), root), 0);
	assert_int_equal(l.n, 2);
	item_list_release(&l);
}

static void test_missing_dataset_has_no_items(void **state)
{
	struct item_list l = ITEM_LIST_INIT;
	struct items_step st = *step_of("*");
	char *ds[] = { "nowhere" };

	(void)state;
	st.datasets = ds;
	assert_int_equal(items_scan(&l, &st, root), 0);
	assert_int_equal(l.n, 0);
}

static void test_hash_is_the_git_blob_id(void **state)
{
	struct item it = { "in", "a.txt", 0, 0, 0, 0, "", 0 };

	(void)state;
	assert_int_equal(item_hash(&it, root), 0);
	/* printf 'a\n' | git hash-object --stdin */
	assert_string_equal(it.hash, "78981922613b2afb6025042ff6bd878ac1994e85");
	assert_true(it.hashed_ms > 0);
}

/* A gap of the ledger at `path`, for glob "*.txt". */
static size_t gap_now(struct ledger *l, struct item_list *gap)
{
	struct item_list all = ITEM_LIST_INIT;

	assert_int_equal(items_scan(&all, step_of("*.txt"), root), 0);
	assert_int_equal(items_gap(gap, &all, l, root, 0), 0);
	item_list_release(&all);
	return gap->n;
}

static void process_all(struct ledger *l, struct item_list *gap, const char *run)
{
	struct ledger_rec *recs = calloc(gap->n + 1, sizeof(*recs));
	struct ledger_batch b = { run, -1, "proc_001_v_000", NULL, 1000 };
	size_t i;

	for (i = 0; i < gap->n; i++) {
		struct item *it = &gap->v[i];

		if (!it->hash[0])
			assert_int_equal(item_hash(it, root), 0);
		recs[i].dataset = it->dataset;
		recs[i].name = it->name;
		recs[i].hash = it->hash;
		recs[i].size = it->size;
		recs[i].mtime_ns = it->mtime_ns;
		recs[i].hashed_ms = it->hashed_ms;
	}
	assert_int_equal(ledger_append(l, &b, recs, gap->n), 0);
	free(recs);
}

static void test_ledger_and_gap(void **state)
{
	struct ledger l = LEDGER_INIT;
	struct item_list gap = ITEM_LIST_INIT;
	char *path = xstrfmt("%s/.pmeta/items/sche/p/s.ledger", root);
	struct strbuf sb = STRBUF_INIT;

	struct timespec t;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec -= 1;
	age("in/a.txt", 60);
	age("in/b.txt", 60);
	assert_int_equal(ledger_load(&l, path), 0);
	assert_int_equal(gap_now(&l, &gap), 2);
	assert_int_equal(gap.v[0].changed, 0);
	process_all(&l, &gap, "20260101T000000Z-0001");
	item_list_release(&gap);

	/* Loaded again: nothing new; old files are vouched for by their stat
	 * (not hashed again: that would have queued a line for the next look). */
	assert_int_equal(ledger_load(&l, path), 0);
	assert_non_null(ledger_find(&l, "in", "a.txt"));
	assert_null(ledger_find(&l, "in", "zzz"));
	assert_int_equal(gap_now(&l, &gap), 0);
	assert_int_equal(l.seen.len, 0);
	item_list_release(&gap);

	/* Rewritten just now, same size: the stat differs, so it is hashed: changed. */
	put("in/b.txt", "Z\n");
	assert_int_equal(gap_now(&l, &gap), 1);
	assert_string_equal(gap.v[0].name, "b.txt");
	assert_int_equal(gap.v[0].changed, 1);
	assert_true(gap.v[0].hash[0] != '\0');
	item_list_release(&gap);

	/* Back to the content it processed: not new. */
	put("in/b.txt", "b\n");
	assert_int_equal(gap_now(&l, &gap), 0);
	item_list_release(&gap);

	/* Processed as Q with mtime T, rewritten as R with the same size and
	 * the same mtime T within 2 s of the hash: the stat cannot vouch, the
	 * hash says new (git's racily clean entries). */
	put("in/b.txt", "Q\n");
	set_mtime("in/b.txt", &t);
	assert_int_equal(gap_now(&l, &gap), 1);
	process_all(&l, &gap, "20260101T000000Z-0009");
	item_list_release(&gap);
	put("in/b.txt", "R\n");
	set_mtime("in/b.txt", &t);
	assert_int_equal(gap_now(&l, &gap), 1);
	assert_string_equal(gap.v[0].name, "b.txt");
	item_list_release(&gap);
	ledger_release(&l);

	/* A torn last line is ignored, and cut before the next append. */
	assert_int_equal(strbuf_read_file(&sb, path), 0);
	{
		FILE *f = fopen(path, "a");

		fputs("P\t0123", f);
		fclose(f);
	}
	assert_int_equal(ledger_load(&l, path), 0);
	assert_int_equal(l.n, 2);
	put("in/n.txt", "n\n");
	assert_int_equal(gap_now(&l, &gap), 2);   /* n, and b as R */
	process_all(&l, &gap, "20260101T000000Z-0002");
	item_list_release(&gap);
	ledger_release(&l);
	strbuf_release(&sb);
	assert_int_equal(strbuf_read_file(&sb, path), 0);
	assert_null(strstr(sb.buf, "P\t0123\n"));
	assert_non_null(strstr(sb.buf, "B\t20260101T000000Z-0002\t-\tproc_001_v_000\t-\t1000\n"));
	assert_int_equal(sb.buf[sb.len - 1], '\n');
	strbuf_release(&sb);
	free(path);
	path = xstrfmt("%s/in/n.txt", root);
	unlink(path);
	free(path);
}

static void test_force_and_compaction(void **state)
{
	struct ledger l = LEDGER_INIT;
	struct item_list gap = ITEM_LIST_INIT, all = ITEM_LIST_INIT;
	char *path = xstrfmt("%s/.pmeta/items/sche/p/force.ledger", root);
	char *synced = xstrfmt("%s.synced", path);
	int i;
	FILE *f;

	(void)state;
	assert_int_equal(ledger_load(&l, path), 0);
	for (i = 0; i < 600; i++) {
		item_list_release(&gap);
		assert_int_equal(items_scan(&all, step_of("*.txt"), root), 0);
		/* force: every item, processed or not */
		assert_int_equal(items_gap(&gap, &all, &l, root, 1), 0);
		assert_int_equal(gap.n, 2);
		assert_int_equal(all.n, 0);
		item_list_release(&all);
		process_all(&l, &gap, "20260101T000000Z-0003");
	}
	item_list_release(&gap);
	assert_true(l.lines > 1800);
	/* Not synced: never compacted. */
	assert_int_equal(ledger_compact(&l), 0);
	assert_true(l.lines > 1800);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		f = fopen(synced, "w");
		fprintf(f, "%lld %lld\n", (long long)l.size, (long long)st.st_ino);
		fclose(f);
	}
	assert_int_equal(ledger_compact(&l), 0);
	assert_int_equal(l.lines, 3);
	ledger_release(&l);
	assert_int_equal(ledger_load(&l, path), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(gap_now(&l, &gap), 0);
	item_list_release(&gap);
	ledger_release(&l);
	free(path);
	free(synced);
}

static void test_shard_of_is_fnv1a(void **state)
{
	(void)state;
	/* python3: h = FNV-1a 64 of "item_001.txt"; h % 3, h % 7 */
	assert_int_equal(items_shard_of("item_001.txt", 1), 0);
	assert_int_equal(items_shard_of("item_001.txt", 3), 2);
	assert_int_equal(items_shard_of("item_001.txt", 7), 0);
}

static void test_items_path(void **state)
{
	struct item it = { "in", "a.txt", 0, 0, 0, 0, "", 0 };
	char *p;

	(void)state;
	p = items_path("/ws", "/ws/sche_001", &it);
	assert_string_equal(p, "sche_001/in/a.txt");
	free(p);
	p = items_path("/ws", "/data", &it);
	assert_string_equal(p, "/data/in/a.txt");
	free(p);
	p = items_path("/ws", "/wsx", &it);
	assert_string_equal(p, "/wsx/in/a.txt");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_missing_dataset_has_no_items),
		cmocka_unit_test(test_hash_is_the_git_blob_id),
		cmocka_unit_test(test_ledger_and_gap),
		cmocka_unit_test(test_force_and_compaction),
		cmocka_unit_test(test_shard_of_is_fnv1a),
		cmocka_unit_test(test_items_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
