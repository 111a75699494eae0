#ifndef PMETA_SLURM_H
#define PMETA_SLURM_H

/*
 * What pmeta keeps of a run on Slurm, and the Slurm commands it runs. The
 * executor (run/executor_slurm.c) submits; the job wrapper (`pmeta job`,
 * cmd/job.c) runs one job on a node; a later pmeta (status, runs --sync,
 * cancel, run --resume) reconciles a run no pmeta follows any more.
 *
 * Everything lives in the run folder, which must be on a filesystem the
 * nodes share with the machine that submits:
 *
 *   <run>/slurm/plan.json        the steps (name, after, retries) and the jobs
 *                                (index, step, name) of the run, for reconciling
 *   <run>/slurm/submitted.jsonl  one line per sbatch, written by the submitting
 *                                pmeta only: {"id", "attempt", "array", "jobs":
 *                                [{"index", "task"}], "at_ms"}
 *   <run>/slurm/spec/<name>.json what the wrapper of a job needs: command, root,
 *                                log, timeout, grace, retries, environment
 *   <run>/slurm/rec/<name>.<attempt>.jsonl
 *                                the records of one Slurm job of that job,
 *                                written by its wrapper alone
 *   <run>/slurm/out/             Slurm's own output of the wrapper (its errors)
 *   <run>/slurm/open             while no end line closes the run's journal
 *   <run>/slurm/cancelled        `pmeta cancel` stopped the run (its time, ms)
 *
 * <name> is the job's log name without ".log": "<step>" or "<step>.<shard>".
 *
 * Why one record file per Slurm job and not appends to the run's journal:
 * O_APPEND is atomic on one machine's filesystem, but NFS (the usual shared
 * filesystem of a cluster) emulates it on each client with a seek to the
 * size the client knows, so lines appended from two nodes can overwrite each
 * other. A file with one writer cannot be torn by another; the journal
 * keeps one writer too, the pmeta that follows the run (or reconciles it,
 * holding the run's lock).
 *
 * Record lines (one write(2) each, synced):
 *   {"ev":"start","attempt":K,"at_ms":T,"node":"n1","slurm_job":"4243_7"}
 *   {"ev":"timeout","attempt":K,"at_ms":T}
 *   {"ev":"end","attempt":K,"at_ms":T,"exit_code":C|null,"signal":S,
 *    "timed_out":B,"final":B}
 * "final" says the wrapper makes no further attempt in place.
 */

#include <stddef.h>

#include <jansson.h>

#include "util/strbuf.h"
#include "vcs/provenance.h"

/* File names in the run folder (caller frees). */
char *slurm_path(const char *run_dir, const char *fmt, ...) PM_PRINTF(2, 3);

/* Whether the run in run_dir went to Slurm and its journal is not closed yet. */
int slurm_run_open(const char *run_dir);

/*
 * Runs argv (argv[0] from PATH) with envp (NULL: this environment), stdin
 * /dev/null, collecting its standard output and error in out and err (either
 * may be NULL). *status is its exit status, 128 + the signal that killed it.
 * -1 with an error recorded when it cannot be started.
 */
int slurm_command(char *const argv[], char *const envp[], struct strbuf *out,
		  struct strbuf *err, int *status);

/* One Slurm job (or array task) as squeue lists it. */
struct slurm_state {
	char *id;       /* "4243", "4243_7" */
	char *state;    /* "PENDING", "RUNNING", "COMPLETED", "CANCELLED", ... */
	char *reason;   /* "Dependency", "DependencyNeverSatisfied", "None", ... */
	char *node;     /* "" while pending */
};

struct slurm_states {
	struct slurm_state *items;
	size_t n;
};

/*
 * The states of the given jobs (ids of jobs or arrays, every task listed
 * alone), finished ones included while Slurm still knows them (MinJobAge).
 * A job Slurm no longer knows is simply not listed. -1 with an error when
 * squeue cannot be run or fails otherwise.
 */
int slurm_query(struct slurm_states *out, char *const *ids, size_t n);
const struct slurm_state *slurm_states_find(const struct slurm_states *s, const char *id);
void slurm_states_release(struct slurm_states *s);

/* True for the states of a job that will not run any more. */
int slurm_state_final(const char *state);

/*
 * scancel of the given ids: the normal way (SIGTERM, SIGKILL after the
 * cluster's KillWait), or with kill set SIGKILL to every process at once.
 * Ids Slurm no longer knows are no error.
 */
int slurm_cancel(char *const *ids, size_t n, int kill);

/* One record of a wrapper's file. */
struct slurm_record {
	enum { SLURM_REC_START, SLURM_REC_TIMEOUT, SLURM_REC_END } ev;
	int attempt;
	long long at_ms;
	int exit_code;        /* -1 when none */
	int signal;
	int timed_out;
	int final;
	char node[256];
	char slurm_job[64];
	struct script_provenance script;   /* START: what the attempt runs (blob "" = unknown) */
};

/*
 * Reads the complete lines of a record file from *offset on, calling fn for
 * each record and moving *offset past them. A missing file is no error
 * (the job has not started). Returns the number of records, or -1.
 */
int slurm_records_read(const char *path, long long *offset,
		       void (*fn)(void *arg, const struct slurm_record *rec), void *arg);

/*
 * Brings the journal of a run that went to Slurm and that no pmeta follows
 * (detached, or its pmeta died) up to date from the wrappers' records and
 * Slurm's states: appends a job line for every job whose state changed and,
 * once every job is over, the end line. The caller holds the run's lock.
 * Without Slurm (no SLURM_CONF, squeue failing) it goes by the records
 * alone and never closes the run. *ended says whether the journal is closed.
 */
int slurm_reconcile(const char *run_dir, int *ended);

/*
 * Stops every Slurm job of a run that no pmeta follows: marks it cancelled,
 * scancels its jobs and waits (up to wait_s seconds) until Slurm lists none
 * of them as queued or running. *njobs counts the Slurm jobs cancelled.
 */
int slurm_cancel_run(const char *run_dir, double wait_s, size_t *njobs);

#endif
