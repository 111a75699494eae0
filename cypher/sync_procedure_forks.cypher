// pmeta's own write query, not to be pasted: pmeta fork and pmeta sync run it.
// Upserts procedure versions and their FORKED_FROM edges, one row per fork
// commit (pmeta fork writes one row, pmeta sync all of them, oldest first).
// Idempotent: a second run creates nothing. A node made by someone else
// (pmeta import) keeps its values; only missing ones are filled in. A new
// version gets the blob of its fork commit (unless import set one: import's
// blob is the script as it is now) and the fork commit; a source gets no blob
// from here, whatever order Cypher runs the rows in: the blob a fork copied
// is on the edge (source).
// Each row of $forks is a map like
//   {src: {key: 'ws/sche_001/proc_004_v_000', workspace: 'ws', name: 'proc_004_v_000', caption: 'proc_004 v_000', schedule: 'sche_001', family: 'proc_004', version: '000', path: 'sche_001/pys/proc_004_v_000.py'}, dst: {key: 'ws/sche_001/proc_004_v_001', workspace: 'ws', name: 'proc_004_v_001', caption: 'proc_004 v_001', schedule: 'sche_001', family: 'proc_004', version: '001', path: 'sche_001/pys/proc_004_v_001.py', blob: null, commit: null}, source: null, commit: '', bump: 'patch', at: '2026-01-01T00:00:00Z', schedule_key: 'ws/sche_001'}
// The example is empty, so pasting the file writes nothing:
// :param forks => []
UNWIND $forks AS f
MERGE (d:Procedure {key: f.dst.key})
  ON CREATE SET d += f.dst
  ON MATCH SET d.workspace = coalesce(d.workspace, f.dst.workspace),
    d.name = coalesce(d.name, f.dst.name), d.schedule = coalesce(d.schedule, f.dst.schedule),
    d.family = coalesce(d.family, f.dst.family), d.version = coalesce(d.version, f.dst.version),
    d.path = coalesce(d.path, f.dst.path), d.caption = coalesce(d.caption, f.dst.caption),
    d.blob = coalesce(d.blob, f.dst.blob),
    d.commit = coalesce(d.commit, f.dst.commit)
MERGE (s:Procedure {key: f.src.key})
  ON CREATE SET s += f.src
  ON MATCH SET s.workspace = coalesce(s.workspace, f.src.workspace),
    s.name = coalesce(s.name, f.src.name), s.schedule = coalesce(s.schedule, f.src.schedule),
    s.family = coalesce(s.family, f.src.family), s.version = coalesce(s.version, f.src.version),
    s.path = coalesce(s.path, f.src.path), s.caption = coalesce(s.caption, f.src.caption)
MERGE (d)-[r:FORKED_FROM]->(s)
  ON CREATE SET r.commit = f.commit, r.bump = f.bump, r.at = datetime(f.at), r.source = f.source
RETURN count(r) AS forks
