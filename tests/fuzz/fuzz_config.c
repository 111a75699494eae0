/*
 * libFuzzer harness for the config parser (`make fuzz`). Goes through the
 * public entry points only (config_parse, config_base_load, plan_from_config),
 * so it keeps working whatever files the parser is split into.
 *
 * Input: a main.conf, optionally followed by a NUL byte and a base.conf.
 * The main.conf is compiled; when it compiles and a base.conf is given, the
 * base.conf is loaded (from a scratch folder: config_base_load reads a
 * file) and the plan is built, which expands the command template for
 * every step. Any crash, sanitizer report or leak is a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/config.h"
#include "graph/plan.h"
#include "util/err.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *scratch;   /* <tmp>/s/base.conf is written here */

static void scratch_remove(void)
{
	char *base = xstrfmt("%s/s/base.conf", scratch), *sched = xstrfmt("%s/s", scratch);

	unlink(base);
	rmdir(sched);
	rmdir(scratch);
	free(base);
	free(sched);
	free(scratch);
}

static void scratch_init(void)
{
	char tmpl[] = "/tmp/pmeta-fuzz-XXXXXX", *dir, *sched;

	dir = mkdtemp(tmpl);
	if (!dir)
		abort();
	scratch = xstrdup(dir);
	sched = xstrfmt("%s/s", scratch);
	if (mkdir(sched, 0700) < 0)
		abort();
	free(sched);
	atexit(scratch_remove);
}

static void write_base(const uint8_t *data, size_t size)
{
	char *path = xstrfmt("%s/s/base.conf", scratch);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t main_len = nul ? (size_t)(nul - data) : size;
	struct config *cfg = NULL;
	struct config_base base;
	struct plan *plan = NULL;

	if (!scratch)
		scratch_init();
	if (config_parse(&cfg, "main.conf", (const char *)data, main_len, "s", "p_001_v_000") == 0 && nul) {
		write_base(nul + 1, size - main_len - 1);
		if (config_base_load(&base, scratch, "s") == 0 &&
		    plan_from_config(&plan, NULL, cfg, &base, NULL) == 0 && plan->njobs && !plan->jobs[0].command)
			abort(); /* a plan job always has a command */
		plan_free(plan);
		config_base_release(&base);
	}
	config_free(cfg);
	pm_error_clear();
	return 0;
}
