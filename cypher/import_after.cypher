// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, 5/6: the derived order. (b)-[:AFTER]->(a): b runs after a.
// $steps as in import_steps: st[8] lists the steps st[0] runs after;
// $step_prefix + name is a step's key (graph/keys.c).
// The examples write nothing:
// :param step_prefix => 'ws/sche_001/p_002_v_000/'
// :param steps => []
UNWIND $steps AS st
WITH st WHERE size(st[8]) > 0
MATCH (b:Step {key: $step_prefix + st[0]})
UNWIND st[8] AS name
MATCH (a:Step {key: $step_prefix + name})
MERGE (b)-[:AFTER]->(a)
