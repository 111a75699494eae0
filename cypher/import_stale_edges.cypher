// pmeta import, 4/8: dataset and order edges the steps no longer have.
// $want: {step name: ["READS|dataset", "WRITES|dataset", "AFTER|step", ...]}
MATCH (:Process {key: $process})-[:HAS_STEP]->(s:Step)-[r:READS|WRITES|DELETES|AFTER]->(x)
WHERE NOT (type(r) + '|' + x.name) IN $want[s.name]
DELETE r
