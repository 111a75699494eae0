// pmeta's own query, not to be pasted: releases the lock this process took.
MATCH (l:__Neo4jMigrationsLock {id: $id})
DELETE l
