#ifndef PMETA_RECORDS_H
#define PMETA_RECORDS_H

/*
 * Run records: the properties of a Run and of its JobRuns, read and
 * written here and nowhere else (STYLE.md, "Read and write a record in
 * one place"; cmd/ sends no query of its own about runs).
 *
 * A record is a JSON object of plain values. The run journal keeps it as
 * text (run/journal.h), the graph as (:Run), (:JobRun) and (:ConfigText)
 * nodes (cypher/run_*.cypher: ISO 8601 text becomes datetime values), and
 * every --json output prints it in ONE documented shape whatever it was
 * read from (docs/json.md, docs/schema/run.schema.json and
 * job.schema.json): every field present, null when unknown. The fields
 * are the tables run_fields and job_fields in run/records.c: a new field
 * is a row there and a property in the schema file.
 */

#include <jansson.h>

#include "vcs/provenance.h"

struct neo4j;

/* --- writing --- */

/*
 * Writes one run and the given job objects (borrowed) to the graph in one
 * transaction (UNWIND batches of at most 2,000 jobs). When the run object
 * has a "config_text" member (the journal's header does; it is never a
 * Run property), the config's text is kept once per hash in a ConfigText
 * node linked from the Run (cypher/run_config.cypher).
 */
int records_write(struct neo4j *db, const json_t *run, const json_t *jobs);
/*
 * The same, plus updates (may be NULL): objects of JobRun nodes written
 * before, with only the properties a run changes (see records_job_update).
 * jobs_are_new: no JobRun of jobs exists yet (a live run's first write of
 * them, no failed request before it): created, not merged.
 */
int records_write2(struct neo4j *db, const json_t *run, const json_t *jobs,
		   const json_t *updates, int jobs_are_new);
/* The properties of a job object that change while it runs (new reference). */
json_t *records_job_update(const json_t *job);

/*
 * Brings the run and job objects of a journal (this release's, or an
 * earlier one's, whose keys had no workspace) to the keys of workspace ws,
 * in place: the keys are made again from the run id, schedule, process,
 * step and shard (graph/keys.h); an earlier "workspace" path moves to
 * "root", an earlier "jobs" count to "njobs".
 */
void records_normalise(json_t *run, json_t *jobs, const char *ws);

/*
 * A job's script provenance as record fields: sets "blob", "dirty" and
 * "commit" in o (null when unknown), and reads them back (a cluster's job
 * wrapper writes them into its start line, its executor reads them).
 */
void records_script_set(json_t *o, const struct script_provenance *p);
void records_script_get(struct script_provenance *p, const json_t *o);

/* --- reading --- */

/*
 * One run of workspace ws from the graph: 1 with *run and *jobs (new
 * references, jobs in plan order, times as text) when found, 0 when the
 * graph does not have it, -1 with an error recorded.
 */
int records_get(struct neo4j *db, const char *ws, const char *id, json_t **run, json_t **jobs);
/*
 * The id of the newest run of workspace ws (caller frees; NULL when there
 * is none), of one process when target is "p_001_v_000" or
 * "sche_001/p_001_v_000". 0, or -1 with an error recorded.
 */
int records_latest(struct neo4j *db, const char *ws, const char *target, char **id);
/*
 * The newest runs (at most limit), of workspace ws or of every workspace
 * when ws is NULL, of one process when target is given: *runs a new array
 * of run objects, times as text.
 */
int records_list(struct neo4j *db, const char *ws, const char *target, long limit, json_t **runs);
/*
 * One run of the workspace at root from its journal (.pmeta/runs/<id>/),
 * normalised to workspace ws: as records_get, -1 when it cannot be read.
 */
int records_load_journal(const char *root, const char *ws, const char *id, json_t **run,
			 json_t **jobs);
/*
 * The text of the config run id ran (*text, caller frees; NULL when the
 * graph has no text for it) and its hash (*hash, may be NULL). 0 or -1.
 */
int records_config_text(struct neo4j *db, const char *ws, const char *id, char **hash, char **text);

/*
 * Rewrites the started_at and finished_at of a run or job object read from
 * the graph (datetime values, which Neo4j prints as "2026-11-21T10:15Z")
 * as run_time_iso does, so they read as in the journal.
 */
void records_times_text(json_t *o);

/* --- the documented shapes (new references) --- */

/* A Run: every field of run_fields, null when unknown. */
json_t *records_run_json(const json_t *run);
/* A JobRun: every field of job_fields, null when unknown. */
json_t *records_job_json(const json_t *job);
/* `pmeta status --json`: the run's fields, "source" and "jobs". */
json_t *records_status_json(const json_t *run, const json_t *jobs, const char *source);
/* `pmeta runs --json`: an array of runs. */
json_t *records_runs_json(const json_t *runs);

#endif
