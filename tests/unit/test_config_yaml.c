/*
 * The YAML reader (graph/config_yaml.c) into the one config model: the ML
 * platform's DAG (tests/fixtures/dag/platform.yaml), steps and procedures
 * from operators, datasets from ports, typed values, and every error with
 * its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/config_build.h"
#include "graph/plan.h"
#include "util/strbuf.h"
#include "util/strmap.h"

static struct config *compile_yaml_n(const char *text, size_t len)
{
	struct config *cfg = NULL;

	config_compile(&cfg, config_reader_for("dag.yaml"), "dag.yaml", text, len, "sche_001",
		       "p_010_v_000");
	assert_non_null(cfg);
	return cfg;
}

static struct config *compile_yaml(const char *text)
{
	return compile_yaml_n(text, strlen(text));
}

static struct config *fixture(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct config *cfg;

	if (strbuf_read_file(&sb, "tests/fixtures/dag/platform.yaml") < 0)
		fail_msg("cannot read the fixture (run from the top of the tree)");
	cfg = compile_yaml_n(sb.buf, sb.len);
	strbuf_release(&sb);
	return cfg;
}

static const struct config_step *step(const struct config *cfg, const char *name)
{
	size_t i;

	if (!strmap_get(&cfg->step_index, name, &i))
		fail_msg("no step %s", name);
	return &cfg->steps[i];
}

static const struct config_param *param(const struct config_step *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->nparams; i++)
		if (!strcmp(st->params[i].key, key))
			return &st->params[i];
	fail_msg("step %s has no key %s", st->name, key);
	return NULL;
}

/* Every error as "line: msg", one a line. */
static char *errors(const struct config *cfg)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < cfg->ndiags; i++)
		if (cfg->diags[i].error)
			strbuf_addf(&sb, "%zu: %s\n", cfg->diags[i].line, cfg->diags[i].msg);
	return strbuf_detach(&sb, NULL);
}

static void assert_error(const char *text, const char *want)
{
	struct config *cfg = compile_yaml(text);
	char *got = errors(cfg);

	if (!strstr(got, want))
		fail_msg("wanted '%s', got '%s'", want, got);
	free(got);
	config_free(cfg);
}

#define READ "read_1"
#define SPLIT "split_2"
#define LR "algo_local_model_lr_46_1517360836725"
#define GBDT "algo_local_model_gbdt_47_1517360836731"

