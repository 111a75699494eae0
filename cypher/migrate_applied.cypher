// pmeta's own query (it reads only): the applied migrations, read the way
// neo4j-migrations reads them. The chain starts at BASELINE:
// (:__Neo4jMigration {version: 'BASELINE'})-[:MIGRATED_TO]->(:__Neo4jMigration)->...
// A repeatable (R__) migration re-applied by neo4j-migrations carries its
// latest checksum and date on a (m)-[:REPEATED]->(m) loop. One `chain` value
// per row set: two values mean the chain forks, which neither tool can use.
MATCH p = (b:__Neo4jMigration {version: 'BASELINE'})-[:MIGRATED_TO*]->(l:__Neo4jMigration)
WHERE b.migrationTarget IS NULL AND NOT (l)-[:MIGRATED_TO]->(:__Neo4jMigration)
UNWIND range(1, length(p)) AS i
WITH l, i, nodes(p)[i] AS m, relationships(p)[i - 1] AS via
WITH l, i, m, via,
     reduce(latest = null, x IN [(m)-[rep:REPEATED]->(m) | rep] |
            CASE WHEN latest IS NULL OR x.at > latest.at THEN x ELSE latest END) AS repeated
WITH l, i, m, coalesce(repeated, via) AS rec
WHERE NOT coalesce(m.flyway_failed, false) AND coalesce(m.type, '') <> 'DELETE'
RETURN elementId(l) AS chain, m.version AS version, m.description AS description,
       coalesce(rec.checksum, m.checksum) AS checksum,
       coalesce(m.repeatable, false) AS repeatable,
       CASE WHEN rec.at IS NULL THEN null
            ELSE toString(datetime.truncate('second', datetime({datetime: rec.at, timezone: 'Z'})))
       END AS applied_at,
       rec.by AS by, rec.connectedAs AS connected_as
ORDER BY chain, i
