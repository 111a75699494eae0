#!/usr/bin/env bash
# Every verb that talks to Neo4j, against a NEO4J_URI it cannot use: exit 4
# with a message that names the URI without its password (user:***@host); no crash (pmeta
# migrate used to release an uninitialised struct and die of SIGSEGV, exit 139).
# None of these URIs reaches a server, so the graph is not touched.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

# A run kept in its journal only, so that sync, runs and status have a journal
# to write and must talk to Neo4j.
test_expect_success 'a workspace with a process config and an unsynced run' '
	test_reset_graph &&
	run_workspace &&
	add_procs proc_001_v_000 &&
	printf "[proc_001_v_000]\nlast_proc = schema_input\n" >$CONF &&
	commit_workspace &&
	pmeta migrate >/dev/null &&
	pmeta run p_001_v_000 --no-record -q >/dev/null
'

# Every form of every verb that needs Neo4j, one a line.
cat >verbs <<EOF
init
migrate
migrate --dry-run
migrate info
migrate validate
migrate unlock
doctor
import $CONF
plan $CONF
plan p_001_v_000
run p_001_v_000
run p_001_v_000 --dry-run
runs
runs --sync
status
sync
fork proc_001_v_000
lineage proc_001_v_000
EOF

# against URI SHOWN [FORMS]: every form (verbs by default) exits 4 and
# names SHOWN; "pw" is never printed.
against() {
	local uri=$1 shown=$2 forms=${3:-verbs} form rc out=out err=err
	while read -r form; do
		NEO4J_URI=$uri pmeta $form >$out 2>$err
		rc=$?
		[ $rc = 4 ] || { echo "NEO4J_URI='$uri' pmeta $form: exit $rc, not 4:"; cat $out $err; return 1; }
		grep -qF -- "$shown" $err || grep -qF -- "$shown" $out ||
			{ echo "NEO4J_URI='$uri' pmeta $form does not name '$shown':"; cat $out $err; return 1; }
		! grep -q "pw" $out $err ||
			{ echo "NEO4J_URI='$uri' pmeta $form shows the password:"; cat $out $err; return 1; }
	done <"$forms"
	# nothing was forked, nothing initialised, the journal is still unsynced
	test "$(git rev-list --count HEAD)" = 2 && test -z "$(git status --porcelain -- sche_t)" &&
	test "$(cypher_value "MATCH (r:Run) RETURN count(r)")" = 0
}

test_expect_success 'bolt:// (pmeta speaks HTTP only)' '
	against bolt://127.0.0.1:1 "unsupported NEO4J_URI '\''bolt://127.0.0.1:1'\''"
'

test_expect_success 'ftp://x' '
	against ftp://x "unsupported NEO4J_URI '\''ftp://x'\''"
'

test_expect_success 'bolt:// with credentials: named without the password' '
	against bolt://user:pw@127.0.0.1:1 "'\''bolt://user:***@127.0.0.1:1'\''"
'

test_expect_success 'http:// with credentials and nothing listening: named without the password' '
	port=$(free_port) &&
	grep -vx status verbs >verbs-but-status &&
	against "http://user:pw@127.0.0.1:$port" "cannot reach Neo4j at http://user:***@127.0.0.1:$port" \
		verbs-but-status
'

# status reads the local journal when Neo4j cannot be reached (docs/run.md).
test_expect_success 'status falls back to the journal when Neo4j is unreachable, and says where' '
	port=$(free_port) &&
	NEO4J_URI="http://user:pw@127.0.0.1:$port" pmeta status >out 2>err &&
	test_contains err "cannot reach Neo4j at http://user:***@127.0.0.1:$port" &&
	test_contains err "showing the local journal" &&
	test_contains out "p_001_v_000" &&
	! grep -q pw out err
'

test_expect_success 'an empty NEO4J_URI is refused, not replaced by the default' '
	against "" "NEO4J_URI is set but empty"
'

test_expect_success 'garbage' '
	against "not a uri" "NEO4J_URI '\''not a uri'\'' is not a URL" &&
	against "http://" "NEO4J_URI '\''http://'\'' is not a URL" &&
	against "http://[::1" "NEO4J_URI '\''http://[::1'\'' is not a URL" &&
	against "http://user:pw@[::1" "NEO4J_URI '\''http://user:***@[::1'\'' is not a URL" &&
	against "http://user:p/w@127.0.0.1:1" "NEO4J_URI '\''http://user:***@127.0.0.1:1'\'' is not a URL" &&
	against "http://127.0.0.1:99999" "NEO4J_URI '\''http://127.0.0.1:99999'\'' is not a URL" &&
	against "::::" "NEO4J_URI '\''::::'\''"
'

test_done
