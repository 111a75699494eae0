// pmeta's own write query, not to be pasted: pmeta migrate runs it.
// See migrate_lock_id_constraint.cypher.
CREATE CONSTRAINT __Neo4jMigrationsLock__has_unique_name IF NOT EXISTS
FOR (l:__Neo4jMigrationsLock) REQUIRE l.name IS UNIQUE
