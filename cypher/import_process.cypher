// pmeta import, 1/9: the schedule and the process of one config.
// $process: {key, name, schedule, family, prname, version, config, config_hash, inputs}
MERGE (sc:Schedule {name: $process.schedule})
MERGE (p:Process {key: $process.key})
SET p += $process
MERGE (sc)-[:HAS_PROCESS]->(p)
