// pmeta import, before anything is written: is the graph already what this
// config would write? The process keeps the digest of its last import (the
// config's text and path, its scripts' blobs, the import statements) and how
// many relationships its steps had then; a graph edited since (a step or an
// edge removed or added, a dataset or procedure node deleted) is changed.
// Both counts read degrees: no property of a step is read.
//   :param process => "sche_001/p_002_v_000"
//   :param digest => "0123456789abcdef0123456789abcdef01234567"
//   :param steps => 4
OPTIONAL MATCH (p:Process {key: $process})
RETURN CASE
  WHEN p IS NULL OR p.import_digest IS NULL OR p.import_digest <> $digest THEN false
  WHEN COUNT { (p)-[:HAS_STEP]->() } <> $steps THEN false
  ELSE COUNT { (p)-[:HAS_STEP]->()-[:RUNS|READS|WRITES|DELETES|AFTER]->() } = p.import_rels
END AS unchanged
