// What a name given to `pmeta items` is in workspace $workspace: the
// current steps named so (with their process), and the datasets named so.
//   :param workspace => "lab-ana"
//   :param name => "proc_001_v_000"
MATCH (p:Process {workspace: $workspace})-[:HAS_STEP]->(s:Step {name: $name})
RETURN 'step' AS kind, s.key AS key, p.schedule AS schedule, p.name AS process
UNION ALL
MATCH (d:Dataset {workspace: $workspace, name: $name})
RETURN 'dataset' AS kind, d.key AS key, d.schedule AS schedule, null AS process
