#!/usr/bin/env bash
# pmeta and the official neo4j-migrations CLI (2.17.3, from Maven Central,
# scripts/neo4j-migrations.sh) on one real Neo4j: each reads, validates and
# continues what the other applied, and each waits for or refuses the other's
# lock. The CLI talks Bolt to the tests' Neo4j (NEO4J_BOLT_URI).
. "$(dirname "$0")/lib.sh"

if [ -z "${NEO4J_BOLT_URI:-}" ]; then
	test_skip 'neo4j-migrations CLI' 'NEO4J_BOLT_URI is not set: the CLI speaks Bolt'
	test_done
fi
# Fetched once (cached like the Neo4j jars; .ci/run fetches it before the tests).
HOME=$TEST_USER_HOME "$TEST_ROOT/scripts/neo4j-migrations.sh" fetch >/dev/null ||
	{ echo "error: cannot fetch the neo4j-migrations CLI" >&2; exit 1; }
test_reset_graph || { echo "cannot reset the graph" >&2; exit 1; }

# tool DIR ARGS...: the official CLI with the migrations of folder DIR.
tool() {
	local dir=$1
	shift
	"$TEST_ROOT/scripts/neo4j-migrations.sh" run --location "file://$dir" "$@"
}

crc_of_file() {
	python3 -c 'import zlib,sys; print(zlib.crc32(open(sys.argv[1],"rb").read()))' "$1"
}

# wait_lock pmeta|tool: until that tool's lock node exists (pmeta's has an owner).
wait_lock() {
	local q i
	if [ "$1" = pmeta ]; then
		q='MATCH (l:__Neo4jMigrationsLock) WHERE l.owner IS NOT NULL RETURN count(l)'
	else
		q='MATCH (l:__Neo4jMigrationsLock) WHERE l.owner IS NULL RETURN count(l)'
	fi
	for i in $(seq 150); do
		[ "$(cypher_value "$q")" = 1 ] && return 0
		sleep 0.2
	done
	echo "no lock of $1 after 30 s" >&2
	return 1
}

