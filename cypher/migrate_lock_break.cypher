// pmeta's own write query, not to be pasted: `pmeta migrate unlock` removes a lock left by a pmeta or neo4j-migrations
// that died (id 'pmeta' is the lock of pmeta 0.1).
// The example removes only pmeta 0.1's lock, if one is left:
// :param name => null
MATCH (l:__Neo4jMigrationsLock)
WHERE l.name = $name OR l.id = 'pmeta'
DELETE l
RETURN count(*) AS removed
