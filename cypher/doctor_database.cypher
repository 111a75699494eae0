// Run against the system database.
// :param name => 'neo4j'
SHOW DATABASES YIELD name, currentStatus
WHERE name = $name
RETURN name, currentStatus
