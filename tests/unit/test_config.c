/*
 * The config compiler and the planner's layering, without Neo4j: what inih
 * accepts, the derived order (rules 1-6), diagnostics with their lines,
 * Kahn stages, shards and commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/config.h"
#include "graph/plan.h"
#include "util/strbuf.h"
#include "util/strmap.h"

static struct config *compile(const char *text)
{
	struct config *cfg = NULL;

	config_parse(&cfg, "main.conf", text, strlen(text), "sche_001", "p_002_v_000");
	assert_non_null(cfg);
	return cfg;
}

static size_t step(const struct config *cfg, const char *name)
{
	size_t i;

	assert_true(strmap_get(&cfg->step_index, name, &i));
	return i;
}

/* 1 when step a runs (directly) after step b. */
static int after(const struct config *cfg, const char *a, const char *b)
{
	const struct config_step *st = &cfg->steps[step(cfg, a)];
	size_t i, j = step(cfg, b);

	for (i = 0; i < st->ndeps; i++)
		if (st->deps[i] == j)
			return 1;
	return 0;
}

/* The first error's "line: msg", or "" */
static char *first_error(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->ndiags; i++)
		if (cfg->diags[i].error)
			return xstrfmt("%zu: %s", cfg->diags[i].line, cfg->diags[i].msg);
	return xstrdup("");
}

static void assert_error(const char *text, const char *want)
{
	struct config *cfg = compile(text);
	char *got = first_error(cfg);

	if (!strstr(got, want))
		fail_msg("wanted '%s', got '%s'", want, got);
	free(got);
	config_free(cfg);
}

static struct plan *plan_of(const struct config *cfg)
{
	struct config_base base = { NULL, xstrdup("python"),
		xstrdup("{interpreter} ./{script} --sname={schedule} --prname={prname} --pr_version={pr_version}"), 0 };
	struct plan *plan = NULL;

	assert_int_equal(plan_from_config(&plan, "ws", cfg, &base, NULL), 0);
	config_base_release(&base);
	return plan;
}

static void test_inih_dialect(void **state)
{
	struct config *cfg = compile("\xEF\xBB\xBF# comment\r\n; another\r\n[a_v_000]\r\n"
				     "k=v\r\nspaced   =   x y  \r\nsemi = value ; comment\r\n"
				     "hash = value # kept\r\ncolon: c\r\nmulti = one\r\n  two\r\n\r\n"
				     "utf8 = caf\xC3\xA9\r\n");

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_int_equal(cfg->nsteps, 1);
	assert_int_equal(cfg->steps[0].line, 3);
	assert_string_equal(config_step_param(&cfg->steps[0], "k"), "v");
	assert_string_equal(config_step_param(&cfg->steps[0], "spaced"), "x y");
	assert_string_equal(config_step_param(&cfg->steps[0], "semi"), "value");
	assert_string_equal(config_step_param(&cfg->steps[0], "hash"), "value # kept");
	assert_string_equal(config_step_param(&cfg->steps[0], "colon"), "c");
	assert_string_equal(config_step_param(&cfg->steps[0], "multi"), "one two");
	assert_string_equal(config_step_param(&cfg->steps[0], "utf8"), "caf\xC3\xA9");
	assert_int_equal(cfg->steps[0].params[0].line, 4);
	assert_int_equal(cfg->steps[0].params[5].line, 9);
	assert_int_equal(cfg->steps[0].params[6].line, 12);
	config_free(cfg);
}

static void test_empty_sections_are_steps(void **state)
{
	struct config *cfg = compile("[a_v_000]\n[b_v_000]\n\n[c_v_000]\n");

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_int_equal(cfg->nsteps, 3);
	assert_int_equal(cfg->steps[2].line, 4);
	config_free(cfg);
}

