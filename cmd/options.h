#ifndef PMETA_OPTIONS_H
#define PMETA_OPTIONS_H

/*
 * One option parser for every verb, after git's parse-options.h: a verb
 * describes its options once, in a table, and that table drives both the
 * parsing and the option list of the verb's usage text, so the two cannot
 * drift and every verb accepts the same spellings:
 *
 *   --name value, --name=value         a value option, long form
 *   -x value, -xvalue, -x=value        a value option, short form
 *   -qn                                bundled short flags; a value option may
 *                                      end a bundle (-qj4, -qj 4)
 *   --                                 ends the options: the rest are arguments
 *   -h, --help                         the usage on stdout, exit 0
 *
 * Options and arguments may come in any order; a lone "-" is an argument. A
 * value is taken as it is, even when it starts with '-' (-m -x gives "-x").
 * Long names match exactly (no abbreviations: adding an option never changes
 * what an existing spelling means). An unknown option, a missing value, a
 * value given to a flag or a value out of range is a usage error: exit 2,
 * "error: ..." and the usage on stderr.
 *
 * Adding an option to a verb is one line in its table (the help text is one
 * line of about 50 characters, "\n" starts a continuation line):
 *
 *	OPT_FLAG('n', "dry-run", &dry_run, "print what would run, run nothing"),
 *	OPT_STRING(0, "from", &from, "<step>", "run <step> and every step after it"),
 *	OPT_LIST(0, "only", &only, "<step>", "run only these steps (repeat)"),
 *	OPT_INT('j', "jobs", &jobs, "<n>", 1, 4096, "run at most <n> jobs at once"),
 *	OPT_CALLBACK(0, "grace", &grace, "<seconds>", parse_grace, "from SIGTERM to SIGKILL"),
 *
 * OPT_FLAG sets an int to 1; OPT_STRING keeps the last value (borrowed from
 * argv); OPT_LIST keeps every value, in order (struct opt_list, release it);
 * OPT_INT parses a whole number within [min, max] into a long; OPT_CALLBACK
 * hands the value to a function that returns 0, or -1 with a message recorded
 * by pm_error(). A NULL help hides the option from the usage (it still parses,
 * and --list-options shows it). A short-only option has a NULL long name, a
 * long-only one a short name of 0. The table ends with OPT_END().
 *
 * A verb then reads:
 *
 *	struct cmd_option options[] = { ..., OPT_END() };
 *
 *	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
 *		return ret;                 help shown (0) or usage error (2)
 *	argv[0] .. argv[argc - 1] are the arguments left, in their order
 *
 * and reports a later usage problem (a missing argument, options that exclude
 * each other) with options_usage_error(&usage, options, "...").
 *
 * Every verb also takes the hidden option --list-options: one line per option
 * of its table, "<long> <short> <kind> <argh>" ("-" where there is none; kind
 * flag, value or list), followed by " hidden" for a hidden option. It is for
 * tests/t0004-cli.sh, which covers every option of every verb from it (and
 * every verb from 'pmeta help --list-verbs'), and for shell completion.
 */

#include <stdio.h>

#include "util/err.h"

enum option_type {
	OPTION_END,
	OPTION_FLAG,
	OPTION_STRING,
	OPTION_LIST,
	OPTION_INT,
	OPTION_CALLBACK
};

struct cmd_option {
	enum option_type type;
	char short_name;          /* 0: none */
	const char *long_name;    /* NULL: none */
	void *value;
	const char *argh;         /* the value's placeholder in the usage: "<n>" */
	const char *help;         /* NULL: hidden from the usage */
	long min, max;            /* OPT_INT's range */
	int (*callback)(const struct cmd_option *opt, const char *arg);
};

/* The values of an OPT_LIST, in the order given; the strings are argv's. */
struct opt_list {
	const char **items;
	size_t nr, alloc;
};
#define OPT_LIST_INIT { NULL, 0, 0 }
void opt_list_release(struct opt_list *list);

#define OPT_END() { OPTION_END, 0, NULL, NULL, NULL, NULL, 0, 0, NULL }
#define OPT_FLAG(s, l, v, h) { OPTION_FLAG, (s), (l), (v), NULL, (h), 0, 0, NULL }
#define OPT_STRING(s, l, v, a, h) { OPTION_STRING, (s), (l), (v), (a), (h), 0, 0, NULL }
#define OPT_LIST(s, l, v, a, h) { OPTION_LIST, (s), (l), (v), (a), (h), 0, 0, NULL }
#define OPT_INT(s, l, v, a, lo, hi, h) { OPTION_INT, (s), (l), (v), (a), (h), (lo), (hi), NULL }
#define OPT_CALLBACK(s, l, v, a, cb, h) { OPTION_CALLBACK, (s), (l), (v), (a), (h), 0, 0, (cb) }

/*
 * A verb's usage text around its option list:
 *
 *   usage: <synopsis>          (further forms on lines "   or: ...")
 *
 *   <about>
 *
 *   <the options, from the table>
 *
 *   <more>
 *
 * Each part is lines ending in "\n"; about and more may be NULL.
 */
struct cmd_usage {
	const char *synopsis;
	const char *about;
	const char *more;
};

/*
 * Parses argv[1 .. *argc - 1] (argv[0] is the verb) against opts. Returns -1
 * to go on, with the arguments that are not options moved to argv[0 ..
 * *argc - 1] in their order (argv[*argc] is NULL); or the exit code the verb
 * returns: 0 after printing the usage for -h/--help (or the option list for
 * --list-options), 2 after a usage error.
 */
int options_parse(int *argc, char **argv, const struct cmd_option *opts,
		  const struct cmd_usage *usage);
/* The same, printing to out (help) and err (errors) instead of stdout and stderr. */
int options_parse_to(FILE *out, FILE *err, int *argc, char **argv,
		     const struct cmd_option *opts, const struct cmd_usage *usage);

/* Prints the whole usage text. */
void options_usage(FILE *out, const struct cmd_option *opts, const struct cmd_usage *usage);
/* Prints "error: <message>", a blank line and the usage to stderr; returns 2. */
int options_usage_error(const struct cmd_usage *usage, const struct cmd_option *opts,
			const char *fmt, ...) PM_PRINTF(3, 4);

#endif
