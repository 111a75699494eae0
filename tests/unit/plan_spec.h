#ifndef PMETA_TEST_PLAN_SPEC_H
#define PMETA_TEST_PLAN_SPEC_H

/*
 * Plans built here in C for the runner's unit tests (no planner, no Neo4j):
 * one spec per step, in an order where every step comes after the steps it
 * names in deps. Jobs follow the steps, one per shard.
 */

#include <stddef.h>

struct plan;

struct spec {
	const char *name;
	const char *command;   /* %d = shard when sharded */
	const char *deps;      /* space separated step names */
	int max_shard;
	int retries;
	long timeout;
};

struct plan *plan_of(const struct spec *s, size_t n);
void test_plan_free(struct plan *p);

/*
 * A scratch folder per test, the runner's work tree and log folder:
 * scratch_setup makes /tmp/pmeta-test-XXXXXX and enters it,
 * scratch_teardown leaves and removes it (cmocka setup/teardown).
 */
extern char scratch_root[256];
int scratch_setup(void **state);
int scratch_teardown(void **state);

#endif