static void test_errors_name_lines(void **state)
{
	(void)state;
	assert_error("k = 1\n[a]\n", "1: key 'k' outside a section");
	assert_error("[a]\nx = 1\nx = 2\n", "3: duplicate key 'x' in [a] (first at line 2)");
	assert_error("[a]\n[b]\n\n[a]\n", "4: duplicate section [a] (first at line 1)");
	assert_error("[a]\nno equals\n", "2: malformed line");
	assert_error("[a]\n[b c]\n", "2: section name 'b c' is not an identifier");
	assert_error("[9a]\n", "1: section name '9a' is not an identifier");
	assert_error("[a]\n[b\n", "2: malformed section header");
	assert_error("[a]\n[b]\nafter = a, zz\n", "3: after = zz: no step [zz]");
	assert_error("[a]\nafter = a\n", "2: after = a: a step cannot run after itself");
	assert_error("[a]\nmax_shard = 0\n", "2: max_shard = '0': not a positive integer");
	assert_error("[a]\nmax_shard = 2x\n", "2: max_shard = '2x'");
	assert_error("[a]\nmax_shard = -3\n", "2: max_shard = '-3'");
	assert_error("[a]\ntimeout = 1.5\n", "2: timeout = '1.5'");
	assert_error("[a]\nretries = -1\n", "2: retries = '-1'");
	assert_error("[a]\nlast_proc3_amend = p\n", "2: 'last_proc3_amend' without 'last_proc3'");
	assert_error("[a]\ndel_2_amend = p\n", "2: 'del_2_amend' without 'del_2'");
	assert_error("[a]\nkey = x\n", "2: 'key' is reserved");
	assert_error("[a]\nlast_proc1 = x\nlast_proc1_amend = a b\n", "3: last_proc1_amend = 'a b': not a folder name");
	assert_error("[a]\nreads = x,,y\n", "2: 'reads' has an empty item");
	assert_error("[a]\ncur_proc_to = /abs\n", "2: cur_proc_to = '/abs': not a dataset name");
}

/* Item 5 of issue 8: what used to pass check and vanish on import is refused, with its line. */
static void test_bad_input_refused(void **state)
{
	struct config *cfg;

	(void)state;
	assert_error("", "1: the config defines no step");
	assert_error("# only a comment\n; and another\n\n", "1: the config defines no step");
	assert_error("[a]\nk = caf\xE9\n", "2: invalid UTF-8: byte 0xe9 at column 8");
	assert_error("[a]\nk\xFF = v\n", "2: invalid UTF-8: byte 0xff at column 2");
	assert_error("# fine\n[a\xC3]\n", "2: invalid UTF-8: byte 0xc3 at column 3");
	assert_error("[a]\nlast_proc = d\xED\xA0\x80\n", "2: invalid UTF-8: byte 0xed");  /* a surrogate */
	assert_error("[a]\nk = \xC0\xAF\n", "2: invalid UTF-8: byte 0xc0");  /* overlong '/' */
	assert_error("[a]\nk = \xF4\x90\x80\x80\n", "2: invalid UTF-8: byte 0xf4");  /* > U+10FFFF */
	assert_error("[a]\nk = \xE2\x82", "2: invalid UTF-8: byte 0xe2");  /* cut at the end */
	/* Every bad line is named once; the reader still reports the rest. */
	cfg = compile("[a]\nk = \xFF\xFF\nafter = zz\n[b\xFF]\n");
	assert_int_equal(cfg->nerrors, 4);
	assert_int_equal(cfg->diags[0].line, 2);
	assert_int_equal(cfg->diags[1].line, 4);
	config_free(cfg);
	/* Valid text of every length passes untouched. */
	cfg = compile("[a]\nk = \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF\n");
	assert_int_equal(cfg->nerrors, 0);
	assert_string_equal(config_step_param(&cfg->steps[0], "k"),
			    "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF");
	config_free(cfg);
}

static void test_run_settings(void **state)
{
	struct config *cfg = compile("[a]\nmax_shard = 4\ntimeout = 90\nretries = 0\n[b]\n");

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_int_equal(cfg->steps[0].max_shard, 4);
	assert_int_equal(cfg->steps[0].timeout, 90);
	assert_int_equal(cfg->steps[0].retries, 0);
	assert_int_equal(cfg->steps[1].max_shard, 0);
	config_free(cfg);
}

static void test_rule1_readers_after_writers(void **state)
{
	struct config *cfg = compile("[c]\nlast_proc = b\n[b]\nlast_proc = a\n[a]\n"
				     "[d]\noutput_folder = out\n[e]\ncur_proc_to = out\n");

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_true(after(cfg, "c", "b"));
	assert_true(after(cfg, "b", "a"));
	assert_false(after(cfg, "c", "a"));   /* no transitive edges are made */
	assert_true(after(cfg, "d", "e"));
	config_free(cfg);
}

