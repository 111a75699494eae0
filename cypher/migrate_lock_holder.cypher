// Who holds the migration lock: owner is set by pmeta only.
// :param name => 'migrations'
MATCH (l:__Neo4jMigrationsLock)
WHERE l.name = $name OR l.id = 'pmeta'
RETURN l.id AS id, l.owner AS owner,
       CASE WHEN l.at IS NULL THEN null
            ELSE toString(datetime.truncate('second', datetime({datetime: l.at, timezone: 'Z'})))
       END AS at
