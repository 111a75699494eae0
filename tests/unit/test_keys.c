/*
 * Graph keys (graph/keys.h) and typed step values (graph/value.h): the
 * exact formats other modules and other engineers build on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/keys.h"
#include "graph/value.h"

static void expect_key(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

static void test_key_formats(void **state)
{
	(void)state;
	expect_key(key_schedule("ws", "sche_001"), "ws/sche_001");
	expect_key(key_process("ws", "sche_001", "p_002_v_000"), "ws/sche_001/p_002_v_000");
	expect_key(key_step("ws", "sche_001", "p_002_v_000", "proc_004_v_001"),
		   "ws/sche_001/p_002_v_000/proc_004_v_001");
	expect_key(key_procedure("ws", "sche_001", "proc_004_v_001"), "ws/sche_001/proc_004_v_001");
	expect_key(key_dataset("ws", "sche_001", "proc_001_v_000/predict"),
		   "ws/sche_001/proc_001_v_000/predict");
	expect_key(key_run("ws", "20261121T101500Z-1f4a"), "ws/20261121T101500Z-1f4a");
	expect_key(key_jobrun("ws", "20261121T101500Z-1f4a", "proc_001_v_000", -1),
		   "ws/20261121T101500Z-1f4a/proc_001_v_000/-");
	expect_key(key_jobrun("ws", "20261121T101500Z-1f4a", "proc_001_v_000", 3),
		   "ws/20261121T101500Z-1f4a/proc_001_v_000/3");
	expect_key(key_qualify("ws", "sche_001/p_002_v_000"), "ws/sche_001/p_002_v_000");
}

static void test_key_prefixes(void **state)
{
	char *prefix = key_step("ws", "s", "p", ""), *one = key_step("ws", "s", "p", "x");
	size_t n = strlen(prefix);

	(void)state;
	/* What the bulk import statements rely on: key = prefix + name. */
	assert_string_equal(prefix, "ws/s/p/");
	assert_memory_equal(one, prefix, n);
	assert_string_equal(one + n, "x");
	free(prefix);
	free(one);
	expect_key(key_procedure("ws", "s", ""), "ws/s/");
	expect_key(key_dataset("ws", "s", ""), "ws/s/");
	expect_key(key_qualify("ws", ""), "ws/");
}

static void test_key_local(void **state)
{
	(void)state;
	assert_string_equal(key_local("ws/sche_001/p_002_v_000"), "sche_001/p_002_v_000");
	assert_string_equal(key_local("nokey"), "nokey");
}

static void test_workspace_names(void **state)
{
	char long_name[KEY_WORKSPACE_MAX + 2];

	(void)state;
	assert_true(key_workspace_valid("ws"));
	assert_true(key_workspace_valid("demo-3f9a1c2e"));
	assert_true(key_workspace_valid("A.b_c-9"));
	assert_false(key_workspace_valid(""));
	assert_false(key_workspace_valid(NULL));
	assert_false(key_workspace_valid("a/b"));
	assert_false(key_workspace_valid("-x"));
	assert_false(key_workspace_valid(".x"));
	assert_false(key_workspace_valid("a b"));
	assert_false(key_workspace_valid("caf\xC3\xA9"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[KEY_WORKSPACE_MAX] = '\0';
	assert_true(key_workspace_valid(long_name));
	long_name[KEY_WORKSPACE_MAX] = 'a';
	long_name[KEY_WORKSPACE_MAX + 1] = '\0';
	assert_false(key_workspace_valid(long_name));
}

/* raw's typed value must be of JSON type `type` and print as `text`. */
static void expect_typed(const char *raw, json_type type, const char *text, int exact)
{
	int got_exact = -1;
	json_t *v = value_typed(raw, &got_exact);
	char *s = value_text(v);

	if (json_typeof(v) != type)
		fail_msg("'%s': JSON type %d, wanted %d", raw, (int)json_typeof(v), (int)type);
	assert_string_equal(s, text);
	assert_int_equal(got_exact, exact);
	free(s);
	json_decref(v);
}

static void test_typed_values(void **state)
{
	(void)state;
	expect_typed("4", JSON_INTEGER, "4", 1);
	expect_typed("-12", JSON_INTEGER, "-12", 1);
	expect_typed("007", JSON_INTEGER, "7", 0);
	expect_typed("+5", JSON_INTEGER, "5", 0);
	expect_typed("0.5", JSON_REAL, "0.5", 1);
	expect_typed("0.50", JSON_REAL, "0.5", 0);
	expect_typed("2.0", JSON_REAL, "2.0", 1);
	expect_typed("1e3", JSON_REAL, "1000.0", 0);
	expect_typed(".25", JSON_REAL, "0.25", 0);
	expect_typed("0.1", JSON_REAL, "0.1", 1);
	expect_typed("true", JSON_TRUE, "true", 1);
	expect_typed("false", JSON_FALSE, "false", 1);
	expect_typed("True", JSON_TRUE, "true", 0);
	/* Not wholly a number or a boolean: text. */
	expect_typed("large", JSON_STRING, "large", 1);
	expect_typed("4 cores", JSON_STRING, "4 cores", 1);
	expect_typed("1.2.3", JSON_STRING, "1.2.3", 1);
	expect_typed("inf", JSON_STRING, "inf", 1);
	expect_typed("nan", JSON_STRING, "nan", 1);
	expect_typed("0x10", JSON_STRING, "0x10", 1);
	expect_typed("1e", JSON_STRING, "1e", 1);
	expect_typed("-", JSON_STRING, "-", 1);
	expect_typed(".", JSON_STRING, ".", 1);
	expect_typed("", JSON_STRING, "", 1);
	expect_typed("99999999999999999999", JSON_STRING, "99999999999999999999", 1);
	expect_typed("1e999", JSON_STRING, "1e999", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_formats),
		cmocka_unit_test(test_key_prefixes),
		cmocka_unit_test(test_key_local),
		cmocka_unit_test(test_workspace_names),
		cmocka_unit_test(test_typed_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
