/*
 * pmeta: project metadata for script pipelines. The command table and the
 * things every verb shares (connection, workspace root, error printing).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include "cmd/cmd.h"
#include "graph/neo4j.h"
#include "vcs/libgit2.h"
#include "vcs/workspace.h"
#include "util/strbuf.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx);
	const char *summary;   /* NULL: a hidden verb, left out of the overview */
};

/* Sorted by name. */
static const struct command commands[] = {
	{ "cancel", cmd_cancel, "stop a run: its pmeta (local), or its jobs on Slurm" },
	{ "check", cmd_check, "validate process configs offline (file:line diagnostics)" },
	{ "diff", cmd_diff, "show the differences between two versions" },
	{ "doctor", cmd_doctor, "check Neo4j, auth, database, migrations and the workspace" },
	{ "fork", cmd_fork, "fork a procedure or process version: copy, commit, graph" },
	{ "help", cmd_help, "show help for pmeta or one verb" },
	{ "import", cmd_import, "write process configs into the graph (idempotent)" },
	{ "init", cmd_init, "make the workspace a git repo, give it its identity, migrate" },
	{ "job", cmd_job, NULL },
	{ "items", cmd_items, "what an incremental step processed, by which run and version" },
	{ "lineage", cmd_lineage, "show a version's forks, ancestry and usage; Browser link" },
	{ "log", cmd_log, "list a version's history: commits and forks" },
	{ "ls", cmd_ls, "list the registry: every version, its author, newest first" },
	{ "migrate", cmd_migrate, "apply pending schema migrations; migrate info | validate | unlock" },
	{ "plan", cmd_plan, "print the run plan of a process (text, json, sh, dot, mermaid)" },
	{ "run", cmd_run, "run a process's plan here, recording the run in Neo4j" },
	{ "runs", cmd_runs, "list recent runs; runs --sync writes unsynced run journals" },
	{ "show", cmd_show, "show a version's card: description, author, forks, runs" },
	{ "status", cmd_status, "show a run job by job (the latest by default)" },
	{ "sync", cmd_sync, "claim older nodes; rebuild lineage and registry from git; replay journals" },
	{ "version", cmd_version, "print the version" },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_overview(FILE *out)
{
	size_t i;

	fputs("usage: pmeta [--version] [--help] <verb> [<args>]\n\n"
	      "pmeta keeps a script pipeline's processes, procedures and their version\n"
	      "forks as a graph in Neo4j and in git, and turns process configs (main.conf, or\n"
	      "an ML platform's DAG in dag.yaml) into run plans.\n\n"
	      "verbs:\n", out);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary)
			fprintf(out, "   %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'pmeta <verb> -h' shows a verb's options.\n"
	      "Neo4j settings: NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE;\n"
	      "limits: PMETA_NEO4J_TIMEOUT (seconds, 60), PMETA_NEO4J_MAX_REPLY (bytes, 1G).\n"
	      "Exit codes: 0 ok, 1 failed, 2 usage, 3 invalid config, 4 Neo4j, 5 git/lineage.\n",
	      out);
}

static const struct cmd_usage help_usage = {
	"pmeta help [<verb>]\n",
	"Lists pmeta's verbs, or shows the usage of one verb (as 'pmeta <verb> -h').\n",
	NULL
};

int cmd_help(int argc, char **argv, struct ctx *ctx)
{
	const struct command *c;
	char *sub[] = { NULL, "--help", NULL };
	int list = 0, ret;
	size_t i;
	struct cmd_option options[] = {
		/* Hidden: every verb, one a line, hidden ones too (for tests/t0004-cli.sh). */
		OPT_FLAG(0, "list-verbs", &list, NULL),
		OPT_END()
	};

	if ((ret = options_parse(&argc, argv, options, &help_usage)) >= 0)
		return ret;
	if (list) {
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			printf("%s\n", commands[i].name);
		return EXIT_OK;
	}
	if (argc > 1)
		return options_usage_error(&help_usage, options, "unexpected argument '%s'", argv[1]);
	if (!argc) {
		print_overview(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[0]);
	if (!c)
		return cmd_die(EXIT_USAGE, "'%s' is not a pmeta verb; see 'pmeta help'", argv[0]);
	sub[0] = argv[0];
	return c->fn(2, sub, ctx);
}

int ctx_db(struct ctx *ctx, struct neo4j **out)
{
	struct neo4j_config cfg;
	int ret;

	if (!ctx->db) {
		ret = neo4j_config_from_env(&cfg);
		if (ret == 0)
			ret = neo4j_open(&ctx->db, &cfg);
		neo4j_config_release(&cfg);
		if (ret < 0)
			return -1;
	}
	*out = ctx->db;
	return 0;
}

int ctx_root(struct ctx *ctx, const char **out)
{
	if (!ctx->root && workspace_find(&ctx->root, ".") < 0)
		return -1;
	*out = ctx->root;
	return 0;
}

int ctx_workspace_at(char **out, const char *root)
{
	char *runs = xstrfmt("%s/.pmeta/runs", root);
	int created, had_runs = access(runs, F_OK) == 0;

	free(runs);
	if (workspace_id_ensure(out, root, NULL, &created) < 0)
		return -1;
	if (created) {
		fprintf(stderr, "note: this workspace is '%s' in the graph (%s/" WORKSPACE_ID_FILE "); "
			"'pmeta init --workspace <name>' names a new workspace\n", *out, root);
		if (had_runs)
			fprintf(stderr, "note: runs an earlier pmeta recorded here join this workspace "
				"with 'pmeta sync'\n");
	}
	return 0;
}

int ctx_workspace(struct ctx *ctx, const char **out)
{
	const char *root;

	if (!ctx->ws && (ctx_root(ctx, &root) < 0 || ctx_workspace_at(&ctx->ws, root) < 0))
		return -1;
	*out = ctx->ws;
	return 0;
}

static int class_to_exit(enum pm_errclass cls)
{
	switch (cls) {
	case PM_EUSAGE:
		return EXIT_USAGE;
	case PM_ECONFIG:
		return EXIT_CONFIG;
	case PM_ENEO4J:
		return EXIT_NEO4J;
	case PM_EGIT:
		return EXIT_GIT;
	default:
		return EXIT_FAIL;
	}
}

int cmd_error(void)
{
	fprintf(stderr, "error: %s\n", pm_error_msg());
	return class_to_exit(pm_error_class());
}

int cmd_die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void cmd_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int main(int argc, char **argv)
{
	struct ctx ctx;
	const struct command *c;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv + 1, &ctx);
	if (argv[1][0] == '-')
		return cmd_die(EXIT_USAGE, "unknown option '%s'\n\n"
			       "usage: pmeta [--version] [--help] <verb> [<args>]", argv[1]);
	c = find_command(argv[1]);
	if (!c)
		return cmd_die(EXIT_USAGE, "'%s' is not a pmeta verb; see 'pmeta help'", argv[1]);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* No verb talks to a git remote: libgit2 starts without the CA bundle. */
	vcs_libgit2_init(0);
	ctx.verb = c->name;
	ret = c->fn(argc - 1, argv + 1, &ctx);
	fflush(stdout);
	if (ferror(stdout) && ret == EXIT_OK)
		ret = cmd_die(EXIT_FAIL, "cannot write to standard output");
	neo4j_free(ctx.db);
	free(ctx.root);
	free(ctx.ws);
	vcs_libgit2_shutdown();
	curl_global_cleanup();
	return ret;
}
