#ifndef PMETA_SLURM_KEYS_H
#define PMETA_SLURM_KEYS_H

/*
 * Where a plan's jobs run (DESIGN.md section 2): `executor = local|slurm`
 * in base.conf, and the Slurm settings a step or base.conf may give
 * (slurm_partition, slurm_account, slurm_cpus, slurm_mem, slurm_extra).
 * The config compiler (graph/config_keys.c, graph/config_files.c) checks
 * them with these functions; the planner copies them onto each plan step
 * (a step's own value, else base.conf's); run/executor_slurm.c turns them
 * into sbatch arguments.
 *
 * slurm_extra is never given to a shell: it is split on blanks into words,
 * each passed to sbatch as one argument. So that no word can become
 * sbatch's script or swallow one of pmeta's own options, every word is an
 * option with its value attached (`--qos=high`, `-N1`); quotes and
 * backslashes are refused (nothing would unquote them), and so are the
 * options pmeta sets itself (--array, --dependency, --output, --time, ...;
 * the ones that have a key of their own name it).
 */

#include <stddef.h>

enum slurm_key {
	SLURM_PARTITION,
	SLURM_ACCOUNT,
	SLURM_CPUS,
	SLURM_MEM,
	SLURM_EXTRA,
	SLURM_NKEYS
};

/* "slurm_partition", ... by enum slurm_key. */
extern const char *const slurm_key_names[SLURM_NKEYS];

/* The enum slurm_key of a key name, or -1. */
int slurm_key_find(const char *key);

/* NULL when value suits key k, else why not, without the key (caller frees). */
char *slurm_key_check(enum slurm_key k, const char *value);

/*
 * The words of a valid slurm_extra value (a NULL-terminated array the caller
 * frees with free_strings(words, n)). -1 with an error recorded when invalid.
 */
int slurm_extra_split(const char *value, char ***words, size_t *n);

/* `executor = ` values. */
#define EXECUTOR_LOCAL "local"
#define EXECUTOR_SLURM "slurm"
/* NULL when name is an executor, else why not (caller frees). */
char *executor_name_check(const char *name);

#endif
