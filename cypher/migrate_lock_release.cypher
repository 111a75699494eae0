MATCH (l:__Neo4jMigrationsLock {id: 'pmeta', owner: $owner})
DELETE l
