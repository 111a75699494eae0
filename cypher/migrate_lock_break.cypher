// `pmeta migrate unlock`: removes a lock left by a process that died.
MATCH (l:__Neo4jMigrationsLock {id: 'pmeta'})
DELETE l
RETURN count(*) AS removed
