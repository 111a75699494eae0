#ifndef PMETA_VERSION_H
#define PMETA_VERSION_H

/*
 * Version names of the user's world (DESIGN.md section 1): a procedure
 * "proc_004_v_012" (the script sche_001/pys/proc_004_v_012.py) and a process
 * "p_002_v_000" (the folder sche_001/process_config/p_002_v_000/). The three
 * version digits are major, minor and patch. A name may carry its schedule:
 * "sche_001/proc_004_v_012" (its key in the graph is graph/keys.h's).
 *
 * One grammar for every verb (check, plan, fork, lineage, log, diff, sync):
 * <family>_v_<DDD>, the family an identifier, DDD three digits; the last
 * "_v_" splits it ("algo_local_model_gbdt_v_000": family
 * "algo_local_model_gbdt"). The grammar does not say whether a name is a
 * procedure or a process; where it lives does (fork_locate): a script
 * <schedule>/pys/NAME.py or a folder <schedule>/process_config/NAME/. The
 * naming convention only breaks ties and names what does not exist yet:
 * a family "p_<digits>" is a process, any other a procedure.
 */

#include <stddef.h>

enum version_kind {
	VERSION_PROCEDURE,
	VERSION_PROCESS
};

struct version_name {
	enum version_kind kind;     /* by the convention until fork_locate finds it */
	char *schedule;     /* "sche_001", or NULL when the text had none */
	char *name;         /* "proc_004_v_012" */
	char *family;       /* "proc_004" */
	char *prname;       /* a process's prname: "002" of "p_002" (version_prname) */
	char version[4];    /* "012" */
};

/* "procedure" or "process". */
const char *version_kind_str(enum version_kind kind);

/* An identifier, [A-Za-z_][A-Za-z0-9_]*: schedule, process, section and family names. */
int version_is_ident(const char *s);

/*
 * The grammar: splits "<family>_v_<DDD>" into family and version (caller
 * frees both); -1 (nothing recorded, both NULL) when name is not one.
 */
int version_split(const char *name, char **family, char **version);

/* The convention: a family "p_<digits>" names a process, any other a procedure. */
enum version_kind version_family_kind(const char *family);

/* A process's prname, as the default command passes it: "002" of "p_002"
 * (the family without "p_"), else the family itself. Points into family. */
const char *version_prname(const char *family);

/*
 * Parses "[schedule/]<family>_v_<DDD>". The kind is the convention's
 * (version_family_kind) until fork_locate looks at the workspace. 0, or -1
 * with a PM_EUSAGE error naming the text. The caller releases *out with
 * version_release.
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
