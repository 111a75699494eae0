/*
 * Reconciling a run on Slurm that no pmeta follows (run/slurm.c), from the
 * files of its run folder alone: without SLURM_CONF the reconcile may not
 * ask squeue, so it goes by the wrappers' records, declares nothing lost and
 * closes the run only when every job is over by its records, or when the
 * run was cancelled. (t0325 covers it with the real cluster.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "run/journal.h"
#include "run/slurm.h"
#include "util/strbuf.h"

static char dir[] = "/tmp/pmeta-test-reconcile-XXXXXX";

static void put(const char *name, const char *text)
{
	char *path = xstrfmt("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

/*
 * Three steps a -> b -> c and an independent d; a and d have records of a
 * success, b of a failure its wrapper says is final; c never started.
 */
static int setup(void **state)
{
	static const char *const sub[] = { "slurm", "slurm/rec", "slurm/spec", NULL };
	char *path;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; sub[i]; i++) {
		path = xstrfmt("%s/%s", dir, sub[i]);
		assert_int_equal(mkdir(path, 0755), 0);
		free(path);
	}
	unsetenv("SLURM_CONF");
	put("journal.jsonl",
	    "{\"ev\":\"run\",\"run\":{\"key\":\"ws/R\",\"id\":\"R\",\"workspace\":\"ws\",\"status\":\"running\","
	    "\"started_at\":\"2026-12-01T10:00:00.000Z\",\"executor\":\"slurm\",\"reused\":0},\"jobs\":["
	    "{\"key\":\"ws/R/a/-\",\"index\":0,\"step\":\"a\",\"shard\":null,\"status\":\"pending\",\"attempts\":0},"
	    "{\"key\":\"ws/R/b/-\",\"index\":1,\"step\":\"b\",\"shard\":null,\"status\":\"pending\",\"attempts\":0},"
	    "{\"key\":\"ws/R/c/-\",\"index\":2,\"step\":\"c\",\"shard\":null,\"status\":\"pending\",\"attempts\":0},"
	    "{\"key\":\"ws/R/d/0\",\"index\":3,\"step\":\"d\",\"shard\":0,\"status\":\"pending\",\"attempts\":0}]}\n");
	put("slurm/open", "");
	put("slurm/plan.json",
	    "{\"steps\":[{\"name\":\"a\",\"after\":[],\"retries\":0},{\"name\":\"b\",\"after\":[0],\"retries\":1},"
	    "{\"name\":\"c\",\"after\":[1],\"retries\":0},{\"name\":\"d\",\"after\":[],\"retries\":0}]}\n");
	put("slurm/submitted.jsonl",
	    "{\"id\":\"10\",\"attempt\":1,\"array\":false,\"jobs\":[{\"index\":0,\"task\":-1}]}\n"
	    "{\"id\":\"11\",\"attempt\":1,\"array\":false,\"jobs\":[{\"index\":1,\"task\":-1}]}\n"
	    "{\"id\":\"12\",\"attempt\":1,\"array\":false,\"jobs\":[{\"index\":2,\"task\":-1}]}\n"
	    "{\"id\":\"13\",\"attempt\":1,\"array\":true,\"jobs\":[{\"index\":3,\"task\":0}]}\n");
	put("slurm/rec/a.1.jsonl",
	    "{\"ev\":\"start\",\"attempt\":1,\"at_ms\":1796119200000,\"node\":\"n1\",\"slurm_job\":\"10\"}\n"
	    "{\"ev\":\"end\",\"attempt\":1,\"at_ms\":1796119201500,\"exit_code\":0,\"signal\":0,"
	    "\"timed_out\":false,\"final\":true}\n");
	/* b ran twice in place (a detached run's retry) and failed both times. */
	put("slurm/rec/b.1.jsonl",
	    "{\"ev\":\"start\",\"attempt\":1,\"at_ms\":1796119202000,\"node\":\"n2\",\"slurm_job\":\"11\"}\n"
	    "{\"ev\":\"end\",\"attempt\":1,\"at_ms\":1796119203000,\"exit_code\":2,\"signal\":0,"
	    "\"timed_out\":false,\"final\":false}\n"
	    "{\"ev\":\"start\",\"attempt\":2,\"at_ms\":1796119203100,\"node\":\"n2\",\"slurm_job\":\"11\"}\n"
	    "{\"ev\":\"end\",\"attempt\":2,\"at_ms\":1796119204000,\"exit_code\":3,\"signal\":0,"
	    "\"timed_out\":false,\"final\":true}\n");
	/* d's end record is still being written: only its start counts. */
	put("slurm/rec/d.0.1.jsonl",
	    "{\"ev\":\"start\",\"attempt\":1,\"at_ms\":1796119200500,\"node\":\"n1\",\"slurm_job\":\"13_0\"}\n"
	    "{\"ev\":\"end\",\"attempt\":1,\"at_ms\":179611920");
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xstrfmt("rm -rf '%s'", dir);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static json_t *job(json_t *jobs, size_t index)
{
	json_t *j = json_array_get(jobs, index);

	assert_non_null(j);
	return j;
}

