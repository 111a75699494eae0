#ifndef PMETA_STRBUF_H
#define PMETA_STRBUF_H

/*
 * A growable NUL-terminated byte buffer, after git's strbuf. `buf` is never
 * NULL after strbuf_init; strbuf_detach hands ownership to the caller.
 * Allocation failure aborts: a CLI has nothing better to do then.
 */

#include <stdarg.h>
#include <stddef.h>

#include "util/err.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

/* Shared empty buffer, so an untouched strbuf reads as "" (git's slopbuf). */
extern char strbuf_slopbuf[];
#define STRBUF_INIT { strbuf_slopbuf, 0, 0 }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
/* s in single quotes as /bin/sh reads it back (' becomes '\'') */
void strbuf_add_sh_quoted(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) PM_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) PM_PRINTF(2, 0);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Reads the whole file; 0 or -1 with an error recorded. */
int strbuf_read_file(struct strbuf *sb, const char *path);

/* Allocation helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xstrfmt(const char *fmt, ...) PM_PRINTF(1, 2);
/* Frees n strings and the array holding them; accepts NULL. */
void free_strings(char **items, size_t n);
/* qsort's comparison for an array of strings (char *), by strcmp. */
int cmp_strings(const void *a, const void *b);
/*
 * The integer in environment variable name (a test hook, PMETA_TEST_*):
 * fallback when it is unset, empty, not all digits, or below min.
 */
long env_long(const char *name, long fallback, long min);

#endif
