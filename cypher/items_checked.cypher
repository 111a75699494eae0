// pmeta's own write query, not to be pasted: pmeta run runs it.
// The light record of a cycle that found nothing new (run/items.h): no Run,
// no JobRuns; the process keeps when it was last checked and how many
// such checks this workspace made ($checks: the count it keeps locally, so
// writing it again changes nothing).
// (For instance process 'ws/sche_001/p_002_v_000', at '2026-11-21T08:28:47.441Z',
// checks 12.) The examples write nothing:
// :param process => null
// :param at => null
// :param checks => 0
MATCH (p:Process {key: $process})
SET p.checked_at = datetime($at), p.checks = $checks
RETURN p.checks AS checks
