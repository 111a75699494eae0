// pmeta's own write query, not to be pasted: pmeta sync runs it.
// Sets the captions sync_captions_missing.cypher asked for, on nodes that
// still have none. $captions: [[element id, caption], ...]; the example
// below is empty, so pasting it writes nothing.
// :param captions => []
UNWIND $captions AS c
MATCH (n) WHERE elementId(n) = c[0] AND n.caption IS NULL
SET n.caption = c[1]
RETURN count(n) AS captions
