#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/strmap.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_release(struct strmap *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->values);
	m->keys = NULL;
	m->values = NULL;
	m->cap = 0;
	m->n = 0;
}

static size_t slot(const struct strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void grow_to(struct strmap *m, size_t cap)
{
	struct strmap big;
	size_t i;

	big.cap = cap;
	big.n = m->n;
	big.keys = xcalloc(big.cap, sizeof(*big.keys));
	big.values = xcalloc(big.cap, sizeof(*big.values));
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		j = slot(&big, m->keys[i]);
		big.keys[j] = m->keys[i];
		big.values[j] = m->values[i];
	}
	free(m->keys);
	free(m->values);
	*m = big;
}

static void grow(struct strmap *m)
{
	grow_to(m, m->cap ? m->cap * 2 : 64);
}

void strmap_reserve(struct strmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 64;

	while (n * 2 > cap)
		cap *= 2;
	if (cap > m->cap)
		grow_to(m, cap);
}

int strmap_put(struct strmap *m, const char *key, size_t value)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	i = slot(m, key);
	m->values[i] = value;
	if (m->keys[i])
		return 0;
	m->keys[i] = key;
	m->n++;
	return 1;
}

int strmap_get(const struct strmap *m, const char *key, size_t *value)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = slot(m, key);
	if (!m->keys[i])
		return 0;
	if (value)
		*value = m->values[i];
	return 1;
}
