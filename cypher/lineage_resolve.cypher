// Which version does a name mean? Matches a key (sche_001/proc_004_v_000) or
// a bare name (proc_004_v_000, which may be in several schedules).
// :param name => 'proc_004_v_000'
CALL {
  MATCH (v:Procedure {key: $name}) RETURN v
  UNION
  MATCH (v:Procedure {name: $name}) RETURN v
  UNION
  MATCH (v:Process {key: $name}) RETURN v
  UNION
  MATCH (v:Process {name: $name}) RETURN v
}
RETURN v.key AS key, v.name AS name, CASE WHEN v:Process THEN 'process' ELSE 'procedure' END AS kind
ORDER BY key
