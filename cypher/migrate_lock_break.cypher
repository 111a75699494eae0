// `pmeta migrate unlock`: removes a lock left by a pmeta or neo4j-migrations
// that died (id 'pmeta' is the lock of pmeta 0.1).
MATCH (l:__Neo4jMigrationsLock)
WHERE l.name = $name OR l.id = 'pmeta'
DELETE l
RETURN count(*) AS removed
