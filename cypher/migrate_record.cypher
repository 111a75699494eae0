// pmeta's own write query, not to be pasted: appends one applied migration to the
// end of the chain, with the properties neo4j-migrations writes. $previous is
// the end read under the lock; no row comes back when the chain moved since.
// The examples record nothing ($previous is never null for pmeta):
// :param previous => null
// :param version => '0003'
// :param description => 'example'
// :param checksum => '0'
// :param source => 'V0003__example.cypher'
// :param ms => 0
// :param by => 'me'
// :param user => 'neo4j'
WITH $previous AS previous WHERE previous IS NOT NULL
MERGE (b:__Neo4jMigration {version: 'BASELINE'})
WITH b, previous
OPTIONAL MATCH (b)-[:MIGRATED_TO*]->(last:__Neo4jMigration)
WHERE NOT (last)-[:MIGRATED_TO]->(:__Neo4jMigration)
WITH coalesce(last, b) AS prev, previous
WHERE prev.version = previous
CREATE (m:__Neo4jMigration {version: $version, description: $description,
        checksum: $checksum, source: $source, type: 'CYPHER', repeatable: false})
CREATE (prev)-[:MIGRATED_TO {at: datetime({timezone: 'UTC'}), in: duration({milliseconds: $ms}),
        by: $by, connectedAs: $user}]->(m)
RETURN m.version AS version
