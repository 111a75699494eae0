// pmeta fork: is Neo4j there, and does it take our credentials? Asked before
// anything is written to git.
RETURN 1 AS ok
