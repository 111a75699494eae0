// Run against the system database.
SHOW DATABASES YIELD name, currentStatus
WHERE name = $name
RETURN name, currentStatus
