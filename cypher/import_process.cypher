// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, 1/6: the schedule and the process of one config; properties
// are written only when they differ, so a re-import changes nothing.
// $process: {key, workspace, name, schedule, family, prname, version, config,
//            config_hash, inputs, steps}; $schedule_key: the schedule's key;
// $workspace: the workspace that owns both (keys: graph/keys.h).
// The examples write nothing (a null key is refused):
// :param process => null
// :param schedule_key => null
// :param workspace => null
MERGE (sc:Schedule {key: $schedule_key})
  ON CREATE SET sc.name = $process.schedule, sc.workspace = $workspace
MERGE (p:Process {key: $process.key})
WITH sc, p, [k IN keys($process) WHERE (p[k] IS NULL) <> ($process[k] IS NULL) OR p[k] <> $process[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] ELSE [] END | SET p += $process)
MERGE (sc)-[:HAS_PROCESS]->(p)
