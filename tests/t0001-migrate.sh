#!/usr/bin/env bash
# pmeta migrate / migrate info / migrate validate against the real Neo4j.
. "$(dirname "$0")/lib.sh"

test_reset_graph || { echo "cannot reset the graph" >&2; exit 1; }
# How many migrations the tree holds (each new one is just a new file).
n=$(ls "$TEST_ROOT"/migrations/V*.cypher | wc -l)

test_expect_success 'migrate --dry-run lists V0001 and changes nothing' '
	pmeta migrate --dry-run >out &&
	test_contains out "would apply 0001 graph constraints" &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration) RETURN count(m)")" 0
'

# 198269392 is what neo4j-migrations 2.17.3 records for V0001 (the CRC32 of its
# statements, trimmed, without ';'); t0006 checks it against the tool itself.
test_expect_success 'first migrate applies V0001 and V0002 and records the chain' '
	pmeta migrate >out &&
	test_contains out "applied 0001 graph constraints" &&
	test_contains out "applied 0002 workspace keys and types" &&
	test_eq "$(cypher_value "MATCH (:__Neo4jMigration {version: \"BASELINE\"})-[:MIGRATED_TO]->(m:__Neo4jMigration {version: \"0001\"}) RETURN m.description")" "graph constraints" &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration {version: \"0001\"}) RETURN m.checksum")" 198269392
'

test_expect_success 'the constraints of the graph contract exist' '
	cypher "SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name" >out &&
	for c in schedule_key process_key step_key procedure_key dataset_key run_key jobrun_key; do
		test_contains out "\"$c\"" || return 1
	done
'

test_expect_success 'second migrate is a no-op' '
	before=$(graph_counts) &&
	pmeta migrate >out &&
	test_contains out "database is up to date ($n applied)" &&
	test_lacks out "applied 0001" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'migrate info lists applied and pending' '
	pmeta migrate info >out &&
	test_contains out "0001" &&
	grep -E "^0001 +graph constraints +[0-9]+ +applied +20[0-9][0-9]-" out &&
	test_contains out "$n applied, 0 pending"
'

test_expect_success 'validate passes, then fails after a recorded checksum is tampered' '
	pmeta migrate validate >out &&
	test_contains out "valid: $n applied" &&
	cypher "MATCH (m:__Neo4jMigration {version: \"0001\"}) SET m.checksum = \"12345\"" >/dev/null &&
	test_expect_code 1 pmeta migrate validate 2>err &&
	test_contains err "migration 0001 (V0001__graph_constraints.cypher) changed after it was applied" &&
	test_expect_code 1 pmeta migrate 2>err &&
	test_contains err "was changed after it was applied" &&
	pmeta migrate info >out && test_contains out "CHANGED"
'

test_expect_success 'restore the checksum' '
	cypher "MATCH (m:__Neo4jMigration {version: \"0001\"}) SET m.checksum = \"198269392\"" >/dev/null &&
	pmeta migrate validate >out &&
	test_lacks out note:
'

test_expect_success 'a migration with a syntax error names the file and records nothing' '
	mkdir -p mig &&
	cp "$TEST_ROOT"/migrations/V*.cypher mig/ &&
	printf "CREATE INDEX ok_one IF NOT EXISTS FOR (n:Thing) ON (n.x);\nCREATE CONSTRAINT oops FOR (n:Thing REQUIRE n.y IS UNIQUE;\n" >mig/V0099__broken_thing.cypher &&
	test_expect_code 4 env PMETA_MIGRATIONS_DIR=$PWD/mig pmeta migrate 2>err &&
	test_contains err "error: migration V0099__broken_thing.cypher: statement 2: Neo.ClientError.Statement.SyntaxError" &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration {version: \"0099\"}) RETURN count(m)")" 0 &&
	PMETA_MIGRATIONS_DIR=$PWD/mig pmeta migrate info >out &&
	grep -E "^0099 +broken thing +[0-9]+ +pending" out &&
	test_eq "$(cypher_value "MATCH (l:__Neo4jMigrationsLock) RETURN count(l)")" 0
'

