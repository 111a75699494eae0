// Which version does a name mean, in the workspace? Matches a key
// ($key: ws/sche_001/proc_004_v_000, from "sche_001/proc_004_v_000") or a
// bare name (proc_004_v_000, which may be in several schedules).
// :param key => null
// :param name => 'proc_004_v_000'
// :param workspace => 'ws'
CALL () {
  MATCH (v:Procedure {key: $key}) RETURN v
  UNION
  MATCH (v:Procedure {name: $name, workspace: $workspace}) WHERE $key IS NULL RETURN v
  UNION
  MATCH (v:Process {key: $key}) RETURN v
  UNION
  MATCH (v:Process {name: $name, workspace: $workspace}) WHERE $key IS NULL RETURN v
}
RETURN v.key AS key, v.name AS name, CASE WHEN v:Process THEN 'process' ELSE 'procedure' END AS kind
ORDER BY key
