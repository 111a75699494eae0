// pmeta import, 2/7: steps the config no longer has go, with their edges.
// $process: process key; $names: the step (section) names the config has now.
MATCH (:Process {key: $process})-[:HAS_STEP]->(s:Step)
WHERE NOT s.name IN $names
DETACH DELETE s
