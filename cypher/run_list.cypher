// Recent runs, newest first: of the workspace, or of every workspace (and
// runs no workspace owns yet) when $workspace is null; of one process when
// $process (its name) is given, in $schedule when that is given too.
// :param workspace => 'ws'
// :param schedule => null
// :param process => null
// :param limit => 20
MATCH (r:Run)
WHERE ($workspace IS NULL OR r.workspace = $workspace)
  AND ($schedule IS NULL OR r.schedule = $schedule)
  AND ($process IS NULL OR r.process_name = $process)
RETURN properties(r) AS run
ORDER BY r.id DESC
LIMIT $limit
