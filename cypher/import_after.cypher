// pmeta import, 5/7: the derived order. (b)-[:AFTER]->(a): b runs after a.
// $steps as in import_steps: st[8] lists the steps st[0] runs after.
UNWIND $steps AS st
WITH st WHERE size(st[8]) > 0
MATCH (b:Step {key: $process + '/' + st[0]})
UNWIND st[8] AS name
MATCH (a:Step {key: $process + '/' + name})
MERGE (b)-[:AFTER]->(a)
