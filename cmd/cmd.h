#ifndef PMETA_CMD_H
#define PMETA_CMD_H

/*
 * What every subcommand shares. Only cmd/ prints to the user and picks exit
 * codes; library code records an error (util/err.h) and returns -1.
 */

#include <stdio.h>

#include "cmd/options.h"
#include "util/err.h"

struct neo4j;

/* Exit codes (contract, DESIGN.md section 4). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,
	EXIT_NEO4J = 4,
	EXIT_GIT = 5
};

struct ctx {
	const char *verb;
	struct neo4j *db;   /* opened on first ctx_db() */
	char *root;         /* workspace root, found on first ctx_root() */
	char *ws;           /* workspace identity, read (or made) on first ctx_workspace() */
};

/* The connection from NEO4J_* (no I/O yet); -1 with an error recorded. */
int ctx_db(struct ctx *ctx, struct neo4j **out);
/* The workspace root (the git work tree around the current folder). */
int ctx_root(struct ctx *ctx, const char **out);
/*
 * The workspace's identity (vcs/workspace.h), the name its graph keys start
 * with. A workspace without one gets its default now, said on stderr.
 */
int ctx_workspace(struct ctx *ctx, const char **out);
/* The same for the workspace at root (import: the one holding the config). */
int ctx_workspace_at(char **out, const char *root);

/* Prints "error: <recorded message>" and returns the exit code of its class. */
int cmd_error(void);
/* Prints "error: ..." and returns code. */
int cmd_die(int code, const char *fmt, ...) PM_PRINTF(2, 3);
/* Prints "warning: ...". */
void cmd_warn(const char *fmt, ...) PM_PRINTF(1, 2);
/* "0.1.0 (<git describe>)": what `pmeta version` prints, and what a Run records. */
const char *pmeta_version(void);

/* One per verb, cmd/<verb>.c. */
int cmd_cancel(int argc, char **argv, struct ctx *ctx);
int cmd_check(int argc, char **argv, struct ctx *ctx);
int cmd_diff(int argc, char **argv, struct ctx *ctx);
int cmd_doctor(int argc, char **argv, struct ctx *ctx);
int cmd_fork(int argc, char **argv, struct ctx *ctx);
int cmd_help(int argc, char **argv, struct ctx *ctx);
int cmd_import(int argc, char **argv, struct ctx *ctx);
int cmd_init(int argc, char **argv, struct ctx *ctx);
int cmd_job(int argc, char **argv, struct ctx *ctx);
int cmd_items(int argc, char **argv, struct ctx *ctx);
int cmd_lineage(int argc, char **argv, struct ctx *ctx);
int cmd_log(int argc, char **argv, struct ctx *ctx);
int cmd_ls(int argc, char **argv, struct ctx *ctx);
int cmd_migrate(int argc, char **argv, struct ctx *ctx);
int cmd_plan(int argc, char **argv, struct ctx *ctx);
int cmd_run(int argc, char **argv, struct ctx *ctx);
int cmd_runs(int argc, char **argv, struct ctx *ctx);
int cmd_show(int argc, char **argv, struct ctx *ctx);
int cmd_status(int argc, char **argv, struct ctx *ctx);
int cmd_sync(int argc, char **argv, struct ctx *ctx);
int cmd_version(int argc, char **argv, struct ctx *ctx);
/* "0.1.0 (<git describe>)". */
const char *cmd_version_string(void);

#endif
