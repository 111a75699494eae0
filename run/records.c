/*
 * Run records (run/records.h): written to the graph from journal objects,
 * read back from the graph or a journal, and printed in one shape.
 */
#include <stdlib.h>
#include <string.h>

#include "cypher.h"
#include "graph/keys.h"
#include "graph/neo4j.h"
#include "run/journal.h"
#include "run/records.h"
#include "util/err.h"
#include "util/isotime.h"
#include "util/strbuf.h"

#define JOBS_PER_STATEMENT 2000

/*
 * The fields of a Run and of a JobRun as every --json output prints them
 * (docs/json.md; the schema files docs/schema/run.schema.json and
 * job.schema.json list the same names with their types). A field a record
 * lacks prints as null. To add one: a row here, a property (and its
 * "required" entry) in the schema file, a line in docs/run.md.
 */
static const char *const run_fields[] = {
	"key", "id", "workspace", "status", "started_at", "finished_at", "duration_ms",
	"process", "process_name", "schedule", "config", "config_hash", "target",
	"host", "user", "pmeta_version", "root", "dir", "max_jobs",
	"njobs", "succeeded", "failed", "skipped", "aborted", "up_to_date", "reused",
	"resume_of", "selection", "interrupted_by", "reason", "executor", "detached",
	NULL
};

static const char *const job_fields[] = {
	"key", "workspace", "run", "index", "step", "step_key", "shard", "max_shard",
	"status", "exit_code", "signal", "timed_out", "attempts",
	"started_at", "finished_at", "duration_ms", "log", "command",
	"procedure", "procedure_key", "script", "blob", "dirty", "commit",
	"reused_from", "skipped_after", "reason", "slurm_job", "node", "slurm_state",
	"nitems", "nprocessed", "error",
	NULL
};

/* --- writing --- */

void records_times_text(json_t *o)
{
	static const char *const keys[] = { "started_at", "finished_at", NULL };
	size_t i;

	for (i = 0; keys[i]; i++) {
		long long ms;

		if (iso_time_parse(json_string_value(json_object_get(o, keys[i])), &ms) == 0) {
			char *text = run_time_iso(ms);

			json_object_set_new(o, keys[i], json_string(text));
			free(text);
		}
	}
}


static void add_chunks(json_t *stmts, const char *statement, const char *run_key, const json_t *jobs)
{
	json_t *chunk = NULL;
	size_t i, n = json_array_size(jobs);

	for (i = 0; i < n; i++) {
		if (!chunk)
			chunk = json_array();
		json_array_append(chunk, json_array_get(jobs, i));
		if (json_array_size(chunk) == JOBS_PER_STATEMENT || i + 1 == n) {
			json_array_append_new(stmts, neo4j_stmt(statement,
								json_pack("{sssO}", "run", run_key, "jobs", chunk)));
			json_decref(chunk);
			chunk = NULL;
		}
	}
}

/* The ConfigText statement of a run object that carries its config text. */
static json_t *config_stmt(const json_t *run, const char *key, const char *ws)
{
	const char *hash = json_string_value(json_object_get(run, "config_hash"));
	char *ckey;
	json_t *stmt;

	if (!hash || !json_object_get(run, "config_text"))
		return NULL;
	ckey = key_config_text(ws, hash);
	stmt = neo4j_stmt(cypher_run_config,
			  json_pack("{s:s, s:s, s:s, s:s, s:O}", "run", key, "key", ckey, "workspace", ws,
				    "hash", hash, "text", json_object_get(run, "config_text")));
	free(ckey);
	return stmt;
}

int records_write2(struct neo4j *db, const json_t *run, const json_t *jobs, const json_t *updates,
		   int jobs_are_new)
{
	json_t *stmts = json_array(), *props, *config;
	const char *key = json_string_value(json_object_get(run, "key"));
	const char *ws = json_string_value(json_object_get(run, "workspace"));
	const char *resume_of = json_string_value(json_object_get(run, "resume_of"));
	char *resume_key = ws && resume_of ? key_run(ws, resume_of) : NULL;
	int ret;

	if (!key || !ws) {
		free(resume_key);
		json_decref(stmts);
		return pm_error(PM_EFAIL, "a run record without its key or workspace");
	}
	/* The config's text is a node of its own, never a Run property. */
	props = json_copy((json_t *)run);
	json_object_del(props, "config_text");
	json_array_append_new(stmts, neo4j_stmt(cypher_run_upsert,
						json_pack("{sOss?}", "run", props,
							  "resume_key", resume_key)));
	json_decref(props);
	if ((config = config_stmt(run, key, ws)))
		json_array_append_new(stmts, config);
	add_chunks(stmts, jobs_are_new ? cypher_run_jobs_create : cypher_run_jobs_upsert, key, jobs);
	add_chunks(stmts, cypher_run_jobs_update, key, updates);
	ret = neo4j_commit(db, NULL, stmts);
	json_decref(stmts);
	free(resume_key);
	return ret;
}

