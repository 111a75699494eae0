// pmeta graph contract, issue 14 (docs/graph.md): a step carries what
// its plan reads, so a plan reads one node per step and expands nothing:
// `runs_after` (the orders of the steps it runs after), beside `procedure`
// (the step key that names its procedure when the section name does not).
// pmeta import writes it; this fills it in on the steps an earlier pmeta
// imported. An import finds the steps of a process it left unfinished by
// their `process` (cypher/import_cleanup.cypher). One statement per
// request; every statement is safe to run again.
CREATE INDEX step_process IF NOT EXISTS FOR (n:Step) ON (n.process);
//
MATCH (p:Process)-[:HAS_STEP|HAD_STEP]->(s:Step)
WHERE s.runs_after IS NULL
CALL (p, s) {
  SET s.runs_after = [(s)-[:AFTER]->(d:Step) WHERE d.process = p.key | d.order]
} IN TRANSACTIONS OF 1000 ROWS;
