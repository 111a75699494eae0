// pmeta's own write query, not to be pasted: pmeta migrate runs it.
// pmeta 0.1's lock constraint (on id only) hides the tool's equivalent one:
// replaced by the two neo4j-migrations constraints.
DROP CONSTRAINT pmeta_migrations_lock IF EXISTS
