#!/usr/bin/env bash
# pmeta log lists a version's commits and forks (from git alone); pmeta diff
# shows two versions' differences through libgit2.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

test_expect_success 'setup' '
	fork_workspace &&
	pmeta fork proc_004_v_000 >/dev/null &&
	echo "print(\"tuned\")" >>sche_001/pys/proc_004_v_001.py &&
	git commit -q -am "tune 001" &&
	pmeta fork proc_004_v_001 --minor >/dev/null &&
	pmeta fork proc_004_v_001 >/dev/null
'

test_expect_success 'log: newest first, the fork that made it, edits, forks from it' '
	pmeta log proc_004_v_001 >out &&
	sed -E "s/^[0-9a-f]{12} [0-9TZ:-]+  //" out >masked &&
	{
		printf "%-44s  %s\n" "forked to proc_004_v_002 (patch)" "fork proc_004_v_002 from proc_004_v_001 (patch)  (pmeta test)" &&
		printf "%-44s  %s\n" "forked to proc_004_v_010 (minor)" "fork proc_004_v_010 from proc_004_v_001 (minor)  (pmeta test)" &&
		printf "%-44s  %s\n" "changed" "tune 001  (pmeta test)" &&
		printf "%-44s  %s\n" "created by fork from proc_004_v_000 (patch)" "fork proc_004_v_001 from proc_004_v_000 (patch)  (pmeta test)"
	} >expect &&
	test_cmp expect masked &&
	test_eq "$(head -c 12 out)" "$(git rev-parse --short=12 HEAD)"
'

test_expect_success 'log of a root version: added, then its forks' '
	pmeta log sche_001/proc_004_v_000 >out &&
	test_eq "$(wc -l <out)" 2 &&
	test_contains out "forked to proc_004_v_001 (patch)" &&
	tail -n1 out >last && test_contains last "added" && test_contains last "schedule 1"
'

test_expect_success 'log works without Neo4j; errors' '
	NEO4J_URI=http://127.0.0.1:1 pmeta log proc_004_v_010 >out &&
	test_contains out "created by fork from proc_004_v_001 (minor)" &&
	test_expect_code 5 pmeta log proc_077_v_000 2>err &&
	test_expect_code 2 pmeta log 2>err &&
	test_expect_code 2 pmeta log nope 2>err &&
	pmeta log -h >out && test_contains out "usage: pmeta log"
'

test_expect_success 'diff of two procedure versions' '
	pmeta diff proc_004_v_000 proc_004_v_001 >out &&
	cat >expect <<-EOT &&
	diff --git a/sche_001/pys/proc_004_v_000.py b/sche_001/pys/proc_004_v_001.py
	index $(git rev-parse --short=7 HEAD:sche_001/pys/proc_004_v_000.py)..$(git rev-parse --short=7 HEAD:sche_001/pys/proc_004_v_001.py) 100644
	--- a/sche_001/pys/proc_004_v_000.py
	+++ b/sche_001/pys/proc_004_v_001.py
	@@ -1 +1,2 @@
	 print("proc 4")
	+print("tuned")
	EOT
	test_cmp expect out
'

test_expect_success 'diff of equal versions prints nothing; --worktree reads the disk' '
	pmeta diff proc_004_v_001 proc_004_v_002 >out &&
	test_eq "$(cat out)" "" &&
	echo "print(\"wip\")" >>sche_001/pys/proc_004_v_002.py &&
	pmeta diff proc_004_v_001 proc_004_v_002 >out &&
	test_eq "$(cat out)" "" &&
	pmeta diff --worktree proc_004_v_001 proc_004_v_002 >out &&
	test_contains out "+print(\"wip\")" &&
	git checkout -q -- sche_001
'

test_expect_success 'diff of two process versions compares their folders' '
	pmeta fork p_002_v_000 >/dev/null &&
	echo "run_mode = force" >>sche_001/process_config/p_002_v_001/main.conf &&
	git commit -q -am "force" &&
	pmeta diff p_002_v_000 p_002_v_001 >out &&
	test_contains out "--- a/sche_001/process_config/p_002_v_000/main.conf" &&
	test_contains out "+++ b/sche_001/process_config/p_002_v_001/main.conf" &&
	test_contains out "+run_mode = force"
'

test_expect_success 'diff errors' '
	test_expect_code 2 pmeta diff proc_004_v_000 2>err &&
	test_expect_code 2 pmeta diff proc_004_v_000 p_002_v_000 2>err &&
	test_contains err "not of one kind" &&
	test_expect_code 5 pmeta diff proc_004_v_000 proc_088_v_000 2>err &&
	test_contains err "no procedure" &&
	pmeta diff --help >out && test_contains out "usage: pmeta diff"
'

test_done
