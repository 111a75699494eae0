// pmeta import, 7/9 (reads 6, writes 7, deletes 8): WRITES edges, batched.
// $edges: [[step key, dataset name], ...]; $schedule: "sche_001".
UNWIND $edges AS e
MATCH (s:Step {key: e[0]})
MERGE (d:Dataset {key: $schedule + '/' + e[1]})
  ON CREATE SET d.name = e[1], d.schedule = $schedule
MERGE (s)-[:WRITES]->(d)