test_expect_success 'two migrate at once apply each migration once' '
	test_reset_graph &&
	mkdir -p mig2 && cp "$TEST_ROOT"/migrations/V*.cypher mig2/ &&
	for i in 3 4 5 6; do
		printf "CREATE INDEX extra_$i IF NOT EXISTS FOR (n:Extra$i) ON (n.x);\n" >mig2/V800${i}__extra_$i.cypher
	done &&
	(PMETA_MIGRATIONS_DIR=$PWD/mig2 pmeta migrate >a.out 2>a.err & PMETA_MIGRATIONS_DIR=$PWD/mig2 pmeta migrate >b.out 2>b.err & PMETA_MIGRATIONS_DIR=$PWD/mig2 pmeta migrate >c.out 2>c.err & wait) &&
	{ test_eq "$(cat a.out b.out c.out | grep -c "^applied ")" $((n + 4)) || { tail -n +1 a.* b.* c.*; false; }; } &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration) RETURN count(m)")" $((n + 5)) &&
	test_eq "$(cypher_value "MATCH p = (:__Neo4jMigration {version: \"BASELINE\"})-[:MIGRATED_TO*]->(m) WHERE NOT (m)-[:MIGRATED_TO]->() RETURN length(p)")" $((n + 4)) &&
	test_eq "$(cypher_value "MATCH (l:__Neo4jMigrationsLock) RETURN count(l)")" 0
'

test_expect_success 'the lock has the shape of neo4j-migrations: a uuid id and the name John Doe' '
	mkdir -p gated && cp "$TEST_ROOT"/migrations/V*.cypher gated/ &&
	printf "MATCH (g:MigrationGate) SET g.passed = true;\n" >gated/V9000__gate.cypher &&
	tx=$(gate_hold); test -n "$tx" || exit 1
	PMETA_MIGRATIONS_DIR=$PWD/gated pmeta migrate >pm.out 2>&1 &
	for i in $(seq 150); do
		seen=$(cypher_value "MATCH (l:__Neo4jMigrationsLock) RETURN l.name + \" \" + l.id + \" \" + l.owner")
		[ -n "$seen" ] && break
		sleep 0.2
	done
	gate_release "$tx"; wait
	echo "$seen" | grep -E "^John Doe [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} pmeta pid [0-9]+ on " &&
	test_contains pm.out "applied 9000 gate" &&
	cypher "SHOW CONSTRAINTS YIELD name RETURN name" >out &&
	test_contains out __Neo4jMigrationsLock__has_unique_id &&
	test_contains out __Neo4jMigrationsLock__has_unique_name
'

test_expect_success 'a lock left by a dead process is reported, and unlock removes it' '
	cypher "CREATE (:__Neo4jMigrationsLock {id: \"2f0c6d0e-0000-4000-8000-000000000001\", name: \"John Doe\", owner: \"pmeta pid 1 on gone\", at: datetime()})" >/dev/null &&
	test_expect_code 4 env PMETA_MIGRATE_LOCK_WAIT=1 pmeta migrate 2>err &&
	test_contains err "migrations are locked by pmeta pid 1 on gone since 20" &&
	pmeta migrate unlock >out &&
	test_contains out "removed the migration lock" &&
	pmeta migrate unlock >out &&
	test_contains out "no migration lock was held" &&
	pmeta migrate
'

test_expect_success 'unlock also removes the lock of pmeta 0.1' '
	cypher "CREATE (:__Neo4jMigrationsLock {id: \"pmeta\", name: \"pmeta\", owner: \"pmeta pid 1 on gone\", at: datetime()})" >/dev/null &&
	pmeta migrate unlock >out &&
	test_contains out "removed the migration lock" &&
	test_eq "$(cypher_value "MATCH (l:__Neo4jMigrationsLock) RETURN count(l)")" 0
'

test_expect_success 'a Bolt NEO4J_URI is refused with exit 4, not a crash' '
	for verb in "" info validate unlock; do
		test_expect_code 4 env NEO4J_URI=bolt://127.0.0.1:1 pmeta migrate $verb 2>err &&
		test_contains err "error: unsupported NEO4J_URI" || exit 1
	done
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 pmeta migrate bogus 2>err &&
	test_contains err "unknown argument" &&
	pmeta migrate -h >out && test_contains out "usage: pmeta migrate"
'

test_reset_graph >/dev/null && pmeta migrate >/dev/null
test_done