static void set_key(json_t *o, const char *field, char *key)
{
	json_object_set_new(o, field, json_string(key));
	free(key);
}

void records_normalise(json_t *run, json_t *jobs, const char *ws)
{
	const char *id = json_string_value(json_object_get(run, "id"));
	const char *schedule = json_string_value(json_object_get(run, "schedule"));
	const char *process = json_string_value(json_object_get(run, "process_name"));
	const char *old_ws = json_string_value(json_object_get(run, "workspace"));
	char *prefix = key_qualify(ws, "");
	json_t *job;
	size_t i;

	if (!id)
		goto out;
	/* An earlier pmeta kept the workspace's path under "workspace"... */
	if (old_ws && old_ws[0] == '/' && !json_object_get(run, "root"))
		json_object_set_new(run, "root", json_string(old_ws));
	/* ... and the number of jobs under "jobs". */
	if (json_is_integer(json_object_get(run, "jobs")) && !json_object_get(run, "njobs")) {
		json_object_set(run, "njobs", json_object_get(run, "jobs"));
		json_object_del(run, "jobs");
	}
	json_object_set_new(run, "workspace", json_string(ws));
	set_key(run, "key", key_run(ws, id));
	if (schedule && process)
		set_key(run, "process", key_process(ws, schedule, process));
	json_array_foreach(jobs, i, job) {
		const char *step = json_string_value(json_object_get(job, "step"));
		const char *proc = json_string_value(json_object_get(job, "procedure"));
		const char *after = json_string_value(json_object_get(job, "skipped_after"));
		const json_t *shard = json_object_get(job, "shard");

		if (!step)
			continue;
		json_object_set_new(job, "workspace", json_string(ws));
		set_key(job, "key", key_jobrun(ws, id, step,
					       json_is_integer(shard) ? (int)json_integer_value(shard) : -1));
		if (schedule && process)
			set_key(job, "step_key", key_step(ws, schedule, process, step));
		if (schedule && proc)
			set_key(job, "procedure_key", key_procedure(ws, schedule, proc));
		/* A job key of the same run, from before workspaces: qualify it. */
		if (after && strncmp(after, prefix, strlen(prefix)))
			set_key(job, "skipped_after", key_qualify(ws, after));
	}
out:
	free(prefix);
}

int records_write(struct neo4j *db, const json_t *run, const json_t *jobs)
{
	return records_write2(db, run, jobs, NULL, 0);
}

json_t *records_job_update(const json_t *job)
{
	static const char *const keys[] = { "key", "status", "attempts", "exit_code", "signal",
					    "timed_out", "started_at", "finished_at", "duration_ms",
					    "skipped_after", "log", "blob", "dirty", "commit", "slurm_job",
					    "node", "reason", "slurm_state", "nitems", "nprocessed", "error", NULL };
	json_t *o = json_object();
	size_t i;

	for (i = 0; keys[i]; i++) {
		json_t *v = json_object_get(job, keys[i]);

		if (v)
			json_object_set(o, keys[i], v);
	}
	return o;
}

void records_script_set(json_t *o, const struct script_provenance *p)
{
	json_object_set_new(o, "blob", p->blob[0] ? json_string(p->blob) : json_null());
	json_object_set_new(o, "dirty", p->blob[0] && p->dirty >= 0 ? json_boolean(p->dirty) : json_null());
	json_object_set_new(o, "commit", p->commit[0] ? json_string(p->commit) : json_null());
}

static void copy_hex(char *dst, const json_t *v)
{
	const char *s = json_string_value(v);

	if (s && strlen(s) <= PROVENANCE_HEXSZ)
		strcpy(dst, s);
}

void records_script_get(struct script_provenance *p, const json_t *o)
{
	struct script_provenance unknown = SCRIPT_PROVENANCE_INIT;
	const json_t *dirty = json_object_get(o, "dirty");

	*p = unknown;
	copy_hex(p->blob, json_object_get(o, "blob"));
	copy_hex(p->commit, json_object_get(o, "commit"));
	if (json_is_boolean(dirty))
		p->dirty = json_is_true(dirty);
}

/* --- reading --- */

int records_get(struct neo4j *db, const char *ws, const char *id, json_t **run, json_t **jobs)
{
	json_t *res = NULL, *job;
	char *key = key_run(ws, id);
	size_t i;
	int found = 0;

	*run = *jobs = NULL;
	if (neo4j_query(db, &res, cypher_run_get, json_pack("{ss}", "key", key)) < 0) {
		free(key);
		return -1;
	}
	free(key);
	if (neo4j_nrows(res)) {
		*run = json_incref(neo4j_cell(res, 0, "run"));
		*jobs = json_incref(neo4j_cell(res, 0, "jobs"));
		if (!json_is_array(*jobs)) {
			json_decref(*jobs);
			*jobs = json_array();
		}
		records_times_text(*run);
		json_array_foreach(*jobs, i, job)
			records_times_text(job);
		found = 1;
	}
	json_decref(res);
	return found;
}

