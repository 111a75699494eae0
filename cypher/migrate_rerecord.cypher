// pmeta's own query, not to be pasted: replaces the checksum pmeta 0.1
// recorded (CRC32 of the whole file) with the one neo4j-migrations computes.
MATCH (m:__Neo4jMigration {version: $version, checksum: $old})
WHERE m.migrationTarget IS NULL
SET m.checksum = $new
RETURN count(m) AS rerecorded
