#!/usr/bin/env bash
# scripts/neo4j.sh: a busy port is refused, a second instance starts, answers,
# keeps its password across a restart, and stops by PID; its password never
# shows, even in a `bash -x` trace of start and status.
. "$(dirname "$0")/lib.sh"

N4J="$TEST_ROOT/scripts/neo4j.sh"

test_expect_success 'start refuses a port already in use and creates nothing' '
	busy=${NEO4J_URI##*:} &&
	test_expect_code 1 env NEO4J_DIR=$PWD/inst-busy NEO4J_HTTP_PORT=$busy NEO4J_BOLT_PORT=$(free_port) "$N4J" start 2>err &&
	test_contains err "error: port $busy (NEO4J_HTTP_PORT) is already in use" &&
	test ! -e inst-busy
'

test_expect_success 'status of an instance that never ran: exit 3' '
	test_expect_code 3 env NEO4J_DIR=$PWD/inst-none "$N4J" status >out &&
	test_contains out "neo4j: not running"
'

test_expect_success 'a second instance: start, env file, query, restart with the same password, stop' '
	http=$(free_port) && bolt=$(free_port) &&
	export NEO4J_DIR=$PWD/inst2 NEO4J_HTTP_PORT=$http NEO4J_BOLT_PORT=$bolt &&
	trap "\"$N4J\" stop >/dev/null 2>&1" EXIT &&
	bash -x "$N4J" start >out 2>trace &&
	test_contains out "neo4j: running on http://127.0.0.1:$http" &&
	test_contains trace "+ untraced" &&
	test "$(stat -c %a inst2/env)" = 600 &&
	test "$(stat -c %a inst2/password)" = 600 &&
	( set -a && . inst2/env && set +a &&
	  test_eq "$NEO4J_URI" "http://127.0.0.1:$http" &&
	  test_eq "$NEO4J_USERNAME" neo4j &&
	  test_eq "$NEO4J_PASSWORD" "$(cat inst2/password)" &&
	  pmeta migrate >m.out && test_contains m.out "applied 0001" ) &&
	pw1=$(cat inst2/password) &&
	ss -ltnH "( sport = :$http or sport = :$bolt )" >listen &&
	! grep -v "127.0.0.1" listen &&
	bash -x "$N4J" status 2>>trace &&
	"$N4J" stop >out && test_contains out "neo4j: stopped" &&
	test_expect_code 3 "$N4J" status &&
	bash -x "$N4J" start >/dev/null 2>>trace &&
	test_eq "$(cat inst2/password)" "$pw1" &&
	! grep -F -- "$pw1" trace &&
	( set -a && . inst2/env && set +a && pmeta migrate >m2.out && test_contains m2.out "up to date" ) &&
	"$N4J" stop >/dev/null &&
	test ! -e inst2/neo4j.pid
'

test_done
