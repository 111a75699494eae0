// Status changes of JobRun nodes that exist already: $jobs is a list of
// maps {key, status, attempts, exit_code, ...} (only what changes in a run).
UNWIND $jobs AS j
MATCH (jr:JobRun {key: j.key})
SET jr += j
RETURN count(jr) AS jobs
