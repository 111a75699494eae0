// pmeta import, 2/9: steps the config no longer has go, with their edges.
// $process: process key; $keys: the step keys the config has now.
MATCH (:Process {key: $process})-[:HAS_STEP]->(s:Step)
WHERE NOT s.key IN $keys
DETACH DELETE s
