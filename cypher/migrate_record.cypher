// Appends one applied migration to the chain that starts at BASELINE.
MERGE (b:__Neo4jMigration {version: 'BASELINE'})
  ON CREATE SET b.description = 'BASELINE'
WITH b
OPTIONAL MATCH (last:__Neo4jMigration {version: $previous})
WITH coalesce(last, b) AS prev
CREATE (m:__Neo4jMigration {version: $version, description: $description,
        checksum: $checksum, source: $source, type: 'CYPHER', repeatable: false})
CREATE (prev)-[:MIGRATED_TO {at: datetime(), in: duration({milliseconds: $ms}),
        by: $by, connectedAs: $user}]->(m)
RETURN m.version AS version