static void test_platform_dag(void **state)
{
	struct config *cfg = fixture();
	struct config_base base = { NULL, xstrdup("python"),
		xstrdup("{interpreter} ./{script} --sname={schedule} --prname={prname} --pr_version={pr_version}"), 0 };
	const struct config_step *gbdt;
	const struct config_param *x;
	struct plan *plan = NULL;
	size_t i;
	static const char *const order[][2] = {
		{ "algo_local_read_data_12_1517360836700", NULL },
		{ "algo_local_split_data_45_1517360836712", NULL },
		{ LR, GBDT },
		{ "algo_local_predict_48_1517360836740", NULL },
		{ "algo_local_eval_49_1517360836752", NULL },
	};

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_int_equal(cfg->nsteps, 6);
	assert_string_equal(cfg->description,
			    "Credit default: two models after one split, compared on the held-out part.\n"
			    "Saved by the ML platform's DAG editor (operator_list, operator_rels,\n"
			    "operator_details); pmeta reads it as process p_010_v_000.");
	gbdt = step(cfg, GBDT);
	/* The procedure: algo_name without a version is its version 000. */
	assert_string_equal(gbdt->procedure, "algo_local_model_gbdt_v_000");
	assert_string_equal(gbdt->family, "algo_local_model_gbdt");
	assert_string_equal(gbdt->version, "000");
	assert_string_equal(gbdt->procedure_key, "algo_name");
	assert_int_equal(gbdt->line, 76);
	/* Datasets by port, no dataset named after the step. */
	assert_int_equal(gbdt->nio, 2);
	assert_string_equal(cfg->datasets[gbdt->io[0].dataset].name,
			    "algo_local_split_data_45_1517360836712/out0");
	assert_int_equal(gbdt->io[0].kind, CONFIG_READS);
	assert_string_equal(cfg->datasets[gbdt->io[1].dataset].name, GBDT "/out0");
	assert_int_equal(gbdt->io[1].kind, CONFIG_WRITES);
	assert_string_equal(param(step(cfg, "algo_local_split_data_45_1517360836712"), "outputs")->value,
			    "algo_local_split_data_45_1517360836712/out0,algo_local_split_data_45_1517360836712/out1");
	assert_string_equal(param(step(cfg, "algo_local_predict_48_1517360836740"), "inputs")->value,
			    LR "/out0," GBDT "/out0,algo_local_split_data_45_1517360836712/out1");
	/* Keys keep their YAML types; a 23-column list has no length limit. */
	x = param(gbdt, "x_cols");
	assert_true(json_is_array(x->typed));
	assert_int_equal(json_array_size(x->typed), 23);
	assert_string_equal(json_string_value(json_array_get(x->typed, 22)), "PAY_AMT6");
	assert_int_equal(strlen(x->value), 186);
	assert_true(json_is_integer(param(gbdt, "max_depth")->typed));
	assert_true(json_is_real(param(gbdt, "learning_rate")->typed));
	assert_true(json_is_false(param(gbdt, "early_stopping")->typed));
	assert_true(json_is_null(param(step(cfg, LR), "class_weight")->typed));
	assert_string_equal(param(step(cfg, LR), "class_weight")->value, "");
	assert_string_equal(param(gbdt, "cn_name")->value, "GBDT\xE4\xBA\x8C\xE5\x88\x86\xE7\xB1\xBB");
	assert_string_equal(param(gbdt, "type")->value, "model");
	assert_string_equal(param(gbdt, "data_type")->value, "model");
	assert_int_equal(json_integer_value(param(gbdt, "coordinate_x")->typed), 588);
	assert_int_equal(json_integer_value(param(gbdt, "coordinate_y")->typed), 290);
	assert_string_equal(param(gbdt, "algo_name")->value, "algo_local_model_gbdt");

	/* read, split, {LR, GBDT}, predict, eval */
	assert_int_equal(plan_from_config(&plan, "ws", cfg, &base, NULL), 0);
	assert_int_equal(plan->nstages, 5);
	for (i = 0; i < 5; i++) {
		const struct plan_stage *s = &plan->stages[i];

		assert_int_equal(s->njobs, order[i][1] ? 2 : 1);
		assert_string_equal(plan->steps[plan->jobs[s->jobs[0]].step].name, order[i][0]);
		if (order[i][1])
			assert_string_equal(plan->steps[plan->jobs[s->jobs[1]].step].name, order[i][1]);
	}
	plan_free(plan);
	config_base_release(&base);
	config_free(cfg);
}

#define HEAD "dag:\n  operator_list: [a, b]\n"

static void test_versions_and_twice(void **state)
{
	struct config *cfg = compile_yaml(
		"dag:\n"
		"  operator_list: [split, m1, m2]\n"
		"  operator_rels:\n"
		"    split:\n"
		"    - {target: m1, source_index: 0, target_index: 0}\n"
		"    - {target: m2, source_index: 0, target_index: 0}\n"
		"  operator_details:\n"
		"    split: {algo_name: algo_split_v_012}\n"
		"    m1: {algo_name: algo_gbdt, params: {depth: 3}}\n"
		"    m2: {algo_name: algo_gbdt, params: {depth: 5}}\n");

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_string_equal(step(cfg, "split")->procedure, "algo_split_v_012");
	assert_string_equal(step(cfg, "m1")->procedure, "algo_gbdt_v_000");
	assert_string_equal(step(cfg, "m2")->procedure, "algo_gbdt_v_000");
	assert_int_equal(step(cfg, "m2")->ndeps, 1);
	config_free(cfg);
}

