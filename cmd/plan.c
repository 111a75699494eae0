#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cypher.h"
#include "graph/config.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "graph/plan.h"
#include "util/strbuf.h"

static const struct cmd_usage usage = {
	"pmeta plan [--format text|json|sh|dot|mermaid] [--cypher]\n"
	"                  [--latest-patch] [--run-mode <mode>] <config>|<process>\n",
	"Prints the run plan of a process: stages in order (the jobs of a stage may run\n"
	"in parallel), each job's exact command line, and the external inputs. The\n"
	"target is a config path (<schedule>/process_config/<process>/main.conf or\n"
	"dag.yaml) or a process name (p_002_v_000 or sche_001/p_002_v_000). A config\n"
	"whose content differs from what the graph holds is imported first. Steps\n"
	"with `enabled = false` are left out (said, with the reason); a step's\n"
	"`priority` is shown and in the JSON of its jobs.\n",
	NULL
};

enum format { FMT_TEXT, FMT_JSON, FMT_SH, FMT_DOT, FMT_MERMAID };

static void on_notify(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static void print_text(const struct plan *plan)
{
	size_t i, j;

	printf("process %s/%s", plan->schedule, plan->process);
	if (plan->config)
		printf(" (%s)", plan->config);
	putchar('\n');
	printf("external inputs:");
	for (i = 0; i < plan->ninputs; i++)
		printf(" %s", plan->inputs[i]);
	printf("%s\n", plan->ninputs ? "" : " none");
	for (i = 0; i < plan->nleft_out; i++)
		printf("left out: %s (%s); the steps after it wait for its predecessors\n",
		       plan->left_out[i].step, plan->left_out[i].reason);
	for (i = 0; i < plan->nstages; i++) {
		printf("stage %zu\n", i);
		for (j = 0; j < plan->stages[i].njobs; j++) {
			const struct plan_job *job = &plan->jobs[plan->stages[i].jobs[j]];
			const struct plan_step *st = &plan->steps[job->step];

			printf("  %s", st->name);
			if (job->shard >= 0)
				printf(" [%d/%d]", job->shard, st->max_shard);
			if (strcmp(st->procedure, st->name))
				printf(" runs %s", st->procedure);
			if (st->timeout)
				printf(" (timeout %lds)", st->timeout);
			if (st->retries)
				printf(" (retries %d)", st->retries);
			if (st->priority)
				printf(" (priority %d)", st->priority);
			putchar('\n');
			printf("    %s\n", job->command);
		}
	}
	printf("%zu steps, %zu jobs, %zu stages", plan->nsteps, plan->njobs, plan->nstages);
	if (plan->nleft_out)
		printf(", %zu left out", plan->nleft_out);
	putchar('\n');
}

static void print_sq(const char *s)
{
	putchar('\'');
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	putchar('\'');
}

static void print_sh(const struct plan *plan, const char *root)
{
	size_t i, j;

	printf("#!/bin/sh\n"
	       "# Run plan of %s, from 'pmeta plan --format sh'.\n"
	       "# Stages run in order, the jobs of a stage in parallel; the script stops\n"
	       "# at the first stage where a job failed.\n"
	       "cd ", key_local(plan->process_key));
	print_sq(root);
	printf(" || exit 1\n");
	for (i = 0; i < plan->nstages; i++) {
		printf("\n# stage %zu\n", i);
		printf("echo 'pmeta: stage %zu (%zu jobs)' >&2\npids=\n", i, plan->stages[i].njobs);
		for (j = 0; j < plan->stages[i].njobs; j++) {
			const struct plan_job *job = &plan->jobs[plan->stages[i].jobs[j]];

			printf("( %s ) &\npids=\"$pids $!\"\n", job->command);
		}
		printf("failed=0\n"
		       "for pid in $pids; do wait \"$pid\" || failed=1; done\n"
		       "if [ \"$failed\" -ne 0 ]; then echo 'pmeta: stage %zu failed' >&2; exit 1; fi\n",
		       i);
	}
	printf("echo 'pmeta: %zu stages done' >&2\n", plan->nstages);
}

static void print_dot(const struct plan *plan)
{
	size_t i, j;

	printf("digraph \"%s\" {\n  rankdir=LR;\n  node [shape=box];\n", key_local(plan->process_key));
	for (i = 0; i < plan->nsteps; i++) {
		const struct plan_step *st = &plan->steps[i];

		if (st->max_shard > 0)
			printf("  \"%s\" [label=\"%s\\nstage %zu, %d shards\"];\n", st->name, st->name,
			       st->stage, st->max_shard);
		else
			printf("  \"%s\" [label=\"%s\\nstage %zu\"];\n", st->name, st->name, st->stage);
	}
	for (i = 0; i < plan->nsteps; i++)
		for (j = 0; j < plan->steps[i].ndeps; j++)
			printf("  \"%s\" -> \"%s\";\n", plan->steps[plan->steps[i].deps[j]].name,
			       plan->steps[i].name);
	printf("}\n");
}

static void print_mermaid(const struct plan *plan)
{
	size_t i, j;

	printf("flowchart LR\n");
	for (i = 0; i < plan->nsteps; i++) {
		const struct plan_step *st = &plan->steps[i];

		if (st->max_shard > 0)
			printf("  s%zu[\"%s<br/>%d shards\"]\n", i, st->name, st->max_shard);
		else
			printf("  s%zu[\"%s\"]\n", i, st->name);
	}
	for (i = 0; i < plan->nsteps; i++)
		for (j = 0; j < plan->steps[i].ndeps; j++)
			printf("  s%zu --> s%zu\n", plan->steps[i].deps[j], i);
}

static int print_cypher(struct ctx *ctx, const char *ws, const char *root, const char *target,
			const struct plan_options *opts)
{
	struct neo4j *db = NULL;
	char *schedule = NULL, *process = NULL, *key = NULL, *config = NULL;
	json_t *params, *v;
	const char *name;

	/* No Neo4j unless a bare name has no config on disk. */
	if (plan_resolve(NULL, ws, root, target, &schedule, &process, &config) < 0) {
		pm_error_clear();
		if (ctx_db(ctx, &db) < 0 ||
		    plan_resolve(db, ws, root, target, &schedule, &process, &config) < 0)
			return cmd_error();
	}
	key = key_process(ws, schedule, process);
	{
		struct config_base base;
		int r = config_base_load(&base, root, schedule);

		free(schedule);
		free(process);
		if (r < 0) {
			free(key);
			free(config);
			return cmd_error();
		}
		params = plan_query_params(key, &base, opts);
		config_base_release(&base);
	}
	json_object_foreach(params, name, v) {
		char *lit = json_dumps(v, JSON_ENCODE_ANY);

		printf(":param %s => %s\n", name, lit);
		free(lit);
	}
	fputs(cypher_plan_subgraph, stdout);
	json_decref(params);
	free(key);
	free(config);
	return EXIT_OK;
}

int cmd_plan(int argc, char **argv, struct ctx *ctx)
{
	static char outbuf[1 << 16];
	struct plan_options opts = { 0 };
	enum format fmt = FMT_TEXT;
	const char *target, *root, *ws, *f = NULL;
	struct neo4j *db;
	struct plan *plan = NULL;
	int cypher = 0, ret;
	struct cmd_option options[] = {
		OPT_STRING('f', "format", &f, "<f>",
			   "text (default), json (DESIGN.md section 6), sh (a\n"
			   "script running the stages in order, jobs of a stage in\n"
			   "parallel, stopping at the first failed stage), dot,\n"
			   "mermaid"),
		OPT_FLAG(0, "cypher", &cypher, "print the query and its :param lines for Neo4j Browser"),
		OPT_FLAG(0, "latest-patch", &opts.latest_patch,
			 "run the newest patch fork of every procedure (same\n"
			 "family, major and minor digit; graph and\n"
			 "<schedule>/pys/); says on stderr which it picked"),
		OPT_STRING(0, "run-mode", &opts.run_mode, "<m>", "add --run_mode=<m> to every command"),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &usage)) >= 0)
		return ret;
	if (argc > 1)
		return options_usage_error(&usage, options, "one config or process at a time ('%s' and '%s')",
					   argv[0], argv[1]);
	if (!argc)
		return options_usage_error(&usage, options, "no config or process given");
	target = argv[0];
	if (opts.run_mode && !*opts.run_mode)
		return options_usage_error(&usage, options, "--run-mode needs a non-empty value");
	if (f) {
		if (!strcmp(f, "text"))
			fmt = FMT_TEXT;
		else if (!strcmp(f, "json"))
			fmt = FMT_JSON;
		else if (!strcmp(f, "sh"))
			fmt = FMT_SH;
		else if (!strcmp(f, "dot"))
			fmt = FMT_DOT;
		else if (!strcmp(f, "mermaid"))
			fmt = FMT_MERMAID;
		else
			return options_usage_error(&usage, options, "unknown format '%s'", f);
	}
	if (ctx_root(ctx, &root) < 0 || ctx_workspace(ctx, &ws) < 0)
		return cmd_error();
	if (cypher)
		return print_cypher(ctx, ws, root, target, &opts);
	opts.notify = on_notify;
	if (ctx_db(ctx, &db) < 0 || plan_load(&plan, db, ws, root, target, &opts) < 0)
		return cmd_error();
	/* A plan of 100,000 jobs is 30 MB: written 64 KB a call, not 4 KB. */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	switch (fmt) {
	case FMT_TEXT:
		print_text(plan);
		break;
	case FMT_JSON:
		plan_write_json(plan, stdout);
		putchar('\n');
		break;
	case FMT_SH:
		print_sh(plan, root);
		break;
	case FMT_DOT:
		print_dot(plan);
		break;
	case FMT_MERMAID:
		print_mermaid(plan);
		break;
	}
	plan_free(plan);
	return EXIT_OK;
}
