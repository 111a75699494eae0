// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, first in the final transaction of a process the graph did
// not have: its draft (import_draft.cypher), whose HAS_STEP edges the new
// steps' batches wrote, becomes the Process. One node relabelled, whatever
// the number of steps: the transaction's heap does not grow with them, and
// a reader sees no process before the commit and all of it after. The
// uniqueness of Process.key refuses it when another import created the
// process meanwhile. pmeta checks that `linked` is the number of new steps
// it wrote.
// The examples write nothing:
// :param process => null
MATCH (d:ProcessDraft {key: $process})
REMOVE d:ProcessDraft
SET d:Process
RETURN COUNT { (d)-[:HAS_STEP]->() } AS linked