static void test_core_schema(void **state)
{
	struct config *cfg = compile_yaml(
		"dag:\n  operator_list: [a]\n  operator_details:\n    a:\n      algo_name: x\n"
		"      params:\n"
		"        t: True\n        f: FALSE\n        yes_is_text: yes\n        n: ~\n"
		"        i: -12\n        hex: 0x1F\n        oct: 0o17\n        fl: 1.5e3\n"
		"        inf: .inf\n        quoted: \"12\"\n        tagged: !!str 7\n"
		"        forced: !!float 3\n        mixed: [1, 2.5]\n        nested: {k: [1, null]}\n"
		"        holes: [a, null]\n        empty: []\n        big: 123456789012345678901234\n");
	const struct config_step *a;

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	a = step(cfg, "a");
	assert_true(json_is_true(param(a, "t")->typed));
	assert_string_equal(param(a, "t")->value, "True");
	assert_true(json_is_false(param(a, "f")->typed));
	assert_true(json_is_string(param(a, "yes_is_text")->typed));
	assert_true(json_is_null(param(a, "n")->typed));
	assert_int_equal(json_integer_value(param(a, "i")->typed), -12);
	assert_int_equal(json_integer_value(param(a, "hex")->typed), 31);
	assert_int_equal(json_integer_value(param(a, "oct")->typed), 15);
	assert_true(json_real_value(param(a, "fl")->typed) == 1500.0);
	assert_true(json_is_string(param(a, "inf")->typed));
	assert_true(json_is_string(param(a, "quoted")->typed));
	assert_string_equal(json_string_value(param(a, "tagged")->typed), "7");
	assert_true(json_is_real(param(a, "forced")->typed));
	/* A list of numbers is floats when any is one; what Neo4j cannot hold is JSON text. */
	assert_true(json_is_real(json_array_get(param(a, "mixed")->typed, 0)));
	assert_string_equal(param(a, "mixed")->value, "1,2.5");
	assert_string_equal(json_string_value(param(a, "nested")->typed), "{\"k\":[1,null]}");
	assert_string_equal(param(a, "holes")->value, "[\"a\",null]");
	assert_int_equal(json_array_size(param(a, "empty")->typed), 0);
	assert_true(json_is_string(param(a, "big")->typed));
	config_free(cfg);
}

static void test_keys_have_meanings(void **state)
{
	struct config *cfg = compile_yaml(
		"dag:\n  operator_list: [a]\n  operator_details:\n    a:\n      algo_name: x\n"
		"      is_enable: false\n      params: {priority: 7, max_shard: 3}\n");

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_true(step(cfg, "a")->disabled);
	assert_int_equal(step(cfg, "a")->disabled_line, 6);
	assert_int_equal(step(cfg, "a")->priority, 7);
	assert_int_equal(step(cfg, "a")->max_shard, 3);
	config_free(cfg);
}

