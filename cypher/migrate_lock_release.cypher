// pmeta's own write query, not to be pasted: releases the lock this process took.
// The example releases nothing:
// :param id => null
MATCH (l:__Neo4jMigrationsLock {id: $id})
DELETE l
