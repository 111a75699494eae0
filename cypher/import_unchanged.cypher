// pmeta import, before anything is written: is the graph already what this
// config would write? The process keeps the digest of its last import (the
// config's text and path, its scripts' blobs, the import statements); a
// process whose number of steps changed since (a step deleted or added by
// hand) is changed too. Reads the process node and its degree only: no
// step is visited, so it costs the same for 10 or 100,000 steps.
//   :param process => "ws/sche_001/p_002_v_000"
//   :param digest => "0123456789abcdef0123456789abcdef01234567"
//   :param steps => 4
OPTIONAL MATCH (p:Process {key: $process})
RETURN p IS NOT NULL AND p.import_digest IS NOT NULL AND p.import_digest = $digest
       AND COUNT { (p)-[:HAS_STEP]->() } = $steps AS unchanged
