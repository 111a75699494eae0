// pmeta's own write query, not to be pasted: pmeta import, fork and sync run it.
// The registry's facts about process versions (pmeta import, sync, fork;
// graph/registry.h), as for procedures, plus the config file the folder
// holds (main.conf or dag.yaml) and the folder's path. A version not in the graph yet (a folder
// never imported) is made, in its schedule, without steps.
// One row per version, e.g. {key: 'ws/sche_001/p_002_v_000', workspace: 'ws', name: 'p_002_v_000', schedule: 'sche_001', schedule_key: 'ws/sche_001', family: 'p_002', prname: '002', version: '000', path: 'sche_001/process_config/p_002_v_000', config: 'sche_001/process_config/p_002_v_000/dag.yaml', description: null, author: 'Ana', author_email: 'ana@example.org', created_at: '2026-01-01T00:00:00Z', created_commit: '', updated_at: '2026-01-01T00:00:00Z', updated_commit: '', forked_from: null}
// (an empty list here, so that pasting it writes nothing):
// :param rows => []
UNWIND $rows AS r
MERGE (sc:Schedule {key: r.schedule_key})
  ON CREATE SET sc.name = r.schedule, sc.workspace = r.workspace
MERGE (v:Process {key: r.key})
  ON CREATE SET v.name = r.name, v.schedule = r.schedule, v.workspace = r.workspace,
    v.family = r.family, v.prname = r.prname, v.version = r.version, v.path = r.path
MERGE (sc)-[:HAS_PROCESS]->(v)
WITH v, r, {path: r.path, config: coalesce(r.config, v.config), description: r.description, author: r.author,
            author_email: r.author_email, created_at: datetime(r.created_at),
            created_commit: r.created_commit, updated_at: datetime(r.updated_at),
            updated_commit: r.updated_commit, forked_from: r.forked_from} AS want
WITH v, want, [k IN keys(want) WHERE (v[k] IS NULL) <> (want[k] IS NULL) OR v[k] <> want[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] ELSE [] END | SET v += want)
RETURN count(v) AS versions