static const char *str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "(none)";
}

static void load(json_t **run, json_t **jobs, int *ended)
{
	char *path = xstrfmt("%s/journal.jsonl", dir);

	assert_int_equal(journal_load(run, jobs, ended, path), 0);
	free(path);
}

static void test_records_alone(void **state)
{
	json_t *run, *jobs;
	int ended;

	(void)state;
	assert_int_equal(slurm_reconcile(dir, &ended), 0);
	assert_false(ended);
	load(&run, &jobs, &ended);
	assert_false(ended);
	assert_string_equal(str(job(jobs, 0), "status"), "succeeded");
	assert_string_equal(str(job(jobs, 0), "node"), "n1");
	assert_string_equal(str(job(jobs, 0), "slurm_job"), "10");
	assert_int_equal(json_integer_value(json_object_get(job(jobs, 0), "duration_ms")), 1500);
	assert_string_equal(str(job(jobs, 1), "status"), "failed");
	assert_int_equal(json_integer_value(json_object_get(job(jobs, 1), "attempts")), 2);
	assert_int_equal(json_integer_value(json_object_get(job(jobs, 1), "exit_code")), 3);
	assert_string_equal(str(job(jobs, 1), "started_at"), "2026-12-01T10:00:02.000Z");
	/* Without squeue nothing says c will never run, nor that d is lost. */
	assert_string_equal(str(job(jobs, 2), "status"), "pending");
	assert_string_equal(str(job(jobs, 3), "status"), "running");
	assert_string_equal(str(job(jobs, 3), "slurm_job"), "13_0");
	json_decref(run);
	json_decref(jobs);
}

static void test_again_changes_nothing(void **state)
{
	char *path = xstrfmt("%s/journal.jsonl", dir);
	struct stat before, after;
	int ended;

	(void)state;
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(slurm_reconcile(dir, &ended), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	free(path);
}

static void test_end_record_arrives(void **state)
{
	json_t *run, *jobs;
	int ended;

	(void)state;
	put("slurm/rec/d.0.1.jsonl",
	    "{\"ev\":\"start\",\"attempt\":1,\"at_ms\":1796119200500,\"node\":\"n1\",\"slurm_job\":\"13_0\"}\n"
	    "{\"ev\":\"end\",\"attempt\":1,\"at_ms\":1796119201000,\"exit_code\":0,\"signal\":0,"
	    "\"timed_out\":false,\"final\":true}\n");
	assert_int_equal(slurm_reconcile(dir, &ended), 0);
	assert_false(ended);
	load(&run, &jobs, &ended);
	assert_string_equal(str(job(jobs, 3), "status"), "succeeded");
	assert_string_equal(str(job(jobs, 2), "status"), "pending");
	json_decref(run);
	json_decref(jobs);
}

static void test_cancelled_run_closes(void **state)
{
	char *open_path = xstrfmt("%s/slurm/open", dir);
	json_t *run, *jobs;
	int ended;

	(void)state;
	put("slurm/cancelled", "1796119300000\n");
	assert_int_equal(slurm_reconcile(dir, &ended), 0);
	assert_true(ended);
	assert_int_equal(access(open_path, F_OK), -1);
	load(&run, &jobs, &ended);
	assert_true(ended);
	assert_string_equal(str(job(jobs, 2), "status"), "aborted");
	assert_string_equal(str(run, "status"), "aborted");
	assert_string_equal(str(run, "interrupted_by"), "pmeta cancel");
	assert_int_equal(json_integer_value(json_object_get(run, "succeeded")), 2);
	assert_int_equal(json_integer_value(json_object_get(run, "failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(run, "aborted")), 1);
	/* The run ended when it was cancelled, 100 s after its start. */
	assert_int_equal(json_integer_value(json_object_get(run, "duration_ms")), 100000);
	json_decref(run);
	json_decref(jobs);
	free(open_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_alone),
		cmocka_unit_test(test_again_changes_nothing),
		cmocka_unit_test(test_end_record_arrives),
		cmocka_unit_test(test_cancelled_run_closes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
