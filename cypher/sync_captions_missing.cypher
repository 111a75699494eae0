// pmeta sync: the nodes of the workspace that have no Browser caption yet
// (written before captions, or claimed from an earlier pmeta). pmeta makes
// each caption from the name (graph/caption.h) and writes it with
// sync_captions_set.cypher.
// :param workspace => 'ws'
MATCH (n:Process|Step|Procedure|Dataset {workspace: $workspace})
WHERE n.caption IS NULL AND n.name IS NOT NULL
RETURN elementId(n) AS id, n.name AS name
