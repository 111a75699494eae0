/*
 * Run journals: ids, times (and Neo4j's datetime text read back), appending
 * and folding (with a torn last line),
 * the synced marker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/journal.h"
#include "run/records.h"
#include "util/isotime.h"
#include "util/strbuf.h"

static void test_run_ids(void **state)
{
	char *a = run_id_new(), *b;

	(void)state;
	assert_true(run_id_valid(a));
	assert_int_equal(strlen(a), RUN_ID_LEN);
	assert_true(run_id_valid("20261121T101500Z-1f4a3f9c0d18b2e4f67"));
	/* An earlier release's ids stay valid wherever an id is read. */
	assert_true(run_id_valid("20261121T101500Z-a3f9"));
	assert_false(run_id_valid("20261121T101500Z-A3F9"));
	assert_false(run_id_valid("20261121T101500Z-a3f"));
	assert_false(run_id_valid("20261121T101500Z-1f4a3f9c0d18b2e4f6"));
	assert_false(run_id_valid("20261121T101500Z-1f4a3f9c0d18b2e4f67a"));
	assert_false(run_id_valid("20261121T101500Z-1f4a3f9c0d18b2e4fg7"));
	assert_false(run_id_valid("202611211T101500Z-a3f9"));
	assert_false(run_id_valid("last"));
	assert_false(run_id_valid(""));
	usleep(2000);
	b = run_id_new();
	assert_true(strcmp(a, b) < 0);  /* sortable by start time */
	free(a);
	free(b);
}

