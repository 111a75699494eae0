#!/usr/bin/env bash
# A fork reads and writes only inside the workspace: a schedule named "..",
# or a schedule folder that is a link to somewhere else, is refused before
# anything there is read (its content never reaches git's object store) or
# written (no copy appears outside).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

test_expect_success 'setup: a workspace, and scripts outside it' '
	mkdir ws outside outside/pys &&
	printf "print(\"outside 1\")\n" >pys_secret && mkdir pys && mv pys_secret pys/proc_001_v_000.py &&
	printf "print(\"outside 9\")\n" >outside/pys/proc_009_v_000.py &&
	cd ws && fork_workspace
'

test_expect_success 'fork ../NAME --from-worktree: a usage error, nothing read' '
	cd ws &&
	head=$(git rev-parse HEAD) &&
	test_expect_code 2 pmeta fork ../proc_001_v_000 --from-worktree >out 2>err &&
	test_contains err "'\''..'\'' is not a schedule" &&
	! git cat-file -e "$(git hash-object ../pys/proc_001_v_000.py)" 2>/dev/null &&
	test_eq "$(git rev-parse HEAD)" "$head" &&
	! test -e ../pys/proc_001_v_001.py &&
	test_expect_code 2 pmeta fork proc_004_v_000 --to ../proc_004_v_009 2>err &&
	test_contains err "is not a schedule" &&
	test_expect_code 2 pmeta fork ./proc_004_v_000 2>err
'

test_expect_success 'a schedule that links outside: refused, nothing read or written' '
	cd ws &&
	ln -s ../outside sche_009 &&
	head=$(git rev-parse HEAD) &&
	test_expect_code 5 pmeta fork sche_009/proc_009_v_000 --from-worktree >out 2>err &&
	test_contains err "leads outside the workspace" &&
	! git cat-file -e "$(git hash-object ../outside/pys/proc_009_v_000.py)" 2>/dev/null &&
	test_eq "$(git rev-parse HEAD)" "$head" &&
	test_eq "$(ls ../outside/pys)" proc_009_v_000.py
'

test_expect_success 'by bare name, a linked folder is no schedule' '
	cd ws &&
	test_expect_code 5 pmeta fork proc_009_v_000 --from-worktree 2>err &&
	test_contains err "no procedure '\''proc_009_v_000'\'' in the workspace" &&
	test_eq "$(ls ../outside/pys)" proc_009_v_000.py
'

test_expect_success 'a scripts folder that links outside: refused too' '
	cd ws &&
	mkdir sche_008 && ln -s ../../outside/pys sche_008/pys &&
	test_expect_code 5 pmeta fork sche_008/proc_009_v_000 --from-worktree 2>err &&
	test_contains err "leads outside the workspace" &&
	test_eq "$(ls ../outside/pys)" proc_009_v_000.py
'

test_expect_success 'forks inside the workspace still work' '
	cd ws &&
	pmeta fork proc_004_v_000 >out &&
	test_contains out "-> proc_004_v_001"
'

test_done
