#!/usr/bin/env bash
# pmeta fork refuses what it cannot do, and writes nothing then: Neo4j
# unreachable (checked first), a dirty or uncommitted source, bare and
# detached-HEAD repositories, unknown and taken names. When the graph write
# fails after the commit it says so, and pmeta sync repairs the graph.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

# Nothing changed: same HEAD, clean status (but for what the test made).
unchanged() {
	test_eq "$(git rev-parse HEAD)" "$1" &&
	test_eq "$(git status --porcelain)" "${2:-}"
}

test_expect_success 'setup' '
	fork_workspace
'

test_expect_success 'Neo4j unreachable: exit 4 before git is touched' '
	head=$(git rev-parse HEAD) &&
	NEO4J_URI=http://127.0.0.1:1 test_expect_code 4 pmeta fork proc_004_v_000 2>err &&
	test_contains err "error: nothing forked: cannot reach Neo4j at http://127.0.0.1:1" &&
	unchanged "$head" &&
	test ! -e sche_001/pys/proc_004_v_001.py
'

test_expect_success 'wrong password: exit 4, nothing written, password not shown' '
	head=$(git rev-parse HEAD) &&
	NEO4J_PASSWORD=wrong-secret-xyz test_expect_code 4 pmeta fork proc_004_v_000 2>err &&
	test_lacks err wrong-secret-xyz &&
	unchanged "$head"
'

test_expect_success 'a source changed since its commit is refused (unstaged)' '
	head=$(git rev-parse HEAD) &&
	echo "print(\"wip\")" >>sche_001/pys/proc_004_v_000.py &&
	test_expect_code 5 pmeta fork proc_004_v_000 2>err &&
	test_contains err "has changes since its last commit" &&
	test_contains err "--from-worktree" &&
	unchanged "$head" " M sche_001/pys/proc_004_v_000.py" &&
	test ! -e sche_001/pys/proc_004_v_001.py
'

test_expect_success 'a staged change is refused as well' '
	head=$(git rev-parse HEAD) &&
	git add sche_001/pys/proc_004_v_000.py &&
	test_expect_code 5 pmeta fork proc_004_v_000 2>err &&
	test_contains err "has changes since its last commit" &&
	unchanged "$head" "M  sche_001/pys/proc_004_v_000.py" &&
	git reset -q
'

test_expect_success '--from-worktree forks the file as it is on disk' '
	pmeta fork proc_004_v_000 --from-worktree >out &&
	test_contains out "-> proc_004_v_001 (patch)" &&
	test_cmp sche_001/pys/proc_004_v_000.py sche_001/pys/proc_004_v_001.py &&
	test_eq "$(trailer_of HEAD Pmeta-Source-Blob)" "$(git hash-object sche_001/pys/proc_004_v_000.py)" &&
	test_eq "$(git status --porcelain)" " M sche_001/pys/proc_004_v_000.py" &&
	git checkout -q -- sche_001/pys/proc_004_v_000.py
'

test_expect_success 'an uncommitted source is refused, unless --from-worktree' '
	head=$(git rev-parse HEAD) &&
	echo "print(6)" >sche_001/pys/proc_006_v_000.py &&
	test_expect_code 5 pmeta fork proc_006_v_000 2>err &&
	test_contains err "is not committed" &&
	test_contains err "--from-worktree" &&
	unchanged "$head" "?? sche_001/pys/proc_006_v_000.py" &&
	pmeta fork proc_006_v_000 --from-worktree >out &&
	test_contains out "-> proc_006_v_001" &&
	test_eq "$(git status --porcelain)" "?? sche_001/pys/proc_006_v_000.py" &&
	rm sche_001/pys/proc_006_v_000.py
'

test_expect_success 'a name that does not exist: exit 5' '
	head=$(git rev-parse HEAD) &&
	test_expect_code 5 pmeta fork proc_099_v_000 2>err &&
	test_contains err "no procedure '\''proc_099_v_000'\'' in the workspace" &&
	test_expect_code 5 pmeta fork p_099_v_000 2>err &&
	test_contains err "no process" &&
	test_expect_code 5 pmeta fork sche_404/proc_004_v_000 2>err &&
	unchanged "$head"
'

test_expect_success '--to an existing name: exit 5, nothing written' '
	head=$(git rev-parse HEAD) &&
	test_expect_code 5 pmeta fork proc_004_v_000 --to proc_005_v_000 2>err &&
	test_contains err "exists already" &&
	test_cmp sche_001/pys/proc_005_v_000.py - <<-\EOT &&
	print("proc 5")
	EOT
	unchanged "$head"
'

