// The id of the latest run (run ids sort by start time), of one process
// when $process (a key or a name) is given.
MATCH (r:Run)
WHERE $process IS NULL OR r.process = $process OR r.process ENDS WITH ('/' + $process)
RETURN r.id AS id
ORDER BY r.id DESC
LIMIT 1
