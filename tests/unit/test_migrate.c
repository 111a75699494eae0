#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/migrate.h"
#include "util/err.h"

static void test_parse_name(void **state)
{
	char *v, *d;

	(void)state;
	assert_int_equal(migration_parse_name("V0001__graph_constraints.cypher", &v, &d), 0);
	assert_string_equal(v, "0001");
	assert_string_equal(d, "graph constraints");
	free(v);
	free(d);
	/* neo4j-migrations records V1_2 as version "1.2" */
	assert_int_equal(migration_parse_name("V1_2__x.cypher", &v, &d), 0);
	assert_string_equal(v, "1.2");
	free(v);
	free(d);
	assert_int_equal(migration_parse_name("0001__x.cypher", &v, &d), -1);
	assert_int_equal(migration_parse_name("V0001_x.cypher", &v, &d), -1);
	assert_int_equal(migration_parse_name("V0001__x.txt", &v, &d), -1);
	assert_int_equal(migration_parse_name("Vab__x.cypher", &v, &d), -1);
	assert_int_equal(migration_parse_name("V1__.cypher", &v, &d), -1);
	assert_int_equal(migration_parse_name("V1___x.cypher", &v, &d), 0);   /* "_x" is \w */
	free(v);
	free(d);
	/* neo4j-migrations reads no other description characters */
	assert_int_equal(migration_parse_name("V1__a-b.cypher", &v, &d), -1);
	assert_int_equal(migration_parse_name("V1_.2__x.cypher", &v, &d), -1);
	assert_int_equal(migration_parse_name("V1___.cypher", &v, &d), 0);
	free(v);
	free(d);
}

static void test_version_order(void **state)
{
	(void)state;
	assert_true(migration_version_cmp("0001", "0002") < 0);
	assert_true(migration_version_cmp("2", "10") < 0);   /* numeric, not lexical */
	assert_true(migration_version_cmp("10", "0002") > 0);
	assert_true(migration_version_cmp("1_2", "1_10") < 0);
	assert_true(migration_version_cmp("1.2", "1_2") == 0);
	assert_true(migration_version_cmp("0003", "3") == 0);
}

/* neo4j-migrations splits on ';' directly followed by a line break only. */
static void test_split(void **state)
{
	static const char text[] =
		"\n// a comment line\n"
		"CREATE CONSTRAINT a IF NOT EXISTS FOR (n:A) REQUIRE n.key IS UNIQUE;\n"
		"CREATE INDEX b IF NOT EXISTS\r\n  FOR (n:B) ON (n.x);\r\n"
		"RETURN 'a;b' AS semicolon_inside;\r"
		"RETURN 1; RETURN 2;  \n"
		"// trailing comment only\n"
		"RETURN 3;;\n"
		";\n"
		"RETURN 4;";
	char **s;
	size_t n = migration_split(text, strlen(text), &s), i;

	(void)state;
	assert_int_equal(n, 5);
	assert_string_equal(s[0], "// a comment line\nCREATE CONSTRAINT a IF NOT EXISTS FOR (n:A) REQUIRE n.key IS UNIQUE");
	assert_string_equal(s[1], "CREATE INDEX b IF NOT EXISTS\r\n  FOR (n:B) ON (n.x)");
	assert_string_equal(s[2], "RETURN 'a;b' AS semicolon_inside");
	/* "; " before the line break is no delimiter; of ";;" the second is */
	assert_string_equal(s[3], "RETURN 1; RETURN 2;  \n// trailing comment only\nRETURN 3");
	assert_string_equal(s[4], "RETURN 4");
	assert_false(migration_is_comment(s[0]));
	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
	n = migration_split("// only\n// comments;\n", 21, &s);
	assert_int_equal(n, 1);
	assert_true(migration_is_comment(s[0]));
	free(s[0]);
	free(s);
}

static void test_checksum(void **state)
{
	char c[16];

	(void)state;
	/* The CRC-32 check value of "123456789" is 0xCBF43926. */
	migration_file_checksum("123456789", 9, c);
	assert_string_equal(c, "3421780262");
	/* One statement: its CRC, the ';' and the blanks around it left out. */
	migration_checksum("  123456789;\n", 13, c);
	assert_string_equal(c, "3421780262");
	/* Statements are concatenated: "1234" + "56789" */
	migration_checksum("1234;\n56789;\n", 13, c);
	assert_string_equal(c, "3421780262");
}

static void test_embedded_sorted(void **state)
{
	struct migration_set set;
	size_t i;

	(void)state;
	assert_int_equal(migrations_load(&set), 0);
	assert_true(set.n >= 1);
	assert_string_equal(set.items[0].version, "0001");
	/* What neo4j-migrations 2.17.3 recorded for this file (its `migrate`,
	 * run against the tests' Neo4j), and what pmeta 0.1 recorded. */
	assert_string_equal(set.items[0].checksum, "198269392");
	assert_string_equal(set.items[0].file_checksum, "4127402543");
	for (i = 1; i < set.n; i++)
		assert_true(migration_version_cmp(set.items[i - 1].version, set.items[i].version) < 0);
	migrations_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_version_order),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_embedded_sorted),
	};

	return cmocka_run_group_tests_name("migrate", tests, NULL, NULL);
}
