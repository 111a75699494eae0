#ifndef PMETA_STRMAP_H
#define PMETA_STRMAP_H

/*
 * A string -> size_t map (open addressing, FNV-1a). Keys are borrowed: the
 * caller keeps them alive as long as the map. For name lookups in configs
 * of 100,000 steps, where a linear search would be quadratic.
 */

#include <stddef.h>

struct strmap {
	const char **keys;
	size_t *values;
	size_t cap;     /* power of two, or 0 */
	size_t n;
};

#define STRMAP_INIT { NULL, NULL, 0, 0 }

void strmap_release(struct strmap *m);
/* Makes room for n keys in all, so that filling it does not grow it again. */
void strmap_reserve(struct strmap *m, size_t n);
/* Sets key -> value; returns 1 when the key was new, 0 when it was replaced. */
int strmap_put(struct strmap *m, const char *key, size_t value);
/* 1 and *value when present, else 0. value may be NULL. */
int strmap_get(const struct strmap *m, const char *key, size_t *value);

#endif
