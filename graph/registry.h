#ifndef PMETA_REGISTRY_H
#define PMETA_REGISTRY_H

/*
 * The registry (issue 13 item 3): what a team asks of every procedure and
 * process version besides its place in pipelines. Import and sync write,
 * on each Procedure and Process node (docs/graph.md):
 *
 *   description      a procedure's module docstring or leading comment
 *                    block; a process's `description` key or its config's
 *                    leading comment block
 *   author, author_email, created_at, created_commit
 *                    the commit that created the file (folder)
 *   updated_at, updated_commit
 *                    the last commit touching it
 *   forked_from      the version it was forked from, when the creating
 *                    commit is a pmeta fork of it
 *
 * Times are Neo4j datetimes (git's author time). Git's facts come from one
 * walk of the history for all versions (vcs/origin.h).
 */

#include <stddef.h>

#include <jansson.h>

#include "util/strmap.h"
#include "vcs/origin.h"
#include "vcs/version.h"

struct git_repository;
struct neo4j;

struct registry_entry {
	enum version_kind kind;
	char *schedule;
	char *name;            /* "proc_004_v_001", "p_002_v_000" */
	char *family;
	char *version;         /* NULL when the name is no version */
	char *path;            /* script or process folder, workspace-relative */
	char *config;          /* a process's config file, workspace-relative, or NULL */
	char *blob;            /* a procedure's script on disk, or NULL */
	char *description;     /* or NULL */
	char *git_path;        /* path inside the git work tree (origin.path) */
	char *id;              /* "<kind>:<schedule>/<name>", the index's key */
	struct origin origin;
};

struct registry {
	struct registry_entry *items;
	size_t n, alloc;
	char *root;            /* the folder holding the schedules */
	char *prefix;          /* root inside the git work tree: "" or "sub/dir/" */
	struct strmap index;   /* id -> entry: each version once */
	int skip_unknown;      /* write no row for a procedure neither git nor its file
				  says anything about (import: its node exists already) */
};

/* root: the folder holding the schedules; git_root: its git work tree (may be the same). */
void registry_init(struct registry *r, const char *root, const char *git_root);
void registry_release(struct registry *r);

/* Adds a procedure version (its script, read from disk when there), once. */
void registry_add_procedure(struct registry *r, const char *schedule, const char *name);
/* Adds a process version; description NULL: read from its config on disk. */
void registry_add_process(struct registry *r, const char *schedule, const char *name,
			  const char *config, const char *description);
/* Adds every version on disk: S/pys/NAME.py and S/process_config/NAME/ with a config. */
void registry_add_all(struct registry *r);

/* Fills every entry's origin from HEAD's history in one walk; *ncommits may be NULL. */
int registry_origins(struct registry *r, struct git_repository *repo, size_t *ncommits);

/*
 * The statements writing the entries of workspace ws (cypher/registry_*.cypher),
 * as a JSON array for neo4j_tx_run or neo4j_commit (new reference). A node
 * that is missing is made; properties are written only when they differ.
 */
json_t *registry_statements(const char *ws, const struct registry *r);

/* --- reading (pmeta ls, show, status) --- */

struct registry_filter {
	const char *schedule;  /* NULL = any */
	const char *family;
	const char *author;    /* name or email, any case */
};

/*
 * The versions of workspace ws, newest first, as an array of objects
 * (cypher/registry_ls.cypher's columns; new reference). 0 or -1.
 */
int registry_list(json_t **out, struct neo4j *db, const char *ws, const struct registry_filter *f);

/*
 * One version's card (cypher/registry_show.cypher's columns as an object:
 * kind, version, forked_from, forks, used_by, steps, runs; new reference),
 * with its last `runs` runs. key from lineage_resolve.
 */
int registry_card(json_t **out, struct neo4j *db, const char *key, long runs);

/* Who wrote each version a run ran (cypher/run_versions.cypher rows as objects). */
int registry_run_versions(json_t **out, struct neo4j *db, const char *run_key);

/*
 * A script's description: its Python module docstring (cleaned as
 * inspect.cleandoc does), else its leading comment block; NULL when it has
 * neither (caller frees). At most 4096 bytes.
 */
char *registry_describe_script(const char *text, size_t len);

#endif
