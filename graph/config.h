#ifndef PMETA_CONFIG_H
#define PMETA_CONFIG_H

/*
 * The process config compiler: a process folder's config file becomes
 * steps, the datasets they read, write and delete, and the derived order
 * between steps (DESIGN.md section 2, rules 1-6). This header is the model
 * every caller sees (check, import, the planner), whichever reader filled
 * it; graph/config_build.h says how it is filled and by which module.
 *
 * config_parse never stops at the first problem: every error and warning
 * is kept in cfg->diags with its line, so `pmeta check` can show them all.
 * It returns -1 when there is at least one error; *out is still set then
 * (the caller frees it) and the recorded pm_error lists every error.
 */

#include <stddef.h>

#include <jansson.h>

#include "graph/slurm_keys.h"
#include "util/strmap.h"

enum config_io_kind { CONFIG_READS, CONFIG_WRITES, CONFIG_DELETES };

/* Why a step runs after another (for messages). */
enum config_reason {
	CONFIG_BY_DATA,     /* reads a dataset the other writes (rule 1, 2) */
	CONFIG_BY_DELETE,   /* deletes a dataset the other reads or writes (rule 3) */
	CONFIG_BY_AFTER     /* after = (rule 4) */
};

struct config_diag {
	int error;          /* 0 = warning */
	size_t line;        /* 0 = the file as a whole */
	char *msg;          /* without "file:line: " */
};

struct config_param {
	char *key;
	char *value;        /* its text: what key rules and command templates see */
	size_t line;
	json_t *typed;      /* the reader's typed value (YAML: a list, null, a number...),
			       owned; NULL when the text is typed (graph/value.h) */
};

struct config_io {
	size_t dataset;     /* index into cfg->datasets */
	enum config_io_kind kind;
	int implicit;       /* a write derived by the amend convention (rule 2) */
	size_t line;        /* the key that made it (the section line for implicit ones) */
};

struct config_dataset {
	char *name;         /* "proc_002_v_000" or "proc_002_v_000/predict" */
	size_t parent;      /* index of the dataset before the last '/', or (size_t)-1 */
	int written;        /* some step writes it explicitly */
};

struct config_edge {
	size_t step;        /* runs after ... */
	size_t after;       /* ... this step */
	enum config_reason reason;
	size_t dataset;     /* for BY_DATA / BY_DELETE */
	size_t line;        /* the key that made the edge */
};

struct config_step {
	char *name;         /* the step: its section name; its own dataset is named after it */
	size_t line;
	char *procedure;    /* the procedure version it runs: `procedure =`, else the name */
	size_t procedure_line;  /* the key that named it, or 0 when the name says it */
	const char *procedure_key;  /* that key's name ("procedure", "algo_name"), or NULL */
	char *family;       /* "proc_004" of procedure "proc_004_v_012", or the procedure */
	char *version;      /* "012", or NULL when the procedure is no <family>_v_<DDD> */
	struct config_param *params;    /* every key of the section, file order */
	size_t nparams;
	struct config_io *io;
	size_t nio;
	int max_shard;      /* 0 = not sharded */
	long timeout;       /* seconds, 0 = none */
	int retries;
	int disabled;       /* `enabled = false`: left out of plans and runs */
	size_t disabled_line;   /* the key that said so */
	int priority;       /* `priority = N`: ready jobs with a higher one start first */
	int no_own_dataset; /* the reader said what it writes (YAML ports): no dataset
			       named after the step */
	char *items;        /* `items = GLOB`: the step is incremental; NULL when it is not */
	long batch;         /* `batch` (or `per_handle_task_num`) of an incremental step; 0 = no cap */
	size_t *deps;       /* steps it runs after: sorted, unique */
	size_t ndeps;
};

struct config {
	char *file;         /* path as given, for messages */
	char *root;         /* workspace root (folder holding the schedule), or NULL */
	char *path;         /* workspace-relative path of the config, or NULL */
	char *schedule;     /* "sche_001" */
	char *process;      /* "p_002_v_000" */
	char *family;       /* "p_002" */
	char *prname;       /* "002" */
	char *version;      /* "000" */
	char hash[41];      /* git blob id of the file's content */
	char *description;  /* `description =` or the file's leading comment block, or NULL */
	struct config_step *steps;      /* config order */
	size_t nsteps;
	struct config_dataset *datasets;
	size_t ndatasets;
	size_t *inputs;     /* datasets read and written by no step, sorted by name */
	size_t ninputs;
	struct config_edge *edges;      /* every derived edge, with its reason */
	size_t nedges;
	struct config_diag *diags;
	size_t ndiags;
	size_t nerrors;
	struct strmap step_index;       /* name -> index into steps */
	struct strmap dataset_index;    /* name -> index into datasets */
};

