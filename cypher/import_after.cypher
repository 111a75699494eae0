// pmeta import, 9/9: the derived order. (b)-[:AFTER]->(a): b runs after a.
// $edges: [[b key, a key], ...]
UNWIND $edges AS e
MATCH (b:Step {key: e[0]}), (a:Step {key: e[1]})
MERGE (b)-[:AFTER]->(a)
