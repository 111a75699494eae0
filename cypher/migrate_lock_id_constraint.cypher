// pmeta's own write query, not to be pasted: pmeta migrate runs it.
// The lock constraints neo4j-migrations creates, by the same names: one lock
// node per id and one per name, so pmeta and the tool exclude each other.
CREATE CONSTRAINT __Neo4jMigrationsLock__has_unique_id IF NOT EXISTS
FOR (l:__Neo4jMigrationsLock) REQUIRE l.id IS UNIQUE
