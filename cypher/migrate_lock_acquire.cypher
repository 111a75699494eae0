// pmeta's own query, not to be pasted: takes the migration lock in
// neo4j-migrations' shape, {id, name}; owner and at are pmeta's additions.
// Fails with Neo.ClientError.Schema.ConstraintValidationFailed while another
// pmeta or neo4j-migrations holds the lock of the same $name.
CREATE (l:__Neo4jMigrationsLock {id: randomUUID(), name: $name, owner: $owner, at: datetime()})
RETURN l.id AS id
