#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/config_diag.h"
#include "graph/config.h"
#include "graph/plan.h"

static const struct cmd_usage usage = {
	"pmeta check [-q] <config>...\n",
	"Validates process configs (<schedule>/process_config/<process>/main.conf,\n"
	"or an ML platform's DAG in dag.yaml) offline, without Neo4j: syntax, keys,\n"
	"dataset names, `after =` names, DAG operators and ports, cycles,\n"
	"run settings (max_shard, timeout, retries), the schedule's base.conf and its\n"
	"command template. Every problem names file:line. Steps named after a\n"
	"procedure whose script <schedule>/pys/<procedure>.py is missing are\n"
	"warnings; a missing script named by `procedure =` is an error.\n",
	"Exit 0 when every config is valid, 3 when one is not, 1 when one cannot be read.\n"
};

static int cmp_line(const void *a, const void *b)
{
	const struct config_diag *x = *(const struct config_diag *const *)a;
	const struct config_diag *y = *(const struct config_diag *const *)b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x < y ? -1 : x > y;
}

void print_config_diags(const struct config *cfg, size_t max_warnings)
{
	const struct config_diag **d = malloc((cfg->ndiags + 1) * sizeof(*d));
	size_t i, warned = 0;

	if (!d)
		return;
	for (i = 0; i < cfg->ndiags; i++)
		d[i] = &cfg->diags[i];
	qsort(d, cfg->ndiags, sizeof(*d), cmp_line);
	for (i = 0; i < cfg->ndiags; i++) {
		if (!d[i]->error && warned++ >= max_warnings)
			continue;
		if (d[i]->line)
			fprintf(stderr, "%s: %s:%zu: %s\n", d[i]->error ? "error" : "warning", cfg->file,
				d[i]->line, d[i]->msg);
		else
			fprintf(stderr, "%s: %s: %s\n", d[i]->error ? "error" : "warning", cfg->file,
				d[i]->msg);
	}
	if (warned > max_warnings && max_warnings)
		fprintf(stderr, "warning: %s: %zu more warnings not shown\n", cfg->file, warned - max_warnings);
	free(d);
}

static int check_one(const char *path, int quiet)
{
	struct config *cfg = NULL;
	struct plan *plan = NULL;
	int ret = EXIT_OK;

	if (config_load(&cfg, path) < 0) {
		if (!cfg)
			return cmd_error();
		print_config_diags(cfg, quiet ? 0 : 10);
		config_free(cfg);
		return EXIT_CONFIG;
	}
	print_config_diags(cfg, quiet ? 0 : 10);
	/* base.conf and the command template against every step, as import and plan will. */
	if (plan_validate(&plan, cfg) < 0) {
		ret = cmd_error();
		goto out;
	}
	if (!quiet)
		printf("%s: ok: %zu steps, %zu stages, %zu jobs, %zu external inputs\n", path,
		       plan->nsteps, plan->nstages, plan->njobs, plan->ninputs);
out:
	plan_free(plan);
	config_free(cfg);
	return ret;
}

int cmd_check(int argc, char **argv, struct ctx *ctx)
{
	int i, quiet = 0, ret;
	struct cmd_option options[] = {
		OPT_FLAG('q', "quiet", &quiet, "print no warnings, and nothing for a valid config"),
		OPT_END()
	};

	(void)ctx;
	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (!argc)
		return options_usage_error(&usage, options, "no config given");
	ret = EXIT_OK;
	for (i = 0; i < argc; i++) {
		int r = check_one(argv[i], quiet);

		/* The worst outcome wins: a config error over a read failure. */
		if (r == EXIT_CONFIG || (r != EXIT_OK && ret == EXIT_OK))
			ret = r;
	}
	return ret;
}
