// pmeta's own write query, not to be pasted: pmeta migrate runs it.
// Created by neo4j-migrations before it migrates (see migrate_version_constraint.cypher).
CREATE INDEX repeated_at__Neo4jMigration IF NOT EXISTS
FOR ()-[r:REPEATED]-() ON (r.at)
