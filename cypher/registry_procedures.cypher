// pmeta's own write query, not to be pasted: pmeta import, fork and sync run it.
// The registry's facts about procedure versions (pmeta import, sync, fork;
// graph/registry.h): description, author, author_email, created_at,
// created_commit, updated_at, updated_commit, forked_from. A version not in
// the graph yet (a script no config runs) is made with its name, family,
// version, path and blob; the blob of a version in the graph is import's and
// fork's, left as it is. Properties are written only when they differ, so a
// second import or sync sets nothing; a fact that is gone (a docstring
// removed) is removed. Times arrive as ISO 8601 text and are stored as
// datetime values.
// One row per version, e.g. {key: 'ws/sche_001/proc_004_v_001', workspace: 'ws', name: 'proc_004_v_001', schedule: 'sche_001', family: 'proc_004', version: '001', path: 'sche_001/pys/proc_004_v_001.py', blob: null, description: 'Cleans the input.', author: 'Ana', author_email: 'ana@example.org', created_at: '2026-01-01T00:00:00Z', created_commit: '', updated_at: '2026-01-02T00:00:00Z', updated_commit: '', forked_from: 'proc_004_v_000'}
// (an empty list here, so that pasting it writes nothing):
// :param rows => []
UNWIND $rows AS r
MERGE (v:Procedure {key: r.key})
  ON CREATE SET v.name = r.name, v.schedule = r.schedule, v.workspace = r.workspace,
    v.family = r.family, v.version = r.version, v.path = r.path, v.blob = r.blob
WITH v, r, {description: r.description, author: r.author,
            author_email: r.author_email, created_at: datetime(r.created_at),
            created_commit: r.created_commit, updated_at: datetime(r.updated_at),
            updated_commit: r.updated_commit, forked_from: r.forked_from} AS want
WITH v, want, [k IN keys(want) WHERE (v[k] IS NULL) <> (want[k] IS NULL) OR v[k] <> want[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] ELSE [] END | SET v += want)
RETURN count(v) AS versions
