/*
 * OpenLineage run ids (run/openlineage.h): UUIDv5 in the URL namespace, the
 * same value Python's uuid.uuid5(uuid.NAMESPACE_URL, name) gives, so a
 * consumer holding the graph finds a JobRun's events; and the target kinds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run/openlineage.h"

static void test_uuid(void **state)
{
	char id[37];

	(void)state;
	/* python3 -c 'import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, "pmeta:JobRun:ws/20261121T101500Z-1f4a/proc_001_v_000/-"))' */
	openlineage_uuid(id, "pmeta:JobRun:ws/20261121T101500Z-1f4a/proc_001_v_000/-");
	assert_string_equal(id, "da86424c-75cd-5420-84d0-d750c06cfd2c");
	openlineage_uuid(id, "pmeta:JobRun:ws/20261121T101500Z-1f4a/proc_001_v_000/0");
	assert_string_not_equal(id, "da86424c-75cd-5420-84d0-d750c06cfd2c");
	assert_int_equal(id[14], '5');   /* version 5 */
}

static void test_targets(void **state)
{
	(void)state;
	assert_true(openlineage_target_is_url("http://127.0.0.1:5000"));
	assert_true(openlineage_target_is_url("https://lineage.example/api/v1/lineage"));
	assert_false(openlineage_target_is_url("events.jsonl"));
	assert_false(openlineage_target_is_url("/tmp/http://x"));
	assert_int_equal(openlineage_check("ftp://host/x"), -1);
	assert_int_equal(openlineage_check(""), -1);
	assert_int_equal(openlineage_check("/no/such/folder/events.jsonl"), -1);
	assert_int_equal(openlineage_check("http://127.0.0.1:9/"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
