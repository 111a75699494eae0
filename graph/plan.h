#ifndef PMETA_PLAN_H
#define PMETA_PLAN_H

/*
 * A run plan: the steps of one process with their derived order, and the
 * jobs (one per step, or one per shard) grouped into stages. The planner
 * (issue 3) builds it from the graph; `pmeta plan` prints it and `pmeta run`
 * executes it. Everything here is owned by the plan; plan_free releases all.
 */

#include <stddef.h>

struct neo4j;

struct plan_step {
	char *name;            /* section name in the config = step name */
	char *key;             /* "sche_001/p_002_v_000/proc_004_v_001" */
	char *procedure;       /* procedure version the step runs: "proc_004_v_001" */
	char *procedure_key;   /* "sche_001/proc_004_v_001" */
	char *script;          /* workspace-relative path of the script */
	char *blob;            /* git blob id of the script, or NULL */
	int max_shard;         /* 0 when the step is not sharded */
	long timeout;          /* seconds; 0 = none */
	int retries;           /* extra attempts after a failure */
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

struct plan {
	char *schedule;        /* "sche_001" */
	char *process;         /* "p_002_v_000" */
	char *process_key;     /* "sche_001/p_002_v_000" */
	char *config;          /* workspace-relative path of main.conf, or NULL */
	char **inputs;         /* external input datasets, sorted */
	size_t ninputs;
	struct plan_step *steps;   /* config order */
	size_t nsteps;
	struct plan_job *jobs;     /* stage by stage, config order within a stage */
	size_t njobs;
	struct plan_stage *stages;
	size_t nstages;
};

void plan_free(struct plan *plan);

#endif
