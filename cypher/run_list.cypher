// Recent runs, newest first, of one process when $process (key or name) is given.
MATCH (r:Run)
WHERE $process IS NULL OR r.process = $process OR r.process ENDS WITH ('/' + $process)
RETURN properties(r) AS run
ORDER BY r.id DESC
LIMIT $limit
