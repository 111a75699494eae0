// Fails with Neo.ClientError.Schema.ConstraintValidationFailed while another
// process holds the lock.
CREATE (l:__Neo4jMigrationsLock {id: 'pmeta', name: 'pmeta', owner: $owner, at: datetime()})
RETURN l.owner AS owner
