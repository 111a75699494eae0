/*
 * The Slurm settings of steps and base.conf (graph/slurm_keys.h): what each
 * accepts, and slurm_extra's split into sbatch arguments, which must never
 * give sbatch a script of the config's choosing, swallow one of pmeta's own
 * options or override the ones pmeta sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/slurm_keys.h"
#include "util/err.h"
#include "util/strbuf.h"

static int valid(enum slurm_key k, const char *value)
{
	char *why = slurm_key_check(k, value);

	free(why);
	return why == NULL;
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(slurm_key_find("slurm_partition"), SLURM_PARTITION);
	assert_int_equal(slurm_key_find("slurm_extra"), SLURM_EXTRA);
	assert_int_equal(slurm_key_find("slurm_partiton"), -1);
	assert_int_equal(slurm_key_find("partition"), -1);
}

static void test_values(void **state)
{
	(void)state;
	assert_true(valid(SLURM_PARTITION, "main"));
	assert_true(valid(SLURM_PARTITION, "gpu,cpu-long"));
	assert_false(valid(SLURM_PARTITION, "a b"));
	assert_false(valid(SLURM_PARTITION, "a,"));
	assert_false(valid(SLURM_PARTITION, "a;rm"));
	assert_true(valid(SLURM_ACCOUNT, "lab_01"));
	assert_false(valid(SLURM_ACCOUNT, "lab,01"));
	assert_true(valid(SLURM_CPUS, "1"));
	assert_true(valid(SLURM_CPUS, "64"));
	assert_false(valid(SLURM_CPUS, "0"));
	assert_false(valid(SLURM_CPUS, "-2"));
	assert_false(valid(SLURM_CPUS, "4 "));
	assert_false(valid(SLURM_CPUS, "100001"));
	assert_true(valid(SLURM_MEM, "4000"));
	assert_true(valid(SLURM_MEM, "16G"));
	assert_true(valid(SLURM_MEM, "512m"));
	assert_false(valid(SLURM_MEM, "16GB"));
	assert_false(valid(SLURM_MEM, "G"));
	assert_false(valid(SLURM_MEM, "lots"));
}

static void test_executor(void **state)
{
	char *why;

	(void)state;
	assert_null(executor_name_check("local"));
	assert_null(executor_name_check("slurm"));
	why = executor_name_check("Slurm");
	assert_non_null(why);
	assert_string_equal(why, "'Slurm' is not an executor (local or slurm)");
	free(why);
}

static void test_extra_split(void **state)
{
	char **w;
	size_t n;

	(void)state;
	assert_int_equal(slurm_extra_split("  --qos=high\t-N1  --exclusive ", &w, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(w[0], "--qos=high");
	assert_string_equal(w[1], "-N1");
	assert_string_equal(w[2], "--exclusive");
	assert_null(w[3]);
	free_strings(w, n);
	/* Shell syntax means nothing: each word goes to sbatch as it is. */
	assert_int_equal(slurm_extra_split("--comment=a$(reboot);b", &w, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(w[0], "--comment=a$(reboot);b");
	free_strings(w, n);
}

static void refused(const char *value, const char *why)
{
	char **w = NULL;
	size_t n = 0;

	assert_int_equal(slurm_extra_split(value, &w, &n), -1);
	assert_null(w);
	assert_int_equal(pm_error_class(), PM_ECONFIG);
	if (!strstr(pm_error_msg(), why))
		fail_msg("'%s': '%s' lacks '%s'", value, pm_error_msg(), why);
}

static void test_extra_refused(void **state)
{
	(void)state;
	/* A word that is no option would become sbatch's script. */
	refused("--qos high", "'high' is not an sbatch option");
	refused("/tmp/x.sh", "not an sbatch option");
	refused("--exclusive :", "':' is not an sbatch option");
	refused("-", "'-' is not an sbatch option");
	/* Nothing would unquote them. */
	refused("--comment='a b'", "quotes, backslashes");
	refused("--comment=a\\ b", "quotes, backslashes");
	refused("--comment=a\nb", "control characters");
	refused("", "is empty");
	refused("  ", "is empty");
	/* pmeta's own options, long, abbreviated (getopt takes prefixes) and short. */
	refused("--dependency=afterok:1", "--dependency: pmeta gives every job its dependencies");
	refused("--dep=afterok:1", "--dependency");
	refused("--arr=0-3", "--array");
	refused("--wrap=true", "--wrap");
	refused("--output=/tmp/o", "--output");
	refused("--export=NONE", "--export");
	refused("--hold", "--hold");
	refused("--time=10", "set the step's timeout");
	refused("--partition=x", "set slurm_partition");
	refused("--mem=1G", "set slurm_mem");
	refused("-d afterok:1", "'-d' is not allowed");
	refused("-psomething", "'-p' is not allowed");
	refused("-QH", "'-H' is not allowed");
	refused("-o/tmp/x", "'-o' is not allowed");
}

static void test_extra_short_values(void **state)
{
	char **w;
	size_t n;

	(void)state;
	/* A letter that takes a value: the rest of the word is its value. */
	assert_int_equal(slurm_extra_split("-Jmyname -N2 -Cgpu", &w, &n), 0);
	assert_int_equal(n, 3);
	free_strings(w, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_executor),
		cmocka_unit_test(test_extra_split),
		cmocka_unit_test(test_extra_refused),
		cmocka_unit_test(test_extra_short_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