static void test_errors_name_lines(void **state)
{
	(void)state;
	assert_error("- a\n- b\n", "1: the file is a list, not a mapping with 'dag:'");
	assert_error("just text\n", "1: the file is a scalar");
	assert_error("", "1: empty: no 'dag:' mapping");
	assert_error("# only a comment\n", "1: empty");
	assert_error("other: 1\n", "1: no 'dag:' in the file");
	assert_error("dag: [a]\n", "1: 'dag' is a list, not a mapping");
	assert_error("dag:\n  operator_details: {}\n", "2: no 'operator_list:' in 'dag'");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {cn_name: y}\n",
		     "5: operator 'b' has no algo_name");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n",
		     "2: operator 'b' has no operator_details");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n    c: {algo_name: z}\n",
		     "6: operator_details: unknown node 'c'");
	assert_error("dag:\n  operator_list:\n  - a\n  - b\n  - a\n  operator_details: {a: {algo_name: x}, b: {algo_name: y}}\n",
		     "5: duplicate node id 'a' in operator_list (first at line 3)");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    a:\n    - {target: zz, source_index: 0, target_index: 0}\n",
		     "8: rel from 'a' to unknown node 'zz'");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    q:\n    - {target: a, source_index: 0, target_index: 0}\n",
		     "7: operator_rels: unknown node 'q'");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    a:\n    - {target: b, source_index: 0, target_index: 0}\n"
		     "    b:\n    - {target: a, source_index: 0, target_index: 0}\n",
		     "4: cycle: a -> b -> a\n  dag.yaml:8: [b] runs after [a]: reads 'a/out0', which [a] writes\n"
		     "  dag.yaml:10: [a] runs after [b]: reads 'b/out0', which [b] writes");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    a:\n    - {target: a, source_index: 0, target_index: 0}\n",
		     "8: cycle: a -> a: the operator feeds itself");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    a:\n    - {target: b, source_index: 100, target_index: 0}\n",
		     "8: source_index = '100' is out of range: a port is an integer in 0..99");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    a:\n    - {target: b, source_index: 0, target_index: -1}\n",
		     "8: target_index = '-1' is out of range");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    a:\n    - {target: b, source_index: 0}\n",
		     "8: a rel of 'a' has no target_index");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x}\n    b: {algo_name: y}\n"
		     "  operator_rels:\n    a:\n    - {target: b, source_index: 0, target_index: 0}\n"
		     "    - {target: b, source_index: 1, target_index: 0}\n",
		     "9: input port 0 of 'b' is fed twice: from a/out0 and a/out1 (first at line 8)");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x, cn_name: p, cn_name: q}\n    b: {algo_name: y}\n",
		     "4: duplicate key 'cn_name' (first at line 4)");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x, type: t, params: {type: u}}\n    b: {algo_name: y}\n",
		     "4: duplicate key 'type' in operator 'a' (first at line 4)");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x, params: {name: n}}\n    b: {algo_name: y}\n",
		     "4: 'name' is reserved");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x, params: {procedure: p_v_000}}\n    b: {algo_name: y}\n",
		     "4: 'procedure' in a DAG operator");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x-y}\n    b: {algo_name: y}\n",
		     "4: algo_name 'x-y' of 'a' is not an identifier");
	assert_error("dag:\n  operator_list: [a-1]\n", "2: node id 'a-1' is not an identifier");
	assert_error(HEAD "  operator_details:\n    a: &d {algo_name: x}\n    b: *d\n",
		     "5: alias *d: anchors and aliases are not supported");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x\n", "invalid YAML");
	assert_error("dag:\n  operator_list: [a]\n  operator_details:\n    a: {algo_name: caf\xC3}\n",
		     "4: invalid UTF-8: byte 0xc3 at column 23");
	assert_error("dag:\n  operator_list: [a]\n  operator_details:\n    a: {algo_name: \xFF}\n",
		     "4: invalid UTF-8: byte 0xff at column 20");
	assert_error("dag: {}\n---\ndag: {}\n", "2: a second YAML document");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x, enabled: maybe}\n    b: {algo_name: y}\n",
		     "4: enabled = 'maybe': not true or false");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x, priority: high}\n    b: {algo_name: y}\n",
		     "4: priority = 'high': not an integer");
	assert_error(HEAD "  operator_details:\n    a: {algo_name: x, coordinate: [1, 2]}\n    b: {algo_name: y}\n",
		     "4: coordinate of 'a' is not {x: ..., y: ...}");
}

/* Nothing here may leak or read out of bounds (ASan): deep and odd input. */
static void test_hostile_input(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct config *cfg;
	int i;

	(void)state;
	strbuf_addstr(&sb, "dag:\n  operator_list: [a]\n  operator_details:\n    a:\n      algo_name: x\n"
		      "      params:\n        deep: ");
	for (i = 0; i < 200; i++)
		strbuf_addch(&sb, '[');
	for (i = 0; i < 200; i++)
		strbuf_addch(&sb, ']');
	strbuf_addch(&sb, '\n');
	cfg = compile_yaml(sb.buf);
	assert_true(cfg->nerrors > 0);
	config_free(cfg);
	strbuf_release(&sb);
	cfg = compile_yaml_n("dag:\0x", 6);
	assert_true(cfg->nerrors > 0);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_platform_dag),
		cmocka_unit_test(test_versions_and_twice),
		cmocka_unit_test(test_core_schema),
		cmocka_unit_test(test_keys_have_meanings),
		cmocka_unit_test(test_errors_name_lines),
		cmocka_unit_test(test_hostile_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
