// One lock node at a time: two `pmeta migrate` at once serialise on it.
CREATE CONSTRAINT pmeta_migrations_lock IF NOT EXISTS
FOR (l:__Neo4jMigrationsLock) REQUIRE l.id IS UNIQUE