static void test_rule2_amend(void **state)
{
	struct config *cfg = compile("[pre]\n[p1]\nlast_proc = pre\n[p2]\nlast_proc = pre\n"
				     "[merge]\nlast_proc1 = pre\nlast_proc1_amend = predict\n");
	size_t d;

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_true(after(cfg, "merge", "p1"));
	assert_true(after(cfg, "merge", "p2"));
	assert_true(strmap_get(&cfg->dataset_index, "pre/predict", &d));
	/* merge reads pre itself? no: only the amend folder */
	assert_false(after(cfg, "merge", "pre"));
	assert_int_equal(cfg->ninputs, 0);
	config_free(cfg);
}

static void test_rule2_explicit_writer_wins(void **state)
{
	struct config *cfg = compile("[pre]\n[p1]\nlast_proc = pre\n[w]\ncur_proc_to = pre/predict\n"
				     "[merge]\nlast_proc1 = pre\nlast_proc1_amend = predict\n");

	(void)state;
	assert_true(after(cfg, "merge", "w"));
	assert_false(after(cfg, "merge", "p1"));
	config_free(cfg);
}

static void test_rule3_deletes_last(void **state)
{
	struct config *cfg = compile("[clean]\ndel_1 = a\ndel_1_amend = tmp\ndel_2 = b\n"
				     "[a]\ncur_proc_to = a/tmp\n[b]\n[c]\nlast_proc = b\n"
				     "[d]\nreads = b/part\n");
	struct plan *plan;

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_true(after(cfg, "clean", "a"));
	assert_true(after(cfg, "clean", "b"));
	assert_true(after(cfg, "clean", "c"));
	assert_true(after(cfg, "clean", "d"));   /* deletes b, d reads b/part */
	plan = plan_of(cfg);
	assert_int_equal(plan->steps[0].stage, plan->nstages - 1);
	plan_free(plan);
	config_free(cfg);
}

static void test_rule5_inputs(void **state)
{
	struct config *cfg = compile("[a]\nlast_proc = zeta\noutput_folder = alpha\n[b]\nreads = a, beta/x\n");

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_int_equal(cfg->ninputs, 3);
	assert_string_equal(cfg->datasets[cfg->inputs[0]].name, "alpha");
	assert_string_equal(cfg->datasets[cfg->inputs[1]].name, "beta/x");
	assert_string_equal(cfg->datasets[cfg->inputs[2]].name, "zeta");
	config_free(cfg);
}

static void test_rule6_cycle_named(void **state)
{
	struct config *cfg = compile("[b]\nafter = a\n[a]\nlast_proc = c\n\n[c]\nlast_proc = b\n");
	char *err = first_error(cfg);

	(void)state;
	assert_non_null(strstr(err, "1: cycle: b -> c -> a -> b"));
	assert_non_null(strstr(err, "main.conf:2: [b] runs after [a]: after = a"));
	assert_non_null(strstr(err, "main.conf:7: [c] runs after [b]: reads 'b', which [b] writes"));
	assert_non_null(strstr(err, "main.conf:4: [a] runs after [c]: reads 'c', which [c] writes"));
	free(err);
	config_free(cfg);
}

static void test_two_step_cycle(void **state)
{
	(void)state;
	assert_error("[a]\nafter = b\n[b]\nafter = a\n", "1: cycle: a -> b -> a");
}

static void test_kahn_layers_and_order(void **state)
{
	/* Stage = 1 + deepest predecessor; config order within a stage. */
	struct config *cfg = compile("[d]\nlast_proc1 = b\nlast_proc2 = c\n[c]\nlast_proc = a\n"
				     "[b]\nlast_proc = a\n[a]\n[e]\nafter = a, d\n[f]\n");
	struct plan *plan = plan_of(cfg);

	(void)state;
	assert_int_equal(plan->nstages, 4);
	assert_int_equal(plan->stages[0].njobs, 2);
	assert_string_equal(plan->steps[plan->jobs[plan->stages[0].jobs[0]].step].name, "a");
	assert_string_equal(plan->steps[plan->jobs[plan->stages[0].jobs[1]].step].name, "f");
	assert_string_equal(plan->steps[plan->jobs[plan->stages[1].jobs[0]].step].name, "c");
	assert_string_equal(plan->steps[plan->jobs[plan->stages[1].jobs[1]].step].name, "b");
	assert_int_equal(plan->steps[step(cfg, "d")].stage, 2);
	assert_int_equal(plan->steps[step(cfg, "e")].stage, 3);
	plan_free(plan);
	config_free(cfg);
}

