// The light record of a cycle that found nothing new (run/items.h): no Run,
// no JobRuns; the process keeps when it was last checked and how many
// such checks this workspace made ($checks: the count it keeps locally, so
// writing it again changes nothing).
//   :param process => "ws/sche_001/p_002_v_000"
MATCH (p:Process {key: $process})
SET p.checked_at = datetime($at), p.checks = $checks
RETURN p.checks AS checks
