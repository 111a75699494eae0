MATCH (l:__Neo4jMigrationsLock {id: 'pmeta'})
RETURN l.owner AS owner, toString(l.at) AS at
