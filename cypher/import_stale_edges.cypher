// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import, 4/6: dataset, order and procedure edges the steps no longer
// have. Starts from the process: nothing to scan on a first import.
// $index: {step name: its index in $steps}; $steps as in import_steps.
// The examples delete nothing:
// :param process => null
// :param steps => []
// :param index => {}
MATCH (:Process {key: $process})-[:HAS_STEP]->(s:Step)-[r:READS|WRITES|DELETES|AFTER|RUNS]->(x)
WITH r, x, $steps[$index[s.name]] AS st
WHERE NOT x.name IN CASE type(r) WHEN 'READS' THEN st[5] WHEN 'WRITES' THEN st[6]
                                 WHEN 'DELETES' THEN st[7] WHEN 'AFTER' THEN st[8]
                                 ELSE [coalesce(st[9], st[0])] END
DELETE r
