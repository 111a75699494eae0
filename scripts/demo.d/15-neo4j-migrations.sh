# Part 1b: the official neo4j-migrations CLI (2.17.3, from Maven Central) reads
# and validates the schema history pmeta just wrote, over Bolt.
"$top/scripts/neo4j-migrations.sh" run --location "file://$top/migrations" info 2>&1
"$top/scripts/neo4j-migrations.sh" run --location "file://$top/migrations" validate 2>&1
