// pmeta's own write query, not to be pasted: pmeta fork and pmeta sync run it.
// Upserts process versions, their schedule and their FORKED_FROM edges, one
// row per fork commit. A process fork copies the config folder; its steps
// come from `pmeta import` of the new main.conf. A new version gets the tree
// of its fork commit; the tree a fork copied is on the edge (source).
// Each row of $forks is a map like
//   {src: {key: 'ws/sche_001/p_002_v_000', workspace: 'ws', name: 'p_002_v_000', caption: 'p_002 v_000', schedule: 'sche_001', family: 'p_002', prname: '002', version: '000', path: 'sche_001/process_config/p_002_v_000', config: 'sche_001/process_config/p_002_v_000/main.conf'}, dst: {key: 'ws/sche_001/p_002_v_001', workspace: 'ws', name: 'p_002_v_001', caption: 'p_002 v_001', schedule: 'sche_001', family: 'p_002', prname: '002', version: '001', path: 'sche_001/process_config/p_002_v_001', config: 'sche_001/process_config/p_002_v_001/main.conf', tree: null, commit: null}, source: null, commit: '', bump: 'patch', at: '2026-01-01T00:00:00Z', schedule_key: 'ws/sche_001'}
// The example is empty, so pasting the file writes nothing:
// :param forks => []
UNWIND $forks AS f
MERGE (sc:Schedule {key: f.schedule_key})
  ON CREATE SET sc.name = f.src.schedule, sc.workspace = f.src.workspace
MERGE (d:Process {key: f.dst.key})
  ON CREATE SET d += f.dst
  ON MATCH SET d.workspace = coalesce(d.workspace, f.dst.workspace),
    d.name = coalesce(d.name, f.dst.name), d.schedule = coalesce(d.schedule, f.dst.schedule),
    d.family = coalesce(d.family, f.dst.family), d.prname = coalesce(d.prname, f.dst.prname),
    d.version = coalesce(d.version, f.dst.version), d.path = coalesce(d.path, f.dst.path), d.caption = coalesce(d.caption, f.dst.caption),
    d.config = coalesce(d.config, f.dst.config),
    d.tree = coalesce(d.tree, f.dst.tree),
    d.commit = coalesce(d.commit, f.dst.commit)
MERGE (s:Process {key: f.src.key})
  ON CREATE SET s += f.src
  ON MATCH SET s.workspace = coalesce(s.workspace, f.src.workspace),
    s.name = coalesce(s.name, f.src.name), s.schedule = coalesce(s.schedule, f.src.schedule),
    s.family = coalesce(s.family, f.src.family), s.prname = coalesce(s.prname, f.src.prname),
    s.version = coalesce(s.version, f.src.version), s.path = coalesce(s.path, f.src.path), s.caption = coalesce(s.caption, f.src.caption),
    s.config = coalesce(s.config, f.src.config)
MERGE (sc)-[:HAS_PROCESS]->(s)
MERGE (sc)-[:HAS_PROCESS]->(d)
MERGE (d)-[r:FORKED_FROM]->(s)
  ON CREATE SET r.commit = f.commit, r.bump = f.bump, r.at = datetime(f.at), r.source = f.source
RETURN count(r) AS forks
