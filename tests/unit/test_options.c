/*
 * The option parser of cmd/options.c: every spelling of an option gives the
 * same value, arguments keep their order, errors are exit 2 with the usage,
 * and the usage's option list comes from the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/options.h"
#include "util/err.h"

static const struct cmd_usage usage = {
	"pmeta test [-q] <arg>...\n",
	"Tests the parser.\n",
	"Exit 0.\n"
};

/* What one parse left behind. */
struct result {
	int quiet, dry_run, ret, argc;
	long jobs;
	const char *format;
	double grace;
	struct opt_list only;
	char *args[16];
	char *out, *err;
};

static int parse_grace(const struct cmd_option *opt, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (!*arg || *end || !(v > 0))
		return pm_error(PM_EUSAGE, "'%s' is not a number of seconds above 0", arg);
	*(double *)opt->value = v;
	return 0;
}

/* Parses the NULL-terminated words after "test" into r. */
static void parse(struct result *r, ...)
{
	char *argv[32];
	const char *w;
	size_t outlen, errlen;
	FILE *out, *err;
	va_list ap;
	int argc = 0, i;
	struct cmd_option options[] = {
		OPT_FLAG('q', "quiet", &r->quiet, "say less"),
		OPT_FLAG('n', "dry-run", &r->dry_run, "do nothing"),
		OPT_INT('j', "jobs", &r->jobs, "<n>", 1, 4096, "at most <n> at once"),
		OPT_STRING('f', "format", &r->format, "<f>", "text or json,\nor dot"),
		OPT_LIST(0, "only", &r->only, "<step>", "only these (repeat)"),
		OPT_CALLBACK(0, "grace", &r->grace, "<seconds>", parse_grace, "grace period"),
		OPT_FLAG(0, "secret", &r->quiet, NULL),
		OPT_FLAG(0, "a-rather-long-option-name", &r->dry_run, "its help on a line of its own"),
		OPT_END()
	};

	memset(r, 0, sizeof(*r));
	r->jobs = -1;
	argv[argc++] = "test";
	va_start(ap, r);
	while ((w = va_arg(ap, const char *)))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	out = open_memstream(&r->out, &outlen);
	err = open_memstream(&r->err, &errlen);
	r->ret = options_parse_to(out, err, &argc, argv, options, &usage);
	fclose(out);
	fclose(err);
	r->argc = argc;
	if (r->ret < 0) {
		assert_null(argv[argc]);
		for (i = 0; i < argc && i < 16; i++)
			r->args[i] = argv[i];
	}
}

static void result_release(struct result *r)
{
	opt_list_release(&r->only);
	free(r->out);
	free(r->err);
}

static void test_flags_long_short_bundled(void **state)
{
	struct result r;

	(void)state;
	parse(&r, "--quiet", "--dry-run", NULL);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.quiet, 1);
	assert_int_equal(r.dry_run, 1);
	assert_int_equal(r.argc, 0);
	result_release(&r);

	parse(&r, "-q", "-n", NULL);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.quiet + r.dry_run, 2);
	result_release(&r);

	parse(&r, "-qn", NULL);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.quiet + r.dry_run, 2);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	result_release(&r);
}

static void test_value_spellings_agree(void **state)
{
	static const char *const forms[][3] = {
		{ "--jobs", "4", NULL }, { "--jobs=4", NULL, NULL }, { "-j4", NULL, NULL },
		{ "-j", "4", NULL }, { "-j=4", NULL, NULL }, { "-qj4", NULL, NULL },
		{ "-qj", "4", NULL }, { "-nqj", "4", NULL },
	};
	struct result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		parse(&r, "a", forms[i][0], forms[i][1], NULL);
		assert_int_equal(r.ret, -1);
		assert_int_equal(r.jobs, 4);
		assert_int_equal(r.argc, 1);
		assert_string_equal(r.args[0], "a");
		assert_string_equal(r.err, "");
		result_release(&r);
	}
	parse(&r, "--format", "json", NULL);
	assert_string_equal(r.format, "json");
	result_release(&r);
	parse(&r, "--format=json", NULL);
	assert_string_equal(r.format, "json");
	result_release(&r);
	parse(&r, "-fjson", NULL);
	assert_string_equal(r.format, "json");
	result_release(&r);
	/* The last of a repeated single-value option wins. */
	parse(&r, "-f", "dot", "--format=json", NULL);
	assert_string_equal(r.format, "json");
	result_release(&r);
}

static void test_value_taken_as_is(void **state)
{
	struct result r;

	(void)state;
	/* A value that looks like an option is still the value. */
	parse(&r, "--format", "-q", NULL);
	assert_int_equal(r.ret, -1);
	assert_string_equal(r.format, "-q");
	assert_int_equal(r.quiet, 0);
	result_release(&r);
	/* An empty value is a value; '=' inside a value stays. */
	parse(&r, "--format=", "-f", "a=b", NULL);
	assert_int_equal(r.ret, -1);
	assert_string_equal(r.format, "a=b");
	result_release(&r);
	parse(&r, "--format=", NULL);
	assert_int_equal(r.ret, -1);
	assert_string_equal(r.format, "");
	result_release(&r);
}

static void test_list_keeps_every_value(void **state)
{
	struct result r;

	(void)state;
	parse(&r, "--only", "a", "--only=b,c", "x", "--only", "d", NULL);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.only.nr, 3);
	assert_string_equal(r.only.items[0], "a");
	assert_string_equal(r.only.items[1], "b,c");
	assert_string_equal(r.only.items[2], "d");
	assert_int_equal(r.argc, 1);
	assert_string_equal(r.args[0], "x");
	result_release(&r);
}

