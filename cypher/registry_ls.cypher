// pmeta ls: the registry of the workspace's procedure and process versions,
// newest first (created_at; versions never committed first, then by name).
// Filters: $schedule, $family, $author (the author's name or email, any case).
// :param workspace => 'ws'
// :param schedule => null
// :param family => null
// :param author => null
CALL () {
  MATCH (v:Procedure {workspace: $workspace}) RETURN v
  UNION
  MATCH (v:Process {workspace: $workspace}) RETURN v
}
WITH v WHERE ($schedule IS NULL OR v.schedule = $schedule)
  AND ($family IS NULL OR v.family = $family)
  AND ($author IS NULL OR toLower(v.author) = toLower($author)
       OR toLower(v.author_email) = toLower($author))
RETURN CASE WHEN v:Process THEN 'process' ELSE 'procedure' END AS kind, v.name AS name,
  v.schedule AS schedule, v.family AS family, v.version AS version, v.path AS path,
  v.description AS description, v.author AS author, v.author_email AS author_email,
  v.created_at AS created_at, v.created_commit AS created_commit, v.updated_at AS updated_at,
  v.updated_commit AS updated_commit,
  coalesce(v.forked_from, head([(v)-[:FORKED_FROM]->(s) | s.name])) AS forked_from, v.blob AS blob
ORDER BY created_at DESC, schedule, name DESC
