// pmeta import, 7/8: the derived order. (b)-[:AFTER]->(a): b runs after a.
// $edges: [[b name, a name], ...]
UNWIND $edges AS e
MATCH (b:Step {key: $process + '/' + e[0]})
MATCH (a:Step {key: $process + '/' + e[1]})
MERGE (b)-[:AFTER]->(a)