/*
 * Compiles the text of a main.conf (INI; len bytes, need not be NUL
 * terminated). file names the config in messages. schedule and process may
 * be NULL (then commands and keys cannot be made; a parse-only check).
 */
int config_parse(struct config **out, const char *file, const char *text, size_t len,
		 const char *schedule, const char *process);

/*
 * Reads and compiles the config at path (relative to the current folder),
 * which must be <root>/<schedule>/process_config/<process>/<file>; the file
 * name picks the reader (main.conf: INI, dag.yaml: an ML platform's DAG). Missing scripts <root>/<schedule>/pys/<step>.py
 * become warnings.
 * Returns -1 with an error recorded for I/O problems (then *out is NULL)
 * and for an invalid config (then *out holds the diagnostics).
 */
int config_load(struct config **out, const char *path);

/* config_load of a text already read from path (len bytes). */
int config_load_text(struct config **out, const char *path, const char *text, size_t len);

void config_free(struct config *cfg);

/*
 * The comment block a file starts with (lines starting with one of
 * markers, up to the first blank or other line; "#!" and "-*-" lines
 * skipped), without the markers and the space after them, at most 4096
 * bytes; NULL when there is none (caller frees). A process's description
 * when its config has no `description`, a script's without a docstring.
 */
char *config_leading_comment(const char *text, size_t len, const char *markers);

/*
 * A process's description from the text of its config file (file_name
 * picks the reader): its `description` key, else its leading comment
 * block; NULL when it has none (caller frees). Errors do not matter here.
 */
char *config_describe(const char *file_name, const char *text, size_t len);

/* The git blob id of a text (what config_load puts in cfg->hash). */
void config_text_hash(char hash[41], const char *text, size_t len);

/* Splits <root>/<schedule>/process_config/<process>/main.conf (after
 * realpath) into its parts; the caller frees them. */
int config_locate(const char *path, char **root, char **schedule, char **process);

/*
 * What a process name given on the command line means (pmeta plan, run):
 * a config file's path, "sche_001/p_002_v_000" or "p_002_v_000". Sets
 * *schedule, *process and *config (the config file, or NULL when there is
 * none on disk; caller frees all three). Returns 0, or 1 when a bare name has
 * no config on disk under root (then only the graph can tell), or -1 with an
 * error. The graph key of the process is graph/keys.h's, from these names.
 */
int config_find_process(const char *root, const char *target, char **schedule, char **process,
			char **config);

/* The config file of <root>/<schedule>/process_config/<process>/ (main.conf,
 * dag.yaml), or NULL when it has none (caller frees). */
char *config_process_file(const char *root, const char *schedule, const char *process);

/* "sche_001/pys/proc_004_v_000.py": a procedure's script, workspace-relative (caller frees). */
char *config_script_path(const char *schedule, const char *procedure);

/* The value of a step's key, or NULL. */
const char *config_step_param(const struct config_step *step, const char *key);

/* "file:line: msg" lines of every error, joined by "\nerror: " (caller frees). */
char *config_error_text(const struct config *cfg);

/*
 * The variable names of a pass_env value ("A, B C", base.conf's or a
 * step's), appended to the NULL-terminated *names (allocated when NULL; no
 * duplicates; caller frees). Returns 0, or -1 with *bad the first entry that
 * is not a name [A-Za-z_][A-Za-z0-9_]* (caller frees it).
 */
int config_pass_env(char ***names, const char *list, char **bad);

/*
 * The schedule-wide settings of <root>/<schedule>/base.conf: the command
 * interpreter and template (a placeholder inside quotes is refused with
 * base.conf:line), the variables every job gets, the executor and the Slurm
 * defaults of its steps. Absent file = defaults.
 */
struct config_base {
	char *file;             /* path for messages, or NULL when defaulted */
	char *interpreter;      /* "python" */
	char *template;         /* see DEFAULT_TEMPLATE in config_files.c */
	size_t template_line;
	char *executor;         /* "local" or "slurm", or NULL when not set */
	char *slurm[SLURM_NKEYS];   /* by enum slurm_key, NULL when not set */
	char *openlineage;      /* where `pmeta run` sends OpenLineage events (a file,
				   relative to the workspace root, or a URL), or NULL */
	char *pass_env;         /* "NAME, NAME2": variables every job of the schedule gets, or NULL */
	char *data_root;        /* `data_root` as written, or NULL: the schedule's folder */
};

/*
 * The folder datasets of a schedule live in (absolute, caller frees): the
 * schedule's folder <root>/<schedule>, or base.conf's data_root (absolute,
 * or relative to the workspace root). base may be NULL.
 */
char *config_data_root(const struct config_base *base, const char *root, const char *schedule);

int config_base_load(struct config_base *base, const char *root, const char *schedule);
void config_base_release(struct config_base *base);

#endif
