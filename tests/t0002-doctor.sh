#!/usr/bin/env bash
# pmeta doctor: all good, wrong password, Neo4j down, wrong database, no workspace.
. "$(dirname "$0")/lib.sh"

test_reset_graph || exit 1

test_expect_success 'doctor in a fresh workspace reports pending migrations (exit 4)' '
	test_git_workspace &&
	test_expect_code 4 pmeta doctor >out &&
	test_contains out "ok       neo4j reachable at $NEO4J_URI (Neo4j 5.26" &&
	test_contains out "ok       credentials accepted" &&
	test_contains out "ok       database '\''neo4j'\'' is online" &&
	n=$(ls "$TEST_ROOT"/migrations/V*.cypher | wc -l) &&
	test_contains out "problem  migrations: $n pending (run '\''pmeta migrate'\'')"
'

test_expect_success 'after migrate every line is ok (exit 0)' '
	pmeta migrate >/dev/null &&
	pmeta doctor >out &&
	test_eq "$(grep -c "^ok " out)" 5 &&
	test_lacks out problem
'

test_expect_success 'a wrong password: exit 4, the cause named, the password not printed' '
	test_expect_code 4 env NEO4J_PASSWORD=not-the-pw-4711 pmeta doctor >out 2>&1 &&
	test_contains out "refused the credentials (HTTP 401)" &&
	test_contains out "NEO4J_PASSWORD" &&
	test_lacks out "not-the-pw-4711" &&
	test_lacks out "$NEO4J_PASSWORD"
'

test_expect_success 'Neo4j down: exit 4 within the timeout, the URI named' '
	port=$(free_port) &&
	start=$(date +%s%N) &&
	test_expect_code 4 env NEO4J_URI=http://127.0.0.1:$port PMETA_NEO4J_TIMEOUT=5 pmeta doctor >out 2>&1 &&
	end=$(date +%s%N) &&
	test_contains out "cannot reach Neo4j at http://127.0.0.1:$port" &&
	[ $(( (end - start) / 1000000 )) -lt 5000 ]
'

test_expect_success 'a server that accepts but never answers: exit 4 after the timeout' '
	python3 -c "
import socket, time
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
end = time.time() + 20
while time.time() < end:
    s.settimeout(end - time.time())
    try:
        conns.append(s.accept()[0])
    except Exception:
        break
" >port.txt &
	srv=$! &&
	while [ ! -s port.txt ]; do sleep 0.05; done &&
	start=$(date +%s) &&
	test_expect_code 4 env NEO4J_URI=http://127.0.0.1:$(cat port.txt) PMETA_NEO4J_TIMEOUT=2 pmeta doctor >out 2>&1 ;
	rc=$? ; end=$(date +%s) ; kill $srv ; wait $srv 2>/dev/null ;
	[ $rc -eq 0 ] &&
	test_contains out "did not answer within 2.0 s" &&
	[ $((end - start)) -lt 10 ]
'

test_expect_success 'a database that does not exist: exit 4, named' '
	test_expect_code 4 env NEO4J_DATABASE=nosuchdb pmeta doctor >out &&
	test_contains out "database '\''nosuchdb'\'' does not exist" &&
	test_expect_code 4 env NEO4J_DATABASE=nosuchdb pmeta migrate 2>err &&
	test_contains err "Neo.ClientError.Database.DatabaseNotFound"
'

test_expect_success 'outside a git workspace: exit 5' '
	d=$(mktemp -d) && cd "$d" &&
	test_expect_code 5 pmeta doctor >out ;
	rc=$? ; grep -q "^problem  workspace: not in a pmeta workspace" out ; rc2=$? ;
	cd / && rm -rf "$d" && [ $rc -eq 0 ] && [ $rc2 -eq 0 ]
'

test_expect_success 'a bare repository is not a workspace' '
	git init -q --bare bare.git && cd bare.git &&
	test_expect_code 5 pmeta doctor >out ;
	rc=$? ; [ $rc -eq 0 ] && grep -q "problem  workspace" out
'

test_expect_success 'credentials inside NEO4J_URI are never printed: doctor' '
	hostport=${NEO4J_URI#http://} &&
	pmeta doctor >out 2>&1 &&
	env NEO4J_URI="http://neo4j:uRiSeCrEt-1@$hostport" pmeta doctor >out 2>&1 &&
	test_contains out "ok       neo4j reachable at http://neo4j:***@$hostport" &&
	test_lacks out "uRiSeCrEt" &&
	for u in "http://bob:uRiSeCrEt-2@127.0.0.1:$(free_port)" "bolt://bob:uRiSeCrEt-3@127.0.0.1:7687" \
		 "ftp://uRiSeCrEt-4@example.invalid/" "http://bob:uRi/SeCrEt-5@127.0.0.1:1"; do
		test_expect_code 4 env NEO4J_URI="$u" pmeta doctor >out 2>&1 &&
		test_contains out "problem" &&
		test_contains out "***@" &&
		test_lacks out "SeCrEt" || return 1
	done
'

test_expect_success 'credentials inside NEO4J_URI are never printed: other verbs' '
	mkdir -p s/pys s/process_config/p_1_v_000 &&
	printf "[proc_1_v_000]\n" >s/process_config/p_1_v_000/main.conf &&
	for u in "http://bob:uRiSeCrEt-6@127.0.0.1:$(free_port)" "ftp://bob:uRiSeCrEt-7@example.invalid"; do
		# (migrate with an unsupported scheme is issue 9 item 5, on another branch)
		case $u in http*) migrate=migrate ;; *) migrate= ;; esac
		for verb in init $migrate sync status runs "import s/process_config/p_1_v_000/main.conf" \
			    "lineage proc_1_v_000" "fork proc_1_v_000" "run s/process_config/p_1_v_000/main.conf"; do
			env NEO4J_URI="$u" pmeta $verb >out 2>&1
			rc=$?
			[ $rc -lt 128 ] || { echo "$verb: exit $rc"; cat out; return 1; }
			test_lacks out "SeCrEt" || return 1
		done
	done
'

test_expect_success 'the password never reaches argv of pmeta' '
	pmeta doctor >/dev/null &
	pid=$! ;
	args=$(tr "\0" " " </proc/$pid/cmdline 2>/dev/null) ; wait $pid ;
	case "$args" in *"$NEO4J_PASSWORD"*) false ;; *) true ;; esac
'

test_done
