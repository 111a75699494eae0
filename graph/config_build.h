#ifndef PMETA_CONFIG_BUILD_H
#define PMETA_CONFIG_BUILD_H

/*
 * How a struct config (graph/config.h) is filled: for the modules of the
 * config compiler only, not for its callers. A config is compiled in three
 * passes over one in-memory model:
 *
 *   0. config_check_text refuses what is not UTF-8, whatever the format;
 *   1. a reader (one per file format) turns text into steps, each with its
 *      keys and values in file order, and records syntax errors:
 *        config_ini.c    main.conf, INI through inih
 *        config_yaml.c   dag.yaml, an ML platform's DAG through libyaml
 *   2. config_keys.c gives the keys their meaning (one table row per key,
 *      key_rules): datasets read, written and deleted, the procedure a
 *      step runs, run settings, `after =`; then each step's own dataset
 *      (named after the step) and its default procedure (its name);
 *   3. config_derive.c derives the order from datasets (rules 1-3, 5, 6).
 *
 * A reader may also add what its format says beyond keys (datasets with
 * config_add_io, a step's procedure) before pass 2. config_files.c finds
 * the files (which reader a file name takes, the schedule and process of
 * a path, procedure scripts, base.conf and its keys) and, in config_load,
 * checks the scripts. config_compile runs the passes; every pass records
 * its problems with config_diag and goes on, so `pmeta check` shows all.
 */

#include <stddef.h>

#include "graph/config.h"
#include "util/err.h"

#define CONFIG_NONE ((size_t)-1)

/* A front end: the file name it reads in a process folder, and its reader. */
struct config_reader {
	const char *file_name;  /* "main.conf" */
	/* Fills cfg->steps (names, lines, params) and syntax diagnostics. */
	void (*read)(struct config *cfg, const char *text, size_t len);
};

/* NULL when no reader takes that file name (config_files.c). */
const struct config_reader *config_reader_for(const char *file_name);

/*
 * Every config text passes here before its reader sees it (config_compile
 * for each front end, config_base_load for base.conf): an error at
 * file:line for each line that is not UTF-8. Returns NULL when the text is
 * valid, else a copy (caller frees, *clean_len its length) with each invalid
 * byte replaced by U+FFFD, so that the reader still reports everything else
 * and no message quotes a broken byte; cfg holds the errors, and nothing
 * of it may reach the graph.
 */
char *config_check_text(struct config *cfg, const char *text, size_t len, size_t *clean_len);

/* Checks the text, reads it with reader, then runs the key and order
 * passes; as config_parse. */
int config_compile(struct config **out, const struct config_reader *reader, const char *file,
		   const char *text, size_t len, const char *schedule, const char *process);

/* --- the model (config.c) --- */

/* Records a diagnostic; line 0 = the file as a whole. */
void config_diag(struct config *cfg, int error, size_t line, const char *fmt, ...) PM_PRINTF(4, 5);

/* The index of the step of that name, or CONFIG_NONE. */
size_t config_find_step(const struct config *cfg, const char *name);

/* Appends a step named name (copied; the caller refused duplicates). */
size_t config_add_step(struct config *cfg, const char *name, size_t line);

/* Appends a key to a step (both strings copied); returns its index. */
size_t config_add_param(struct config *cfg, size_t step, const char *key, const char *value,
			size_t line);

/* The index of the dataset of that name, added when new. */
size_t config_dataset(struct config *cfg, const char *name);

/* The step reads, writes or deletes a dataset (once per name and kind). */
void config_add_io(struct config *cfg, size_t step, const char *dataset, enum config_io_kind kind,
		   int implicit, size_t line);

/* step runs after `after` (ignored when they are the same step). */
void config_add_edge(struct config *cfg, size_t step, size_t after, enum config_reason why,
		     size_t dataset, size_t line);

/* --- the passes --- */

/* config_ini.c: main.conf. */
void config_read_ini(struct config *cfg, const char *text, size_t len);

/* config_yaml.c: dag.yaml. */
void config_read_yaml(struct config *cfg, const char *text, size_t len);

/*
 * config_ini.c: an INI file of settings (base.conf): sections are skipped,
 * fn is called for every key outside a section with its line (again for
 * each continuation line, as inih does). Syntax errors go to cfg.
 */
void config_read_ini_settings(struct config *cfg, const char *text, size_t len,
			      void (*fn)(void *arg, const char *key, const char *value, size_t line),
			      void *arg);

/* config_keys.c: the meaning of every step's keys. */
void config_apply_keys(struct config *cfg);

/* config_derive.c: datasets by the amend convention, edges, deps, cycle, inputs. */
void config_derive(struct config *cfg);

#endif