MIG=$TRASH/mig
mkdir -p "$MIG"
cp "$TEST_ROOT"/migrations/V*.cypher "$MIG/"
last=$(cd "$MIG" && ls V*.cypher | sed 's/^V\([0-9]*\)__.*/\1/' | sort -n | tail -n 1)
n=$((10#$last))
next() { printf '%04d' $((n + $1)); }
# How many there are: the numbers may have a gap (one given to a branch
# that has not landed yet).
count=$(cd "$MIG" && ls V*.cypher | wc -l)

test_expect_success 'the CLI is the verified version' '
	"$TEST_ROOT/scripts/neo4j-migrations.sh" run --version >out &&
	test_contains out "neo4j-migrations/2.17.3"
'

test_expect_success 'pmeta records the checksum the tool computes, not the CRC32 of the file' '
	pmeta migrate >out &&
	sum=$(cypher_value "MATCH (m:__Neo4jMigration {version: \"0001\"}) RETURN m.checksum") &&
	test_eq "$sum" 198269392 &&
	test "$sum" != "$(crc_of_file "$TEST_ROOT/migrations/V0001__graph_constraints.cypher")"
'

test_expect_success 'the official CLI validates and lists a database pmeta migrated' '
	tool "$MIG" validate >out 2>&1 &&
	test_contains out "All resolved migrations have been applied to the default database." &&
	tool "$MIG" info >out 2>&1 &&
	grep -E "^\| 0001 +\| graph constraints +\| CYPHER +\| 20[0-9-]+T[0-9:.]+Z\[UTC\] +\| $(id -un)/$NEO4J_USERNAME +\|.*\| APPLIED +\| V0001__graph_constraints.cypher" out &&
	for f in $(cd "$MIG" && ls V*.cypher); do
		v=${f#V} && v=${v%%__*} &&
		grep -E "^\| $v +\|.*\| APPLIED +\| $f" out ||
			{ echo "the tool does not list $f as applied:"; cat out; return 1; }
	done &&
	test_lacks out PENDING
'

test_expect_success 'pmeta reads a later migration the tool applied from a folder of its own' '
	printf "// applied by neo4j-migrations only\r\nCREATE INDEX t6_a IF NOT EXISTS FOR (n:T6) ON (n.a);\r\n// a comment;\n  CREATE INDEX t6_b IF NOT EXISTS\n  FOR (n:T6) ON (n.b)  ;;\r\nCREATE INDEX t6_c IF NOT EXISTS FOR (n:T6) ON (n.c);" \
		>"$MIG/V$(next 1)__tool_only.cypher" &&
	tool "$MIG" migrate >out 2>&1 &&
	test_contains out "Database migrated to version $(next 1)" &&
	pmeta migrate info >out &&
	test_lacks out "[UTC]" &&
	grep -E "^0001 +graph constraints +198269392 +applied +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z +$(id -un)/$NEO4J_USERNAME\$" out &&
	grep -E "^$(next 1) +tool only +[0-9]+ +other +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z +$(id -un)/$NEO4J_USERNAME\$" out &&
	test_contains out "1 applied from elsewhere" &&
	pmeta migrate validate >out &&
	test_contains out "valid: $count applied, 0 pending, 1 applied from elsewhere" &&
	(mkdir -p ws && cd ws && test_git_workspace && pmeta doctor) >out 2>&1 &&
	grep -E "^ok +migrations current \($count applied, 1 more applied from elsewhere" out &&
	pmeta migrate >out &&
	test_contains out "database is up to date"
'

test_expect_success 'the same file read by pmeta has the checksum the tool recorded' '
	PMETA_MIGRATIONS_DIR=$MIG pmeta migrate info >out &&
	grep -E "^$(next 1) +tool only +$(cypher_value "MATCH (m:__Neo4jMigration {version: \"$(next 1)\"}) RETURN m.checksum") +applied " out &&
	PMETA_MIGRATIONS_DIR=$MIG pmeta migrate validate >out &&
	test_contains out "valid: $((count + 1)) applied, 0 pending"
'

test_expect_success 'a migration pmeta appends after the tool is read by the tool' '
	printf "CREATE INDEX t6_d IF NOT EXISTS FOR (n:T6) ON (n.d);\n" >"$MIG/V$(next 2)__pmeta_after_tool.cypher" &&
	PMETA_MIGRATIONS_DIR=$MIG pmeta migrate >out &&
	test_contains out "applied $(next 2) pmeta after tool" &&
	test_eq "$(cypher_value "MATCH p = (:__Neo4jMigration {version: \"BASELINE\"})-[:MIGRATED_TO*]->(m) WHERE NOT (m)-[:MIGRATED_TO]->() RETURN m.version + \" \" + length(p)")" "$(next 2) $((count + 2))" &&
	tool "$MIG" validate >out 2>&1 &&
	test_contains out "All resolved migrations have been applied"
'

test_expect_success 'pmeta refuses a migration older than the end of the chain' '
	mkdir -p older && cp "$TEST_ROOT"/migrations/V*.cypher older/ &&
	printf "CREATE INDEX t6_old IF NOT EXISTS FOR (n:T6) ON (n.old);\n" >older/V${last}_5__too_late.cypher &&
	test_expect_code 1 env PMETA_MIGRATIONS_DIR=$PWD/older pmeta migrate 2>err &&
	test_contains err "migration $last.5 (V${last}_5__too_late.cypher) is older than $(next 2), the last one applied" &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration {version: \"$last.5\"}) RETURN count(m)")" 0
'

test_expect_success 'a repeatable migration the tool re-applied is accepted' '
	printf "CREATE INDEX t6_r IF NOT EXISTS FOR (n:T6) ON (n.r);\n" >"$MIG/R$(next 3)__repeat_me.cypher" &&
	tool "$MIG" migrate >out 2>&1 &&
	printf "CREATE INDEX t6_r IF NOT EXISTS FOR (n:T6) ON (n.r);\n// changed\n" >"$MIG/R$(next 3)__repeat_me.cypher" &&
	tool "$MIG" migrate >out 2>&1 &&
	test_contains out "Reapplied changed repeatable migration $(next 3)" &&
	latest=$(cypher_value "MATCH (m:__Neo4jMigration {version: \"$(next 3)\"})-[r:REPEATED]->(m) RETURN r.checksum") &&
	test -n "$latest" &&
	pmeta migrate info >out &&
	grep -E "^$(next 3) +repeat me +$latest +repeatable +20" out &&
	pmeta migrate validate >out &&
	test_contains out "3 applied from elsewhere"
'

test_expect_success 'while pmeta holds the lock the tool refuses, then both see the same chain' '
	printf "MATCH (g:MigrationGate) SET g.passed_pmeta = true;\n" >"$MIG/V$(next 4)__gate_pmeta.cypher" &&
	tx=$(gate_hold); test -n "$tx" || exit 1
	{ PMETA_MIGRATIONS_DIR=$MIG pmeta migrate >pm.out 2>pm.err; echo $? >pm.rc; } &
	wait_lock pmeta; ok=$?
	[ $ok = 0 ] && { tool "$MIG" migrate >tool.out 2>&1; echo $? >tool.rc; }
	[ $ok = 0 ] && { tool "$MIG" validate >tool2.out 2>&1; echo $? >tool2.rc; }
	gate_release "$tx"; wait
	[ $ok = 0 ] &&
	test "$(cat tool.rc)" != 0 &&
	test_contains tool.out "Cannot create __Neo4jMigrationsLock node. Likely another migration is going on or has crashed" &&
	test "$(cat tool2.rc)" != 0 &&
	test_contains tool2.out "Cannot create __Neo4jMigrationsLock node" &&
	test_eq "$(cat pm.rc)" 0 &&
	test_contains pm.out "applied $(next 4) gate pmeta" &&
	test_eq "$(cypher_value "MATCH (l:__Neo4jMigrationsLock) RETURN count(l)")" 0 &&
	tool "$MIG" validate >out 2>&1 &&
	test_contains out "All resolved migrations have been applied"
'

test_expect_success 'while the tool holds the lock pmeta waits, or refuses after its wait' '
	printf "MATCH (g:MigrationGate) SET g.passed_tool = true;\n" >"$MIG/V$(next 5)__gate_tool.cypher" &&
	tx=$(gate_hold); test -n "$tx" || exit 1
	{ tool "$MIG" migrate >tool.out 2>&1; echo $? >tool.rc; } &
	wait_lock tool; ok=$?
	[ $ok = 0 ] && { PMETA_MIGRATE_LOCK_WAIT=1 pmeta migrate >pm1.out 2>pm1.err; echo $? >pm1.rc; }
	[ $ok = 0 ] && { PMETA_MIGRATIONS_DIR=$MIG pmeta migrate >pm2.out 2>pm2.err; echo $? >pm2.rc; } &
	[ $ok = 0 ] && { for i in $(seq 100); do test -s pm2.err && break; sleep 0.1; done; }
	gate_release "$tx"; wait
	[ $ok = 0 ] &&
	test_eq "$(cat pm1.rc)" 4 &&
	test_contains pm1.err "error: migrations are locked by neo4j-migrations (lock " &&
	test_eq "$(cat tool.rc)" 0 &&
	test_contains tool.out "Database migrated to version $(next 5)" &&
	test_eq "$(cat pm2.rc)" 0 &&
	test_contains pm2.err "waiting for the migration lock" &&
	test_contains pm2.out "database is up to date" &&
	test_eq "$(cypher_value "MATCH (l:__Neo4jMigrationsLock) RETURN count(l)")" 0
'

test_expect_success 'pmeta migrate unlock removes the lock of a tool that died' '
	printf "MATCH (g:MigrationGate) SET g.passed_again = true;\n" >"$MIG/V$(next 6)__gate_killed.cypher" &&
	tx=$(gate_hold); test -n "$tx" || exit 1
	"$TEST_ROOT/scripts/neo4j-migrations.sh" run --location "file://$MIG" migrate >tool.out 2>&1 &
	tpid=$!
	wait_lock tool; ok=$?
	kill -9 $tpid; wait $tpid 2>/dev/null
	gate_release "$tx"
	[ $ok = 0 ] &&
	test_eq "$(cypher_value "MATCH (l:__Neo4jMigrationsLock) WHERE l.owner IS NULL RETURN count(l)")" 1 &&
	test_expect_code 4 env PMETA_MIGRATE_LOCK_WAIT=0.5 pmeta migrate 2>err &&
	test_contains err "migrations are locked by neo4j-migrations" &&
	pmeta migrate unlock >out &&
	test_contains out "removed the migration lock" &&
	tool "$MIG" migrate >out 2>&1 &&
	test_contains out "Database migrated to version $(next 6)" &&
	PMETA_MIGRATIONS_DIR=$MIG pmeta migrate validate
'

test_expect_success 'a graph recorded by pmeta 0.1 stays valid and is re-recorded once' '
	test_reset_graph &&
	pmeta migrate >/dev/null &&
	file_crc=$(crc_of_file "$TEST_ROOT/migrations/V0001__graph_constraints.cypher") &&
	cypher "MATCH (m:__Neo4jMigration {version: \"0001\"}) SET m.checksum = \$c" "{\"c\": \"$file_crc\"}" >/dev/null &&
	cypher "DROP CONSTRAINT __Neo4jMigrationsLock__has_unique_id" >/dev/null &&
	cypher "CREATE CONSTRAINT pmeta_migrations_lock FOR (l:__Neo4jMigrationsLock) REQUIRE l.id IS UNIQUE" >/dev/null &&
	pmeta migrate info >out &&
	grep -E "^0001 +graph constraints +198269392 +applied\* " out &&
	test_contains out "recorded by pmeta 0.1 with the CRC32 of the file" &&
	pmeta migrate validate >out &&
	test_contains out "valid: $count applied" &&
	test_contains out "note: 1 migration(s) carry pmeta 0.1" &&
	mkdir -p only && cp "$TEST_ROOT"/migrations/V*.cypher only/ &&
	test_expect_code 1 tool "$PWD/only" validate >tool.out 2>&1 &&
	test_contains tool.out "Checksum of 0001 (\"graph constraints\") changed!" &&
	pmeta migrate --dry-run >out &&
	test_contains out "would re-record 0001 graph constraints: checksum $file_crc -> 198269392" &&
	pmeta migrate >out &&
	test_contains out "re-recorded 0001 graph constraints: checksum $file_crc (pmeta 0.1, CRC32 of the file) is now 198269392" &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration {version: \"0001\"}) RETURN m.checksum")" 198269392 &&
	cypher "SHOW CONSTRAINTS YIELD name RETURN name" >out &&
	test_lacks out pmeta_migrations_lock &&
	test_contains out __Neo4jMigrationsLock__has_unique_id &&
	test_contains out __Neo4jMigrationsLock__has_unique_name &&
	pmeta migrate >out &&
	test_lacks out re-recorded &&
	tool "$PWD/only" validate >out 2>&1 &&
	test_contains out "All resolved migrations have been applied"
'

test_expect_success 'after the tool repairs a pmeta 0.1 graph, pmeta validates it too' '
	file_crc=$(crc_of_file "$TEST_ROOT/migrations/V0001__graph_constraints.cypher") &&
	cypher "MATCH (m:__Neo4jMigration {version: \"0001\"}) SET m.checksum = \$c" "{\"c\": \"$file_crc\"}" >/dev/null &&
	tool "$PWD/only" repair >out 2>&1 &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration {version: \"0001\"}) RETURN m.checksum")" 198269392 &&
	pmeta migrate validate >out &&
	test_lacks out note: &&
	(cd ws && pmeta doctor >../out 2>&1) &&
	test_contains out "migrations current"
'

test_expect_success 'a chain that forks is refused with a clear error' '
	cypher "MATCH (b:__Neo4jMigration {version: \"BASELINE\"}) CREATE (b)-[:MIGRATED_TO {at: datetime()}]->(:__Neo4jMigration {version: \"9999\", checksum: \"1\"})" >/dev/null &&
	test_expect_code 1 pmeta migrate info 2>err &&
	test_contains err "the chain of applied migrations (:__Neo4jMigration) forks" &&
	cypher "MATCH (m:__Neo4jMigration {version: \"9999\"}) DETACH DELETE m" >/dev/null &&
	pmeta migrate validate
'

test_expect_success 'the tool applies pmeta'\''s own migrations to a 0.1 graph; pmeta validates them' '
	test_reset_graph &&
	cypher "CREATE (:Run {id: \"r1\", workspace: \"/tmp/w\", started_at: \"2026-01-02T03:04:05Z\"}),
	               (:Step {key: \"sche_001/p_001_v_000/a\", name: \"a\", max_shard: \"4\"})" >/dev/null &&
	tool "$TEST_ROOT/migrations" migrate >out 2>&1 &&
	test_contains out "Database migrated to version $last" &&
	test_eq "$(cypher_value "MATCH (r:Run {id: \"r1\"}) RETURN valueType(r.started_at) + \" \" + r.root")" \
		"ZONED DATETIME NOT NULL /tmp/w" &&
	test_eq "$(cypher_value "MATCH (s:Step:Unclaimed) RETURN s.max_shard + 1")" 5 &&
	pmeta migrate validate >out &&
	test_contains out "valid: $count applied, 0 pending" &&
	pmeta migrate >out &&
	test_contains out "database is up to date"
'

test_reset_graph >/dev/null && pmeta migrate >/dev/null
test_done