/* Runs started in the same millisecond get distinct ids, in that millisecond's place. */
#define SAME_MS 10000
static void test_run_ids_same_millisecond(void **state)
{
	long long ms = 1795249464035LL;
	char **ids = calloc(SAME_MS, sizeof(char *));
	char *before = run_id_at(ms - 1), *after = run_id_at(ms + 1);
	size_t i;

	(void)state;
	for (i = 0; i < SAME_MS; i++) {
		ids[i] = run_id_at(ms);
		assert_non_null(ids[i]);
		assert_true(run_id_valid(ids[i]));
		assert_memory_equal(ids[i], "20261121T082424Z-023", 20);
		assert_true(strcmp(before, ids[i]) < 0 && strcmp(ids[i], after) < 0);
	}
	qsort(ids, SAME_MS, sizeof(char *), cmp_strings);
	for (i = 1; i < SAME_MS; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	for (i = 0; i < SAME_MS; i++)
		free(ids[i]);
	free(ids);
	free(before);
	free(after);
}

static void test_time_iso(void **state)
{
	char *s = run_time_iso(1795249464035LL);

	(void)state;
	assert_string_equal(s, "2026-11-21T08:24:24.035Z");
	free(s);
}

/* Times as Neo4j prints datetime values back, read and written as pmeta's. */
static void test_time_parse(void **state)
{
	long long ms = 0;
	json_t *o;

	(void)state;
	assert_int_equal(iso_time_parse("2026-11-21T08:24:24.035Z", &ms), 0);
	assert_true(ms == 1795249464035LL);
	assert_int_equal(iso_time_parse("2026-11-21T08:24Z", &ms), 0);
	assert_true(ms == 1795249440000LL);
	assert_int_equal(iso_time_parse("2026-11-21T08:24:24.03Z", &ms), 0);
	assert_true(ms == 1795249464030LL);
	assert_int_equal(iso_time_parse("2026-11-21T08:24:24.035123456Z", &ms), 0);
	assert_true(ms == 1795249464035LL);
	assert_int_equal(iso_time_parse("2026-11-21T09:24:24.035+01:00", &ms), 0);
	assert_true(ms == 1795249464035LL);
	assert_int_equal(iso_time_parse("2026-11-21T09:24:24.035+01:00[Europe/Paris]", &ms), 0);
	assert_true(ms == 1795249464035LL);
	assert_int_equal(iso_time_parse("2026-11-21", &ms), -1);
	assert_int_equal(iso_time_parse("2026-11-21T08:24:24", &ms), -1);
	assert_int_equal(iso_time_parse("2026-11-21T08:24:24.Z", &ms), -1);
	assert_int_equal(iso_time_parse("yesterday", &ms), -1);
	assert_int_equal(iso_time_parse(NULL, &ms), -1);

	o = json_pack("{s:s, s:n, s:s}", "started_at", "2026-11-21T08:24Z", "finished_at",
		      "note", "2026-11-21T08:24Z");
	records_times_text(o);
	assert_string_equal(json_string_value(json_object_get(o, "started_at")), "2026-11-21T08:24:00.000Z");
	assert_true(json_is_null(json_object_get(o, "finished_at")));
	assert_string_equal(json_string_value(json_object_get(o, "note")), "2026-11-21T08:24Z");
	json_decref(o);
}

/* One shape whatever the source: every field, null when unknown; a legacy count renamed. */
static void test_record_shapes(void **state)
{
	json_t *run = json_pack("{s:s, s:s, s:i, s:s}", "id", "20261121T101500Z-a3f9", "status",
				"running", "jobs", 3, "config_text", "[a]\n");
	json_t *job = json_pack("{s:s, s:s, s:n}", "step", "a", "pid", "42", "shard");
	json_t *jobs = json_pack("[o]", job), *o;
	struct script_provenance p = SCRIPT_PROVENANCE_INIT, back;

	(void)state;
	o = records_status_json(run, jobs, "journal");
	assert_true(json_is_null(json_object_get(o, "finished_at")));
	assert_true(json_is_null(json_object_get(o, "config_hash")));
	assert_int_equal(json_integer_value(json_object_get(o, "njobs")), 3);
	assert_null(json_object_get(o, "config_text"));  /* the graph keeps it, not the record */
	assert_string_equal(json_string_value(json_object_get(o, "source")), "journal");
	job = json_array_get(json_object_get(o, "jobs"), 0);
	assert_true(json_is_null(json_object_get(job, "blob")));
	assert_true(json_is_null(json_object_get(job, "dirty")));
	assert_null(json_object_get(job, "pid"));  /* not a documented field */
	assert_true(json_is_null(json_object_get(job, "nitems")));  /* not an incremental job */
	assert_int_equal(json_object_size(job), 33);  /* slurm_job, node, slurm_state; nitems, nprocessed, error */
	json_decref(o);

	/* Provenance fields: unknown is null, and they read back as written. */
	o = json_object();
	records_script_set(o, &p);
	assert_true(json_is_null(json_object_get(o, "blob")) && json_is_null(json_object_get(o, "dirty")));
	strcpy(p.blob, "3b18e512dba79e4c8300dd08aeb37f8e728b8dad");
	p.dirty = 1;
	records_script_set(o, &p);
	assert_true(json_is_true(json_object_get(o, "dirty")));
	assert_true(json_is_null(json_object_get(o, "commit")));
	records_script_get(&back, o);
	assert_string_equal(back.blob, p.blob);
	assert_string_equal(back.commit, "");
	assert_int_equal(back.dirty, 1);
	json_decref(o);
	json_decref(run);
	json_decref(jobs);
}

static void test_append_and_fold(void **state)
{
	char dir[] = "/tmp/pmeta-test-journal-XXXXXX";
	char *path, *cmd;
	struct journal j;
	json_t *line, *run, *jobs;
	int ended;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xstrfmt("%s/journal.jsonl", dir);
	assert_int_equal(journal_create(&j, path), 0);
	{
		struct journal again;

		assert_int_equal(journal_create(&again, path), -1);  /* exists: refused */
	}
	journal_close(&j);
	unlink(path);
	assert_int_equal(journal_create(&j, path), 0);
	line = json_pack("{sss{ssss}s[{sIssss}{sIssss}]}", "ev", "run",
			 "run", "id", "20261121T101500Z-a3f9", "status", "running",
			 "jobs", "index", (json_int_t)0, "step", "a", "status", "pending",
			 "index", (json_int_t)2, "step", "b", "status", "pending");
	assert_int_equal(journal_append(&j, line, 1), 0);
	json_decref(line);
	line = json_pack("{sssIs{sssi}}", "ev", "job", "index", (json_int_t)2,
			 "set", "status", "failed", "exit_code", 3);
	assert_int_equal(journal_append(&j, line, 0), 0);
	json_decref(line);
	assert_int_equal(run_is_synced(dir, j.size), 0);
	assert_int_equal(run_mark_synced(dir, j.size), 0);
	assert_int_equal(run_is_synced(dir, j.size), 1);
	journal_close(&j);

	assert_int_equal(journal_load(&run, &jobs, &ended, path), 0);
	assert_false(ended);
	assert_string_equal(json_string_value(json_object_get(run, "status")), "running");
	assert_int_equal(json_array_size(jobs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(jobs, 1), "status")),
			    "failed");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(jobs, 1), "exit_code")), 3);
	json_decref(run);
	json_decref(jobs);

	/* An end line, then a torn line (a runner killed mid-write): ignored. */
	f = fopen(path, "a");
	fputs("{\"ev\":\"end\",\"set\":{\"status\":\"failed\"}}\n{\"ev\":\"job\",\"index\":0,\"se", f);
	fclose(f);
	assert_int_equal(journal_load(&run, &jobs, &ended, path), 0);
	assert_true(ended);
	assert_string_equal(json_string_value(json_object_get(run, "status")), "failed");
	assert_string_equal(json_string_value(json_object_get(json_array_get(jobs, 0), "status")),
			    "pending");
	json_decref(run);
	json_decref(jobs);

	cmd = xstrfmt("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

/* journal_append_run writes, from job texts, the line journal_append writes
 * from the objects: NULL entries (jobs not recorded) left out, in order. */
static void test_append_run_texts(void **state)
{
	char dir[] = "/tmp/pmeta-test-journal-XXXXXX";
	char *a, *b, *texts[4] = { NULL, NULL, NULL, NULL };
	struct journal j;
	json_t *run, *jobs, *line;
	struct strbuf one = STRBUF_INIT, two = STRBUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	a = xstrfmt("%s/a.jsonl", dir);
	b = xstrfmt("%s/b.jsonl", dir);
	run = json_pack("{ssss}", "id", "20261121T101500Z-a3f9", "status", "running");
	jobs = json_pack("[{sIss}{sIss}]", "index", (json_int_t)1, "step", "a\"b",
			 "index", (json_int_t)3, "step", "c");
	texts[1] = json_dumps(json_array_get(jobs, 0), JSON_COMPACT);
	texts[3] = json_dumps(json_array_get(jobs, 1), JSON_COMPACT);
	line = json_pack("{sssOsO}", "ev", "run", "run", run, "jobs", jobs);
	assert_int_equal(journal_create(&j, a), 0);
	assert_int_equal(journal_append(&j, line, 1), 0);
	journal_close(&j);
	assert_int_equal(journal_create(&j, b), 0);
	assert_int_equal(journal_append_run(&j, run, texts, 4), 0);
	assert_true(j.size > 0);
	journal_close(&j);
	assert_int_equal(strbuf_read_file(&one, a), 0);
	assert_int_equal(strbuf_read_file(&two, b), 0);
	assert_string_equal(two.buf, one.buf);
	/* No job recorded: an empty list. */
	unlink(b);
	free(texts[1]);
	free(texts[3]);
	texts[1] = texts[3] = NULL;
	assert_int_equal(journal_create(&j, b), 0);
	assert_int_equal(journal_append_run(&j, run, texts, 4), 0);
	journal_close(&j);
	strbuf_reset(&two);
	assert_int_equal(strbuf_read_file(&two, b), 0);
	assert_non_null(strstr(two.buf, ",\"jobs\":[]}\n"));
	json_decref(line);
	json_decref(run);
	json_decref(jobs);
	strbuf_release(&one);
	strbuf_release(&two);
	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
}

static void test_no_header(void **state)
{
	char path[] = "/tmp/pmeta-test-journal-XXXXXX";
	int fd = mkstemp(path), ended;
	json_t *run, *jobs;

	(void)state;
	assert_true(write(fd, "{\"ev\":\"job\"}\n", 13) == 13);
	close(fd);
	assert_int_equal(journal_load(&run, &jobs, &ended, path), -1);
	assert_null(run);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_ids),
		cmocka_unit_test(test_run_ids_same_millisecond),
		cmocka_unit_test(test_record_shapes),
		cmocka_unit_test(test_time_iso),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_append_and_fold),
		cmocka_unit_test(test_append_run_texts),
		cmocka_unit_test(test_no_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
