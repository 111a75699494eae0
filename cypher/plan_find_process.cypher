// Processes of that name in any schedule of the workspace: resolves
// `pmeta plan p_002_v_000` when no config of that name is on disk.
// :param name => 'p_002_v_000'
// :param workspace => 'ws'
MATCH (p:Process {name: $name, workspace: $workspace})
RETURN p.key AS key, p.schedule AS schedule, p.config AS config
ORDER BY key
