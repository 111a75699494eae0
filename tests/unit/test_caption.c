/*
 * Node captions (graph/caption.h): the words Neo4j Browser draws, each at
 * most CAPTION_WORD_MAX characters, versions told apart by their digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/caption.h"

static void expect_caption(const char *name, const char *want)
{
	char *got = caption_of(name);

	assert_string_equal(got, want);
	free(got);
}

static void test_versions(void **state)
{
	(void)state;
	expect_caption("proc_004_v_001", "proc_004 v_001");
	expect_caption("proc_004_v_010", "proc_004 v_010");
	expect_caption("p_002_v_000", "p_002 v_000");
	expect_caption("train_v_000", "train v_000");
	/* the last _v_ splits, as everywhere (vcs/version.h) */
	expect_caption("algo_local_model_gbdt_v_000", "model_gbdt v_000");
	expect_caption("a_v_b_v_123", "a_v_b v_123");
	/* a dataset named after a version, and its amend subfolder */
	expect_caption("proc_001_v_000", "proc_001 v_000");
	expect_caption("proc_001_v_000/predict", "predict");
	expect_caption("proc_001_v_000/p_002_v_003", "p_002 v_003");
}

static void test_other_names(void **state)
{
	(void)state;
	expect_caption("sche_001", "sche_001");
	expect_caption("model_gbdt", "model_gbdt");
	expect_caption("schema_input", "schema_input");          /* 12: whole */
	expect_caption("schema_outputs", "outputs");             /* 14: trailing parts */
	expect_caption("features_for_training_set", "training_set");
	expect_caption("preprocessing", "preprocessin");      /* one long part: its start */
	expect_caption("prepare_normalisation", "normalisatio");
	expect_caption("trailing_underscore_", "trailing_und");
	expect_caption("", "");
	expect_caption("a/", "a/");
	expect_caption("proc_004_v_01", "004_v_01");             /* not a version: 13 chars */
}

static void test_word_length(void **state)
{
	static const char *const names[] = {
		"proc_004_v_001", "algo_local_model_gbdt_v_000", "x_y_z_w_very_long_family_name_v_999",
		"aaaaaaaaaaaaaaaaaaaaaaaaa", "proc_001_v_000/predict", "_", "__", "_a_", NULL
	};
	size_t i;

	(void)state;
	for (i = 0; names[i]; i++) {
		char *c = caption_of(names[i]), *word;

		for (word = strtok(c, " "); word; word = strtok(NULL, " "))
			assert_true(strlen(word) <= CAPTION_WORD_MAX);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_other_names),
		cmocka_unit_test(test_word_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
