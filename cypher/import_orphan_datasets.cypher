// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, 6/6: datasets of the workspace's schedule that no step uses
// any more (a dataset of another workspace is never touched).
// The examples delete nothing (a workspace is never null):
// :param workspace => null
// :param schedule => 'sche_001'
MATCH (d:Dataset {workspace: $workspace, schedule: $schedule})
WHERE NOT (d)--()
DELETE d