static void test_arguments_keep_order(void **state)
{
	struct result r;

	(void)state;
	parse(&r, "a", "-q", "b", "-", "--jobs", "2", "c", "--", "-n", "--help", "d", NULL);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.quiet, 1);
	assert_int_equal(r.dry_run, 0);
	assert_int_equal(r.jobs, 2);
	assert_int_equal(r.argc, 7);
	assert_string_equal(r.args[0], "a");
	assert_string_equal(r.args[1], "b");
	assert_string_equal(r.args[2], "-");
	assert_string_equal(r.args[3], "c");
	assert_string_equal(r.args[4], "-n");
	assert_string_equal(r.args[5], "--help");
	assert_string_equal(r.args[6], "d");
	result_release(&r);

	parse(&r, NULL);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.argc, 0);
	result_release(&r);
}

/* A usage error: exit 2, "error: <msg>" first, then the usage; nothing on stdout. */
static void assert_usage_error(struct result *r, const char *msg)
{
	char *want = NULL;
	size_t n = strlen("error: ") + strlen(msg) + 3;

	assert_int_equal(r->ret, 2);
	assert_string_equal(r->out, "");
	want = malloc(n);
	snprintf(want, n, "error: %s\n\n", msg);
	assert_memory_equal(r->err, want, strlen(want));
	assert_non_null(strstr(r->err, "\nusage: pmeta test [-q] <arg>...\n"));
	free(want);
}

static void test_errors(void **state)
{
	struct result r;

	(void)state;
	parse(&r, "--nope", NULL);
	assert_usage_error(&r, "unknown option '--nope'");
	result_release(&r);
	parse(&r, "--nope=3", NULL);
	assert_usage_error(&r, "unknown option '--nope'");
	result_release(&r);
	parse(&r, "-qx", NULL);
	assert_usage_error(&r, "unknown option '-x'");
	result_release(&r);
	/* No abbreviations. */
	parse(&r, "--qui", NULL);
	assert_usage_error(&r, "unknown option '--qui'");
	result_release(&r);
	parse(&r, "a", "--jobs", NULL);
	assert_usage_error(&r, "option '--jobs' needs a value");
	result_release(&r);
	parse(&r, "-qj", NULL);
	assert_usage_error(&r, "option '-j' needs a value");
	result_release(&r);
	parse(&r, "--quiet=1", NULL);
	assert_usage_error(&r, "option '--quiet' takes no value");
	result_release(&r);
	parse(&r, "-q=1", NULL);
	assert_usage_error(&r, "option '-q' takes no value");
	result_release(&r);
	parse(&r, "-j", "0", NULL);
	assert_usage_error(&r, "option '-j' needs a whole number from 1 to 4096, not '0'");
	result_release(&r);
	parse(&r, "--jobs=4x", NULL);
	assert_usage_error(&r, "option '--jobs' needs a whole number from 1 to 4096, not '4x'");
	result_release(&r);
	parse(&r, "--jobs=", NULL);
	assert_usage_error(&r, "option '--jobs' needs a whole number from 1 to 4096, not ''");
	result_release(&r);
	parse(&r, "--jobs", "99999999999999999999999", NULL);
	assert_int_equal(r.ret, 2);
	result_release(&r);
	parse(&r, "--grace", "-1", NULL);
	assert_usage_error(&r, "option '--grace': '-1' is not a number of seconds above 0");
	result_release(&r);
	parse(&r, "--grace=2.5", NULL);
	assert_int_equal(r.ret, -1);
	assert_true(r.grace == 2.5);
	result_release(&r);
}

static void test_help(void **state)
{
	static const char want[] =
		"usage: pmeta test [-q] <arg>...\n"
		"\n"
		"Tests the parser.\n"
		"\n"
		"    -q, --quiet           say less\n"
		"    -n, --dry-run         do nothing\n"
		"    -j, --jobs <n>        at most <n> at once\n"
		"    -f, --format <f>      text or json,\n"
		"                          or dot\n"
		"    --only <step>         only these (repeat)\n"
		"    --grace <seconds>     grace period\n"
		"    --a-rather-long-option-name\n"
		"                          its help on a line of its own\n"
		"\n"
		"Exit 0.\n";
	struct result r;

	(void)state;
	parse(&r, "-h", NULL);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, want);
	assert_string_equal(r.err, "");
	result_release(&r);
	/* Anywhere before "--", even after arguments and options. */
	parse(&r, "a", "-q", "--help", "--nope", NULL);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out, want);
	result_release(&r);
	/* The usage after an error is the same text. */
	parse(&r, "--nope", NULL);
	assert_string_equal(strstr(r.err, "usage:"), want);
	result_release(&r);
}

static void test_list_options(void **state)
{
	struct result r;

	(void)state;
	parse(&r, "--list-options", NULL);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.out,
			    "--quiet -q flag -\n"
			    "--dry-run -n flag -\n"
			    "--jobs -j value <n>\n"
			    "--format -f value <f>\n"
			    "--only - list <step>\n"
			    "--grace - value <seconds>\n"
			    "--secret - flag - hidden\n"
			    "--a-rather-long-option-name - flag -\n");
	result_release(&r);
	/* Hidden from the usage, but parsed. */
	parse(&r, "--secret", NULL);
	assert_int_equal(r.ret, -1);
	assert_int_equal(r.quiet, 1);
	result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_long_short_bundled),
		cmocka_unit_test(test_value_spellings_agree),
		cmocka_unit_test(test_value_taken_as_is),
		cmocka_unit_test(test_list_keeps_every_value),
		cmocka_unit_test(test_arguments_keep_order),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_list_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
