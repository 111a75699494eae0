// pmeta's own write query, not to be pasted: pmeta import runs it.
// pmeta import: the procedures the config's steps run, one transaction per
// batch. A procedure belongs to the schedule, not to the process (another
// process may run it), so it is written apart from the process's own
// transaction, and only when it differs. Its blob is the git blob id of its
// script when the file exists; its commit belongs to `pmeta fork` and stays.
// Every lookup comes before any write (the collect): an index seek in a
// transaction that has written much is slow in Neo4j, 40 ms a seek after
// 5,000 writes, so looking up and writing row by row is quadratic.
// $procedures: [[name, family, version, blob, caption], ...], distinct;
// version and blob may be null; caption: its Browser caption
// (graph/caption.h). $procedure_prefix + name is its key (graph/keys.c).
// The examples write nothing:
// :param procedures => []
// :param procedure_prefix => 'ws/sche_001/'
// :param schedule => 'sche_001'
// :param workspace => 'ws'
UNWIND $procedures AS x
OPTIONAL MATCH (pr:Procedure {key: $procedure_prefix + x[0]})
WITH collect([x, pr]) AS rows
CALL (rows) {
  UNWIND rows AS r
  WITH r[0] AS x WHERE r[1] IS NULL
  CREATE (pr:Procedure {key: $procedure_prefix + x[0]})
  SET pr += {name: x[0], schedule: $schedule, workspace: $workspace, family: x[1],
             version: x[2], path: $schedule + '/pys/' + x[0] + '.py', blob: x[3], caption: x[4]}
}
CALL (rows) {
  UNWIND rows AS r
  WITH r[0] AS x, r[1] AS pr WHERE pr IS NOT NULL
  WITH pr, {name: x[0], schedule: $schedule, workspace: $workspace, family: x[1], version: x[2],
            path: $schedule + '/pys/' + x[0] + '.py', blob: coalesce(x[3], pr.blob),
            caption: x[4]} AS want
  WHERE any(k IN keys(want) WHERE (pr[k] IS NULL) <> (want[k] IS NULL) OR pr[k] <> want[k])
  SET pr += want
}
