// pmeta import, 3/8: upsert the steps and the procedures they run.
// A step's properties are replaced (a key removed from the config goes) but
// only when they differ. A procedure's blob is the git blob id of its script
// when the file exists; its commit belongs to `pmeta fork` and stays.
// $steps: [[name, {key, name, process, line, order, ...params}, family, version, blob], ...]
MATCH (p:Process {key: $process})
UNWIND $steps AS st
MERGE (s:Step {key: $process + '/' + st[0]})
FOREACH (_ IN CASE WHEN properties(s) <> st[1] THEN [1] ELSE [] END | SET s = st[1])
MERGE (p)-[:HAS_STEP]->(s)
MERGE (pr:Procedure {key: $schedule + '/' + st[0]})
WITH s, pr, st, {name: st[0], schedule: $schedule, family: st[2], version: st[3],
                 path: $schedule + '/pys/' + st[0] + '.py', blob: coalesce(st[4], pr.blob)} AS want
FOREACH (_ IN CASE WHEN any(k IN keys(want) WHERE (pr[k] IS NULL) <> (want[k] IS NULL) OR pr[k] <> want[k])
                   THEN [1] ELSE [] END | SET pr += want)
MERGE (s)-[:RUNS]->(pr)
