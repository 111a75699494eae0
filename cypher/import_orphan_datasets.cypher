// pmeta import, 6/6: datasets of the workspace's schedule that no step uses
// any more (a dataset of another workspace is never touched).
MATCH (d:Dataset {workspace: $workspace, schedule: $schedule})
WHERE NOT (d)--()
DELETE d
