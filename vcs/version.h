#ifndef PMETA_VERSION_H
#define PMETA_VERSION_H

/*
 * Version names of the user's world (DESIGN.md section 1): a procedure
 * "proc_004_v_012" (the script sche_001/pys/proc_004_v_012.py) and a process
 * "p_002_v_000" (the folder sche_001/process_config/p_002_v_000/). The three
 * version digits are major, minor and patch. A name may carry its schedule:
 * "sche_001/proc_004_v_012" (its key in the graph is graph/keys.h's).
 */

#include <stddef.h>

enum version_kind {
	VERSION_PROCEDURE,
	VERSION_PROCESS
};

struct version_name {
	enum version_kind kind;
	char *schedule;     /* "sche_001", or NULL when the text had none */
	char *name;         /* "proc_004_v_012" */
	char *family;       /* "proc_004" */
	char *number;       /* "004" (a process's prname) */
	char version[4];    /* "012" */
};

/* "procedure" or "process". */
const char *version_kind_str(enum version_kind kind);

/*
 * Parses "[schedule/]proc_N_v_DDD" or "[schedule/]p_N_v_DDD" (N digits, DDD
 * exactly three digits). 0, or -1 with a PM_EUSAGE error naming the text.
 * The caller releases *out with version_release.
 */
int version_parse(struct version_name *out, const char *text);
void version_release(struct version_name *v);
/* Deep copy. */
void version_copy(struct version_name *dst, const struct version_name *src);
/* Sets the schedule (copied), replacing any. */
void version_set_schedule(struct version_name *v, const char *schedule);
/* The same family with another version ("013"); *out released by the caller. */
void version_with(struct version_name *out, const struct version_name *v, const char *version);

/* New strings (caller frees); the schedule must be set. */
char *version_path(const struct version_name *v);       /* script file or process folder */
char *version_dir(const struct version_name *v);        /* "sche_001/pys" or "sche_001/process_config" */
/* The entry name inside version_dir: "proc_004_v_012.py" or "p_002_v_000". */
char *version_entry(const struct version_name *v);

/*
 * If `entry` (a file or folder name inside version_dir) is a version of v's
 * family, stores its three digits in digits[0..2] and returns 1; else 0.
 */
int version_entry_digits(const struct version_name *v, const char *entry, int digits[3]);

#endif
