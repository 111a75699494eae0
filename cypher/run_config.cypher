// pmeta's own write query, not to be pasted: pmeta run runs it.
// The config a run ran: its text is kept once per content hash and workspace
// in a ConfigText node, linked from the Run. $text is null when the run does
// not know it (a process run by name without its file): then the Run is
// linked only when the text is in the graph already.
// :param run => 'ws/20261121T101500Z-1f4a3f9c0d18b2e4f67'
// :param key => 'ws/3b18e512dba79e4c8300dd08aeb37f8e728b8dad'
// :param workspace => 'ws'
// :param hash => '3b18e512dba79e4c8300dd08aeb37f8e728b8dad'
// :param text => '[proc_001_v_000]\n'
MATCH (r:Run {key: $run})
FOREACH (_ IN CASE WHEN $text IS NULL THEN [] ELSE [1] END |
  MERGE (c:ConfigText {key: $key})
  ON CREATE SET c.workspace = $workspace, c.hash = $hash, c.text = $text)
WITH r
OPTIONAL MATCH (c:ConfigText {key: $key})
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | MERGE (r)-[:USED_CONFIG]->(c))
RETURN count(c) AS configs
