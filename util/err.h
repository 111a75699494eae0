#ifndef PMETA_ERR_H
#define PMETA_ERR_H

/*
 * The last error of this thread, in the manner of git_error_last(): library
 * code (graph/, vcs/, util/) records a message and a class and returns -1;
 * only cmd/ prints it and turns the class into an exit code.
 */

#include <stdarg.h>

/* Error classes map one to one onto the exit codes of the CLI contract. */
enum pm_errclass {
	PM_EFAIL = 1,   /* operation failed */
	PM_EUSAGE = 2,  /* bad command line */
	PM_ECONFIG = 3, /* invalid config */
	PM_ENEO4J = 4,  /* Neo4j unreachable or returned an error */
	PM_EGIT = 5     /* git or lineage error */
};

#if defined(__GNUC__)
#define PM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PM_PRINTF(a, b)
#endif

/* Records the error and returns -1, so `return pm_error(...)` reads well. */
int pm_error(enum pm_errclass cls, const char *fmt, ...) PM_PRINTF(2, 3);
int pm_verror(enum pm_errclass cls, const char *fmt, va_list ap) PM_PRINTF(2, 0);

/* Prepends "what: " to the recorded message (keeps its class). Returns -1. */
int pm_error_prefix(const char *fmt, ...) PM_PRINTF(1, 2);

/* Borrowed; valid until the next pm_error*. Never NULL. */
const char *pm_error_msg(void);
enum pm_errclass pm_error_class(void);
void pm_error_clear(void);

#endif