/* "sche_001/p_001_v_000" or "p_001_v_000" or NULL -> schedule (caller frees) and process. */
static void split_target(const char *target, char **schedule, const char **process)
{
	const char *slash = target ? strchr(target, '/') : NULL;

	*schedule = slash ? xstrndup(target, (size_t)(slash - target)) : NULL;
	*process = slash ? slash + 1 : target;
}

int records_latest(struct neo4j *db, const char *ws, const char *target, char **id)
{
	json_t *res = NULL;
	const char *process;
	char *schedule;
	int r;

	*id = NULL;
	split_target(target, &schedule, &process);
	r = neo4j_query(db, &res, cypher_run_latest,
			json_pack("{s:s, s:s?, s:s?}", "workspace", ws, "schedule", schedule,
				  "process", process));
	free(schedule);
	if (r < 0)
		return -1;
	if (neo4j_nrows(res) && json_string_value(neo4j_cell(res, 0, "id")))
		*id = xstrdup(json_string_value(neo4j_cell(res, 0, "id")));
	json_decref(res);
	return 0;
}

int records_list(struct neo4j *db, const char *ws, const char *target, long limit, json_t **runs)
{
	json_t *res = NULL;
	const char *process;
	char *schedule;
	size_t i;
	int r;

	*runs = NULL;
	split_target(target, &schedule, &process);
	r = neo4j_query(db, &res, cypher_run_list,
			json_pack("{s:s?, s:s?, s:s?, s:I}", "workspace", ws, "schedule", schedule,
				  "process", process, "limit", (json_int_t)limit));
	free(schedule);
	if (r < 0)
		return -1;
	*runs = json_array();
	for (i = 0; i < neo4j_nrows(res); i++) {
		json_t *run = neo4j_cell(res, i, "run");

		records_times_text(run);
		json_array_append(*runs, run);
	}
	json_decref(res);
	return 0;
}

int records_load_journal(const char *root, const char *ws, const char *id, json_t **run,
			 json_t **jobs)
{
	char *dir = run_dir(root, id), *path = xstrfmt("%s/journal.jsonl", dir);
	int ended, ret = journal_load(run, jobs, &ended, path);

	if (ret == 0)
		records_normalise(*run, *jobs, ws);
	free(dir);
	free(path);
	return ret;
}

int records_config_text(struct neo4j *db, const char *ws, const char *id, char **hash, char **text)
{
	json_t *res = NULL;
	char *key = key_run(ws, id);
	const char *h, *t;
	int r;

	*text = NULL;
	if (hash)
		*hash = NULL;
	r = neo4j_query(db, &res, cypher_run_config_of, json_pack("{ss}", "run", key));
	free(key);
	if (r < 0)
		return -1;
	h = json_string_value(neo4j_cell(res, 0, "hash"));
	t = json_string_value(neo4j_cell(res, 0, "text"));
	if (hash && h)
		*hash = xstrdup(h);
	if (t)
		*text = xstrdup(t);
	json_decref(res);
	return 0;
}

/* --- shapes --- */

static json_t *shape(const json_t *o, const char *const *fields)
{
	json_t *out = json_object();
	size_t i;

	for (i = 0; fields[i]; i++) {
		json_t *v = json_object_get(o, fields[i]);

		json_object_set_new(out, fields[i], v ? json_incref(v) : json_null());
	}
	return out;
}

json_t *records_run_json(const json_t *run)
{
	json_t *out = shape(run, run_fields);

	/* A Run written before "njobs" (not yet migrated) counted its jobs in "jobs". */
	if (json_is_null(json_object_get(out, "njobs")) &&
	    json_is_integer(json_object_get(run, "jobs")))
		json_object_set(out, "njobs", json_object_get(run, "jobs"));
	return out;
}

json_t *records_job_json(const json_t *job)
{
	return shape(job, job_fields);
}

json_t *records_status_json(const json_t *run, const json_t *jobs, const char *source)
{
	json_t *out = records_run_json(run), *list = json_array(), *job;
	size_t i;

	json_array_foreach(jobs, i, job)
		json_array_append_new(list, records_job_json(job));
	json_object_set_new(out, "source", json_string(source));
	json_object_set_new(out, "jobs", list);
	return out;
}

json_t *records_runs_json(const json_t *runs)
{
	json_t *out = json_array(), *run;
	size_t i;

	json_array_foreach(runs, i, run)
		json_array_append_new(out, records_run_json(run));
	return out;
}
