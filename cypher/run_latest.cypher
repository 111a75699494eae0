// The id of the latest run of the workspace (run ids sort by start time),
// of one process when $process (its name) is given, in $schedule when that
// is given too.
// :param workspace => 'ws'
// :param schedule => null
// :param process => null
MATCH (r:Run {workspace: $workspace})
WHERE ($schedule IS NULL OR r.schedule = $schedule)
  AND ($process IS NULL OR r.process_name = $process)
RETURN r.id AS id
ORDER BY r.id DESC
LIMIT 1
