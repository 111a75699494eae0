// pmeta's own write query, not to be pasted: replaces the checksum pmeta 0.1
// recorded (CRC32 of the whole file) with the one neo4j-migrations computes.
// The examples change nothing:
// :param version => null
// :param old => '4127402543'
// :param new => '198269392'
MATCH (m:__Neo4jMigration {version: $version, checksum: $old})
WHERE m.migrationTarget IS NULL
SET m.checksum = $new
RETURN count(m) AS rerecorded
