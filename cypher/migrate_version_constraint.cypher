// pmeta's own write query, not to be pasted: pmeta migrate runs it.
// Created by neo4j-migrations before it migrates; pmeta creates it too, so
// the schema is the same whichever tool migrated first.
CREATE CONSTRAINT unique_version___Neo4jMigration IF NOT EXISTS
FOR (m:__Neo4jMigration) REQUIRE (m.version, m.migrationTarget) IS UNIQUE