test_expect_success '--to a name only HEAD has (deleted on disk) is taken too' '
	head=$(git rev-parse HEAD) &&
	rm sche_001/pys/proc_005_v_000.py &&
	test_expect_code 5 pmeta fork proc_004_v_000 --to proc_005_v_000 2>err &&
	test_contains err "exists already" &&
	test ! -e sche_001/pys/proc_005_v_000.py &&
	git checkout -q -- sche_001/pys/proc_005_v_000.py &&
	unchanged "$head"
'

test_expect_success 'a name in two schedules must be qualified' '
	mkdir -p sche_002/pys && cp sche_001/pys/proc_005_v_000.py sche_002/pys/ &&
	git add sche_002 && git commit -q -m "schedule 2" &&
	head=$(git rev-parse HEAD) &&
	test_expect_code 5 pmeta fork proc_005_v_000 2>err &&
	test_contains err "is in 2 schedules" &&
	unchanged "$head" &&
	pmeta fork sche_002/proc_005_v_000 >out &&
	test_contains out "forked sche_002/proc_005_v_000 -> proc_005_v_001" &&
	test -f sche_002/pys/proc_005_v_001.py && test ! -e sche_001/pys/proc_005_v_001.py
'

test_expect_success 'no patch number left after _v_009' '
	cp sche_001/pys/proc_004_v_000.py sche_001/pys/proc_004_v_009.py &&
	git add . && git commit -q -m nine &&
	head=$(git rev-parse HEAD) &&
	test_expect_code 5 pmeta fork proc_004_v_000 --patch 2>err &&
	test_contains err "no patch version left" &&
	unchanged "$head"
'

test_expect_success 'detached HEAD: exit 5, nothing written' '
	git checkout -q --detach &&
	head=$(git rev-parse HEAD) &&
	test_expect_code 5 pmeta fork proc_004_v_000 --minor 2>err &&
	test_contains err "HEAD is detached" &&
	unchanged "$head" &&
	test ! -e sche_001/pys/proc_004_v_010.py &&
	git checkout -q main
'

test_expect_success 'bare repository: exit 5' '
	git init -q --bare bare.git &&
	(cd bare.git && test_expect_code 5 pmeta fork proc_004_v_000 2>err && test_contains err "bare")
'

test_expect_success 'a branch without commits: exit 5' '
	mkdir -p unborn/sche_001/pys && cd unborn && git init -q -b main &&
	echo "print(1)" >sche_001/pys/proc_001_v_000.py &&
	test_expect_code 5 pmeta fork proc_001_v_000 2>err &&
	test_contains err "has no commit yet" &&
	test_expect_code 5 pmeta fork proc_001_v_000 --from-worktree 2>err &&
	test ! -e sche_001/pys/proc_001_v_001.py &&
	test_must_fail_rev() { ! git rev-parse -q --verify HEAD >/dev/null; } && test_must_fail_rev
'

test_expect_success 'the graph write fails after the commit: exit 4, sync repairs' '
	cypher "CREATE CONSTRAINT t0201_path FOR (n:Procedure) REQUIRE n.path IS UNIQUE" >/dev/null &&
	cypher "CREATE (:Procedure {key: \"elsewhere/x\", path: \"sche_001/pys/proc_005_v_001.py\"})" >/dev/null &&
	head=$(git rev-parse HEAD) &&
	test_expect_code 4 pmeta fork sche_001/proc_005_v_000 >out 2>err &&
	test_contains out "-> proc_005_v_001 (patch)" &&
	test_contains err "the fork is committed" &&
	test_contains err "the graph is behind" &&
	test_contains err "pmeta sync" &&
	test_eq "$(git rev-parse HEAD^)" "$head" &&
	test_eq "$(trailer_of HEAD Pmeta-Fork)" proc_005_v_001 &&
	test_eq "$(cypher_value "MATCH (n:Procedure {key: \"ws/sche_001/proc_005_v_001\"}) RETURN count(n)")" 0 &&
	cypher "MATCH (n:Procedure {key: \"elsewhere/x\"}) DELETE n" >/dev/null &&
	cypher "DROP CONSTRAINT t0201_path" >/dev/null &&
	pmeta sync >out &&
	test_eq "$(cypher_value "MATCH (:Procedure {key: \"ws/sche_001/proc_005_v_001\"})-[r:FORKED_FROM]->(:Procedure {key: \"ws/sche_001/proc_005_v_000\"}) RETURN r.commit")" \
		"$(git rev-parse HEAD)"
'

test_expect_success 'git fsck is clean after all of it' '
	git fsck --strict >/dev/null 2>&1
'

test_done