static void test_shards_and_commands(void **state)
{
	struct config *cfg = compile("[proc_004_v_012]\nmax_shard = 3\n");
	struct plan *plan = plan_of(cfg);

	(void)state;
	assert_int_equal(plan->njobs, 3);
	assert_int_equal(plan->nstages, 1);
	assert_int_equal(plan->jobs[2].shard, 2);
	assert_string_equal(plan->jobs[0].command,
			    "python ./sche_001/pys/proc_004_v_012.py --sname=sche_001 --prname=002 "
			    "--pr_version=000 --shard=0 --max_shard=3");
	plan_free(plan);
	config_free(cfg);
}

static void test_template_quotes_params(void **state)
{
	struct config *cfg = compile("[a_v_000]\nlang = fr ja\nq = it's\n");
	struct config_base base = { NULL, xstrdup("python3 -u"), xstrdup("{interpreter} {script} {lang} {q} {{x}}"), 0 };
	struct plan_options opts = { 0, "force now", NULL, NULL };
	struct plan *plan = NULL;

	(void)state;
	assert_int_equal(plan_from_config(&plan, "ws", cfg, &base, &opts), 0);
	assert_string_equal(plan->jobs[0].command,
			    "python3 -u sche_001/pys/a_v_000.py 'fr ja' 'it'\\''s' {x} '--run_mode=force now'");
	/* With a workspace, the plan's keys are the graph's (graph/keys.h). */
	assert_string_equal(plan->process_key, "ws/sche_001/p_002_v_000");
	assert_string_equal(plan->steps[0].key, "ws/sche_001/p_002_v_000/a_v_000");
	assert_string_equal(plan->steps[0].procedure_key, "ws/sche_001/a_v_000");
	plan_free(plan);
	config_base_release(&base);
	config_free(cfg);
}

static void test_procedure_key(void **state)
{
	struct config *cfg = compile("[split]\nprocedure = algo_split_v_000\n"
				     "[lr]\nprocedure = algo_model_v_001\nlast_proc = split\n"
				     "[gbdt]\nprocedure = algo_model_v_001\nlast_proc = split\n"
				     "[proc_004_v_000]\nlast_proc1 = lr\nlast_proc2 = gbdt\n");
	const struct config_step *lr;
	struct plan *plan;
	size_t d;

	(void)state;
	assert_int_equal(cfg->ndiags, 0);  /* no warning about the free names */
	lr = &cfg->steps[step(cfg, "lr")];
	assert_string_equal(lr->procedure, "algo_model_v_001");
	assert_int_equal(lr->procedure_line, 4);
	assert_string_equal(lr->family, "algo_model");
	assert_string_equal(lr->version, "001");
	/* The old rule when the section names its procedure. */
	assert_string_equal(cfg->steps[3].procedure, "proc_004_v_000");
	assert_int_equal(cfg->steps[3].procedure_line, 0);
	/* Own datasets are named after the steps: both models write their own. */
	assert_true(strmap_get(&cfg->dataset_index, "lr", &d));
	assert_true(strmap_get(&cfg->dataset_index, "gbdt", &d));
	assert_false(strmap_get(&cfg->dataset_index, "algo_model_v_001", &d));
	assert_true(after(cfg, "proc_004_v_000", "lr"));
	assert_true(after(cfg, "proc_004_v_000", "gbdt"));
	assert_false(after(cfg, "gbdt", "lr"));
	plan = plan_of(cfg);
	assert_string_equal(plan->steps[2].procedure, "algo_model_v_001");
	assert_string_equal(plan->steps[2].script, "sche_001/pys/algo_model_v_001.py");
	assert_string_equal(plan->steps[1].procedure_key, "ws/sche_001/algo_model_v_001");
	assert_string_equal(plan->steps[1].key, "ws/sche_001/p_002_v_000/lr");
	assert_int_equal(plan->steps[1].stage, plan->steps[2].stage);
	plan_free(plan);
	config_free(cfg);
	assert_error("[a]\nprocedure = a-b_v_000\n", "2: procedure = 'a-b_v_000': not a procedure version name");
	assert_error("[a]\nprocedure = x_v_12\n", "2: procedure = 'x_v_12': not a procedure version name");
}

