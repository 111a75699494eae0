// pmeta import, 6/8: READS edges, batched. $edges: [[step name, dataset name], ...]
UNWIND $edges AS e
MATCH (s:Step {key: $process + '/' + e[0]})
MATCH (d:Dataset {key: $schedule + '/' + e[1]})
MERGE (s)-[:READS]->(d)
