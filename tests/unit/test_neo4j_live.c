/*
 * The client against the real Neo4j named by NEO4J_URI (tests/run.sh
 * exports build/neo4j/env): explicit transactions commit and roll back,
 * a failed statement keeps Neo4j's code, and one process uses one
 * keep-alive connection. Skipped when no Neo4j is configured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "graph/neo4j.h"
#include "util/err.h"
#include "util/strbuf.h"

static struct neo4j *db;
static char tag[64];

static long count_tagged(void)
{
	json_t *res = NULL;
	long n;

	assert_int_equal(neo4j_query(db, &res, "MATCH (n:PmetaClientTest {tag: $tag}) RETURN count(n) AS n",
				     json_pack("{ss}", "tag", tag)), 0);
	n = (long)json_integer_value(neo4j_cell(res, 0, "n"));
	json_decref(res);
	return n;
}

static int setup(void **state)
{
	struct neo4j_config cfg;

	(void)state;
	if (!getenv("NEO4J_URI") || !getenv("NEO4J_PASSWORD"))
		return 0;
	if (neo4j_config_from_env(&cfg) < 0 || neo4j_open(&db, &cfg) < 0)
		return -1;
	neo4j_config_release(&cfg);
	snprintf(tag, sizeof(tag), "t%ld", (long)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (db)
		neo4j_query(db, NULL, "MATCH (n:PmetaClientTest {tag: $tag}) DELETE n", json_pack("{ss}", "tag", tag));
	neo4j_free(db);
	return 0;
}

static void test_tx_rollback_and_commit(void **state)
{
	struct neo4j_tx *tx = NULL;
	json_t *res = NULL;

	(void)state;
	if (!db)
		skip();
	assert_int_equal(neo4j_tx_begin(db, &tx), 0);
	assert_int_equal(neo4j_tx_query(tx, &res, "CREATE (n:PmetaClientTest {tag: $tag, i: 1}) RETURN n.i AS i",
					json_pack("{ss}", "tag", tag)), 0);
	assert_int_equal(neo4j_stat(res, "nodes_created"), 1);
	json_decref(res);
	/* Not visible outside the open transaction. */
	assert_int_equal(count_tagged(), 0);
	neo4j_tx_rollback(tx);
	assert_int_equal(count_tagged(), 0);

	assert_int_equal(neo4j_tx_begin(db, &tx), 0);
	assert_int_equal(neo4j_tx_query(tx, NULL, "CREATE (:PmetaClientTest {tag: $tag, i: 2})",
					json_pack("{ss}", "tag", tag)), 0);
	assert_int_equal(neo4j_tx_query(tx, NULL, "CREATE (:PmetaClientTest {tag: $tag, i: 3})",
					json_pack("{ss}", "tag", tag)), 0);
	assert_int_equal(neo4j_tx_commit(tx, NULL, NULL), 0);
	assert_int_equal(count_tagged(), 2);
}

static void test_failed_statement_rolls_back_batch(void **state)
{
	json_t *stmts = json_array();

	(void)state;
	if (!db)
		skip();
	json_array_append_new(stmts, neo4j_stmt("CREATE (:PmetaClientTest {tag: $tag, i: 9})",
						 json_pack("{ss}", "tag", tag)));
	json_array_append_new(stmts, neo4j_stmt("RETURN 1/0 AS boom", NULL));
	assert_int_equal(neo4j_commit(db, NULL, stmts), -1);
	json_decref(stmts);
	assert_string_equal(neo4j_last_code(db), "Neo.ClientError.Statement.ArithmeticError");
	assert_int_equal(pm_error_class(), PM_ENEO4J);
	/* One transaction: the first statement's node is gone with it. */
	assert_int_equal(count_tagged(), 2);
}

static void test_failed_statement_in_tx(void **state)
{
	struct neo4j_tx *tx = NULL;

	(void)state;
	if (!db)
		skip();
	assert_int_equal(neo4j_tx_begin(db, &tx), 0);
	assert_int_equal(neo4j_tx_query(tx, NULL, "CREATE (:PmetaClientTest {tag: $tag, i: 4})",
					json_pack("{ss}", "tag", tag)), 0);
	assert_int_equal(neo4j_tx_query(tx, NULL, "RETRUN 1", NULL), -1);
	assert_string_equal(neo4j_last_code(db), "Neo.ClientError.Statement.SyntaxError");
	/* Neo4j rolled the transaction back; committing it now fails. */
	assert_int_equal(neo4j_tx_commit(tx, NULL, NULL), -1);
	assert_int_equal(count_tagged(), 2);
}

static void test_parameters_carry_any_text(void **state)
{
	json_t *res = NULL;
	const char *nasty = "x'}) DETACH DELETE n //\" \\ ünïcødé";

	(void)state;
	if (!db)
		skip();
	assert_int_equal(neo4j_query(db, &res, "RETURN $v AS v", json_pack("{ss}", "v", nasty)), 0);
	assert_string_equal(json_string_value(neo4j_cell(res, 0, "v")), nasty);
	json_decref(res);
}

static void test_keep_alive(void **state)
{
	struct neo4j_config cfg;
	struct neo4j *one = NULL;
	int i;

	(void)state;
	if (!db)
		skip();
	assert_int_equal(neo4j_config_from_env(&cfg), 0);
	assert_int_equal(neo4j_open(&one, &cfg), 0);
	neo4j_config_release(&cfg);
	for (i = 0; i < 25; i++)
		assert_int_equal(neo4j_query(one, NULL, "RETURN 1", NULL), 0);
	assert_int_equal(neo4j_request_count(one), 25);
	assert_int_equal(neo4j_connect_count(one), 1);
	neo4j_free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_rollback_and_commit),
		cmocka_unit_test(test_failed_statement_rolls_back_batch),
		cmocka_unit_test(test_failed_statement_in_tx),
		cmocka_unit_test(test_parameters_carry_any_text),
		cmocka_unit_test(test_keep_alive),
	};
	int ret;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	ret = cmocka_run_group_tests_name("neo4j_live", tests, setup, teardown);
	curl_global_cleanup();
	return ret;
}