static void test_large_chain(void **state)
{
	/* 20,000 steps in a chain: the DFS and layering are iterative. */
	struct strbuf sb = STRBUF_INIT;
	struct config *cfg;
	struct plan *plan;
	size_t i;

	(void)state;
	strbuf_addstr(&sb, "[s0]\n");
	for (i = 1; i < 20000; i++)
		strbuf_addf(&sb, "[s%zu]\nlast_proc = s%zu\n", i, i - 1);
	cfg = compile(sb.buf);
	assert_int_equal(cfg->nerrors, 0);
	plan = plan_of(cfg);
	assert_int_equal(plan->nstages, 20000);
	plan_free(plan);
	config_free(cfg);
	strbuf_release(&sb);
}


/* plan_write_json prints what json_dumpf of plan_to_json prints, byte for byte. */
static void assert_json_same(const struct plan *plan)
{
	json_t *j = plan_to_json(plan);
	char *want = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER), *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	assert_non_null(f);
	assert_int_equal(plan_write_json(plan, f), 0);
	fclose(f);
	assert_string_equal(got, want);
	free(got);
	free(want);
	json_decref(j);
}

static void test_json_written_as_jansson_would(void **state)
{
	struct config *cfg = compile("[a_v_000]\nlast_proc = input1\nq = it's\n"
				     "[b_v_000]\nlast_proc = a_v_000\nmax_shard = 3\n"
				     "[c_v_000]\nlast_proc = other\n");
	struct config_base base = { NULL, xstrdup("py \"x\" \\ caf\xC3\xA9 \x01\x1f\t\x7f"),
				    xstrdup("echo {step} / {interpreter}"), 0 };
	struct plan *plan = NULL;
	struct config *empty;

	(void)state;
	assert_int_equal(cfg->nerrors, 0);
	assert_int_equal(plan_from_config(&plan, "ws", cfg, &base, NULL), 0);
	/* Inputs, shards, nulls, quotes, backslashes, control bytes, UTF-8. */
	assert_int_equal(plan->ninputs, 2);
	assert_json_same(plan);
	plan_free(plan);
	config_base_release(&base);
	config_free(cfg);
	/* No inputs: empty arrays print as []. */
	cfg = compile("[a_v_000]\n");
	plan = plan_of(cfg);
	assert_int_equal(plan->ninputs, 0);
	assert_json_same(plan);
	plan_free(plan);
	config_free(cfg);
	/* A step left out, priorities: left_out and each job's priority. */
	cfg = compile("[a_v_000]\npriority = 5\n[b_v_000]\nlast_proc = a_v_000\nenabled = false\n");
	plan = plan_of(cfg);
	assert_int_equal(plan->nleft_out, 1);
	assert_json_same(plan);
	plan_free(plan);
	config_free(cfg);
	/* No stages at all. */
	empty = compile("# nothing\n");
	plan = NULL;
	{
		struct config_base b = { NULL, xstrdup("python"), xstrdup("{script}"), 0 };

		assert_int_equal(plan_from_config(&plan, "ws", empty, &b, NULL), 0);
		config_base_release(&b);
	}
	assert_int_equal(plan->nstages, 0);
	assert_json_same(plan);
	plan_free(plan);
	config_free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inih_dialect),
		cmocka_unit_test(test_empty_sections_are_steps),
		cmocka_unit_test(test_errors_name_lines),
		cmocka_unit_test(test_bad_input_refused),
		cmocka_unit_test(test_run_settings),
		cmocka_unit_test(test_rule1_readers_after_writers),
		cmocka_unit_test(test_rule2_amend),
		cmocka_unit_test(test_rule2_explicit_writer_wins),
		cmocka_unit_test(test_rule3_deletes_last),
		cmocka_unit_test(test_rule5_inputs),
		cmocka_unit_test(test_rule6_cycle_named),
		cmocka_unit_test(test_two_step_cycle),
		cmocka_unit_test(test_kahn_layers_and_order),
		cmocka_unit_test(test_shards_and_commands),
		cmocka_unit_test(test_template_quotes_params),
		cmocka_unit_test(test_procedure_key),
		cmocka_unit_test(test_large_chain),
		cmocka_unit_test(test_json_written_as_jansson_would),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
