// pmeta's own write query, not to be pasted: takes the migration lock in
// neo4j-migrations' shape, {id, name}; owner and at are pmeta's additions.
// Fails with Neo.ClientError.Schema.ConstraintValidationFailed while another
// pmeta or neo4j-migrations holds the lock of the same $name.
// The example takes no lock (pmeta always names it):
// :param name => null
// :param owner => 'me@host pid 1'
WITH $name AS name WHERE name IS NOT NULL
CREATE (l:__Neo4jMigrationsLock {id: randomUUID(), name: name, owner: $owner, at: datetime()})
RETURN l.id AS id
