// pmeta's own write query, not to be pasted: pmeta run, status and sync run it.
// Status changes of JobRun nodes that exist already: $jobs is a list of
// maps {key, status, attempts, exit_code, ...} (only what changes in a run);
// times arrive as ISO 8601 text and are stored as datetime values.
// The example writes nothing:
// :param jobs => []
UNWIND $jobs AS j
MATCH (jr:JobRun {key: j.key})
SET jr += j
SET jr.started_at = datetime(jr.started_at), jr.finished_at = datetime(jr.finished_at)
RETURN count(jr) AS jobs
