/*
 * The registry's descriptions (graph/registry.c, graph/config.c): a
 * script's module docstring or leading comment block, a process config's
 * `description` or leading comment block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/config.h"
#include "graph/registry.h"
#include "util/strbuf.h"

/* got (freed here) is want, or NULL when want is. */
static void check(char *got, const char *want)
{
	if (!want) {
		if (got)
			fail_msg("wanted no description, got '%s'", got);
		return;
	}
	if (!got || strcmp(got, want))
		fail_msg("wanted '%s', got '%s'", want, got ? got : "(none)");
	free(got);
}

static void want_script(const char *text, const char *want)
{
	check(registry_describe_script(text, strlen(text)), want);
}

static void test_script_descriptions(void **state)
{
	(void)state;
	want_script("\"\"\"One line.\"\"\"\nimport os\n", "One line.");
	/* Comments, a shebang and a coding line may come before the docstring. */
	want_script("#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# Copyright Lab\n\n"
		    "\"\"\"Cleans the table.\n\n    Drops rows without an id.\n      Keeps the rest.\n    \"\"\"\n",
		    "Cleans the table.\n\nDrops rows without an id.\n  Keeps the rest.");
	want_script("r'''Raw \\d docstring.'''\n", "Raw \\d docstring.");
	want_script("'single quoted, with \\' an escape'\nx = 1\n", "single quoted, with \\' an escape");
	want_script("\xEF\xBB\xBF\"\"\"\n  Starts on the second line.\n  \"\"\"\n", "Starts on the second line.");
	/* No docstring: the leading comment block, up to the first blank line. */
	want_script("#!/usr/bin/env python3\n# Scores rows.\n#   indented\n\n# not this\nimport sys\n",
		    "Scores rows.\n  indented");
	want_script("import os\n\"\"\"not a docstring\"\"\"\n", NULL);
	want_script("x = 1\n", NULL);
	want_script("\"\"\"never closed\n", NULL);
	want_script("", NULL);
	want_script("b'bytes are no docstring'\n", NULL);
}

static void test_long_description_is_cut_at_a_character(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *got;
	int i;

	(void)state;
	strbuf_addstr(&sb, "\"\"\"");
	for (i = 0; i < 3000; i++)
		strbuf_addstr(&sb, "\xC3\xA9");   /* é, two bytes */
	strbuf_addstr(&sb, "\"\"\"\n");
	got = registry_describe_script(sb.buf, sb.len);
	assert_non_null(got);
	assert_true(strlen(got) <= 4096);
	assert_int_equal(strlen(got) % 2, 0);
	free(got);
	strbuf_release(&sb);
}

static void want_config(const char *file, const char *text, const char *want)
{
	check(config_describe(file, text, strlen(text)), want);
}

static void test_config_descriptions(void **state)
{
	(void)state;
	want_config("main.conf", "description = Nightly cleaning\n  of the raw tables\n[a_v_000]\n",
		    "Nightly cleaning of the raw tables");
	want_config("main.conf", "# p_002: scoring.\n; second line\n\n[a_v_000]\n", "p_002: scoring.\nsecond line");
	want_config("main.conf", "[a_v_000]\ndescription = a step key, not the process's\n", NULL);
	want_config("dag.yaml", "description: Two models\ndag: {operator_list: []}\n", "Two models");
	want_config("dag.yaml", "dag:\n  description: Inside dag\n  operator_list: []\n", "Inside dag");
	want_config("dag.yaml", "# From the comments.\ndag: {operator_list: []}\n", "From the comments.");
	want_config("other.txt", "# x\n", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_descriptions),
		cmocka_unit_test(test_long_description_is_cut_at_a_character),
		cmocka_unit_test(test_config_descriptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
