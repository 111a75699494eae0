// Applied migrations, in the neo4j-migrations chain shape:
// (:__Neo4jMigration {version: 'BASELINE'})-[:MIGRATED_TO]->(:__Neo4jMigration)...
MATCH (m:__Neo4jMigration)
WHERE m.version <> 'BASELINE'
RETURN m.version AS version, m.description AS description, m.checksum AS checksum,
       [(p:__Neo4jMigration)-[r:MIGRATED_TO]->(m) | toString(r.at)][0] AS applied_at
