// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import: the AFTER edges of new steps to new steps of a later batch
// (a step may run after one further down the config), once every new step
// exists. (b)-[:AFTER]->(a): b runs after a. Every lookup before any write
// (see import_procedures.cypher).
// $steps: [[name, [names of the steps it runs after]], ...]
// The examples write nothing:
// :param steps => []
// :param step_prefix => 'ws/sche_001/p_002_v_000/'
UNWIND $steps AS st
MATCH (b:Step {key: $step_prefix + st[0]})
CALL (st) {
  UNWIND st[1] AS name
  MATCH (a:Step {key: $step_prefix + name})
  RETURN collect(a) AS after
}
WITH collect([b, after]) AS rows
UNWIND rows AS r
WITH r[0] AS b, r[1] AS after
FOREACH (a IN after | CREATE (b)-[:AFTER]->(a))
