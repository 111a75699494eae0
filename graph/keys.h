#ifndef PMETA_KEYS_H
#define PMETA_KEYS_H

/*
 * Every graph key pmeta writes or looks up is made here, and only here
 * (contract: DESIGN.md section 3, docs/graph.md). A key is the name of the
 * workspace that owns the node, '/', then the node's local key; a child's
 * key is its parent's key, '/', its own name:
 *
 *   Schedule   <ws>/<schedule>                        key_schedule
 *   Process    <ws>/<schedule>/<process>              key_process
 *   Step       <ws>/<schedule>/<process>/<step>       key_step
 *   Procedure  <ws>/<schedule>/<procedure>            key_procedure
 *   Dataset    <ws>/<schedule>/<dataset>              key_dataset ("proc_001_v_000/predict")
 *   Run        <ws>/<run id>                          key_run
 *   JobRun     <ws>/<run id>/<step>/<shard, or ->     key_jobrun
 *   ConfigText <ws>/<config hash>                     key_config_text
 *   Item       <ws>/<schedule>/<dataset>/<name>       key_item (an entry of a dataset's
 *                                                    folder; a name holds no '/')
 *
 * A workspace name never holds '/' (key_workspace_valid), so the first '/'
 * of a key ends the workspace (key_local). Each function returns a new
 * string the caller frees. Bulk statements that would repeat a long prefix
 * for 100,000 rows take it once instead: key_child(parent, "") is the
 * prefix of every child of parent, and the statement appends the names
 * (cypher/import_*.cypher); nothing else puts a key together.
 */

#include <stddef.h>

/* 1 to KEY_WORKSPACE_MAX characters of [A-Za-z0-9._-], the first a letter or digit. */
#define KEY_WORKSPACE_MAX 64
int key_workspace_valid(const char *name);

char *key_child(const char *parent, const char *name);     /* parent "/" name */
char *key_schedule(const char *ws, const char *schedule);
char *key_process(const char *ws, const char *schedule, const char *process);
char *key_step(const char *ws, const char *schedule, const char *process, const char *step);
char *key_procedure(const char *ws, const char *schedule, const char *procedure);
char *key_dataset(const char *ws, const char *schedule, const char *dataset);
char *key_run(const char *ws, const char *run_id);
/* shard < 0: the step is not sharded ("-"). */
char *key_jobrun(const char *ws, const char *run_id, const char *step, int shard);
/* The text of a config a run ran, by its git blob id (one node per text and workspace). */
char *key_config_text(const char *ws, const char *hash);

/* An item of a dataset (an incremental step's unit of work, run/items.h). */
char *key_item(const char *ws, const char *schedule, const char *dataset, const char *name);

/* The key of a workspace's node from its local key ("sche_001/p_002_v_000"). */
char *key_qualify(const char *ws, const char *local);
/* The local part of a key (borrowed, points into key): after the first '/'. */
const char *key_local(const char *key);

#endif
