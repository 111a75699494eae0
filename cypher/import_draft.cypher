// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import of a process the graph does not have yet, before its new
// steps: the node that holds them until the final transaction. It is not a
// :Process (no reader follows it: every "current" query starts from
// (:Process)-[:HAS_STEP]->), so its steps are linked batch by batch in the
// transactions that write them (import_new_steps.cypher), and the final
// transaction makes the whole process current by relabelling this one node
// (import_promote.cypher), however many steps it holds. A killed import
// leaves it behind; the next one removes it (import_cleanup.cypher).
// The examples write nothing:
// :param process => null
// :param workspace => 'ws'
MERGE (d:ProcessDraft {key: $process})
  ON CREATE SET d.workspace = $workspace
