#ifndef PMETA_PLAN_H
#define PMETA_PLAN_H

/*
 * A run plan: the steps of one process with their derived order, and the
 * jobs (one per step, or one per shard) grouped into stages. The planner
 * (issue 3) builds it from the graph; `pmeta plan` prints it and `pmeta run`
 * executes it. Everything here is owned by the plan; plan_free releases all.
 */

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "graph/slurm_keys.h"

struct neo4j;
struct config;
struct config_base;

struct plan_step {
	char *name;            /* section name in the config = step name */
	char *key;             /* "ws/sche_001/p_002_v_000/proc_004_v_001" (graph/keys.h), or NULL offline */
	char *procedure;       /* procedure version the step runs: "proc_004_v_001" */
	char *procedure_key;   /* "ws/sche_001/proc_004_v_001", or NULL offline */
	char *script;          /* workspace-relative path of the script */
	int max_shard;         /* 0 when the step is not sharded */
	long timeout;          /* seconds; 0 = none */
	int retries;           /* extra attempts after a failure */
	int priority;          /* `priority = N`: among ready jobs, higher first (0 by default),
				  in the local runner; on Slurm, sbatch --nice of the distance
				  below the plan's highest priority */
	char *left_out;        /* why the step does not run ("enabled = false"), or NULL;
				  such steps are gone from a finished plan (plan.left_out) */
	char *slurm[SLURM_NKEYS];  /* Slurm settings by enum slurm_key: the step's, else
				      base.conf's, as text; NULL when neither sets one */
	char **pass_env;       /* NULL-terminated names of variables of pmeta's
				  environment its jobs get (base.conf's and the
				  step's pass_env), never NULL after planning */
	size_t stage;
	size_t line;           /* line of its section in the config */
	size_t *deps;          /* indexes into plan.steps of the steps it runs after */
	size_t ndeps;
};

struct plan_job {
	size_t step;           /* index into plan.steps */
	int shard;             /* -1 when the step is not sharded */
	char *command;         /* exact command line, run by /bin/sh -c from the workspace root */
};

struct plan_stage {
	size_t *jobs;          /* indexes into plan.jobs, config order */
	size_t njobs;
};

/* A step of the process that the plan leaves out (`enabled = false`). */
struct plan_left_out {
	char *step;
	char *procedure;
	char *reason;          /* "enabled = false" */
};

struct plan {
	char *workspace;       /* the workspace that owns the process, or NULL offline */
	char *schedule;        /* "sche_001" */
	char *process;         /* "p_002_v_000" */
	char *process_key;     /* "ws/sche_001/p_002_v_000" (graph/keys.h), or NULL offline */
	char *config;          /* workspace-relative path of main.conf, or NULL */
	char *executor;        /* base.conf's `executor`, or NULL when it sets none */
	char *config_hash;     /* git blob id of the config the plan was built from, or NULL */
	char *config_text;     /* that config's text, read once with the hash; NULL when
				  the plan came from the graph alone (a process by name) */
	char **inputs;         /* external input datasets, sorted */
	size_t ninputs;
	struct plan_step *steps;   /* config order */
	size_t nsteps;
	struct plan_job *jobs;     /* stage by stage, config order within a stage */
	size_t njobs;
	char *commands;            /* every job's command, NUL after each: jobs[].command point in */
	struct plan_stage *stages;
	size_t nstages;
	struct plan_left_out *left_out;  /* config order; its steps are in no stage */
	size_t nleft_out;
};

void plan_free(struct plan *plan);

struct plan_options {
	int latest_patch;      /* run the newest patch fork of every procedure */
	const char *run_mode;  /* adds --run_mode=M to every command, or NULL */
	/* Optional: told what plan_load did on the way (config imported, patch
	 * picked), one message per call, for the caller to show on stderr. */
	void (*notify)(void *arg, const char *msg);
	void *notify_arg;
};

/*
 * target: a path to a main.conf (relative to cwd) or a process name
 * ("p_002_v_000" or "sche_001/p_002_v_000"); root is the workspace root and
 * ws its identity: only that workspace's process is read (and written).
 * Imports the config first when its content differs from what the graph
 * holds; builds the plan from ONE parameterised Cypher query returning the
 * subgraph (cypher/plan_subgraph.cypher). opts may be NULL.
 */
int plan_load(struct plan **out, struct neo4j *db, const char *ws, const char *root,
	      const char *target, const struct plan_options *opts);

/*
 * Where a target points: its *schedule and *process names and *config (the
 * config's path relative to cwd, or NULL when it has none on disk); the
 * caller frees all three. db may be NULL; then a bare process name must
 * have its config on disk; else it is looked up in workspace ws's graph.
 */
int plan_resolve(struct neo4j *db, const char *ws, const char *root, const char *target,
		 char **schedule, char **process, char **config);

/* The parameters of cypher_plan_subgraph for a process (new reference); base
 * (may be NULL) names the step keys its command template uses. */
json_t *plan_query_params(const char *process_key, const struct config_base *base,
			  const struct plan_options *opts);

/* A plan straight from a compiled config, without Neo4j (check, tests);
 * ws may be NULL: the plan then has no keys. */
int plan_from_config(struct plan **out, const char *ws, const struct config *cfg,
		     const struct config_base *base, const struct plan_options *opts);

/*
 * For the planner's builders: drops the steps whose left_out is set, before
 * layering. A step that ran after one of them runs after that step's own
 * predecessors instead (through any number of left-out steps). params
 * (may be NULL) holds one entry per step and is compacted alike. The
 * dropped steps are listed in plan->left_out. (graph/plan_leave.c)
 */
void plan_leave_out(struct plan *plan, json_t *params);

/*
 * Everything a config must pass offline, the same for `check` and `import`:
 * its schedule's base.conf (keys, template, placeholders inside quotes) and
 * the command template against every step, by building the plan from cfg
 * (compiled without errors). *out (when not NULL) gets the plan.
 */
int plan_validate(struct plan **out, const struct config *cfg);

/* The contract JSON of DESIGN.md section 6 (new reference). */
json_t *plan_to_json(const struct plan *plan);
/* The same document written to out as it goes, without a tree, as
 * json_dumpf(plan_to_json(plan), JSON_INDENT(2) | JSON_PRESERVE_ORDER) would
 * (no trailing newline). -1 when out has an error. */
int plan_write_json(const struct plan *plan, FILE *out);

#endif
