#!/usr/bin/env bash
# Eight `pmeta fork X --patch` started at once: eight distinct names, eight
# commits on one linear history (no lost ref update), eight nodes, all in
# the index, git fsck clean. Then mixed with a real `git commit` racing.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

test_expect_success 'setup' '
	fork_workspace &&
	git rev-parse HEAD >base
'

test_expect_success 'eight forks at once' '
	for i in 1 2 3 4 5 6 7 8; do
		pmeta fork proc_004_v_000 --patch >out.$i 2>err.$i &
	done &&
	fails=0 &&
	for job in $(jobs -p); do wait $job || fails=$((fails + 1)); done &&
	cat err.* &&
	test_eq "$fails" 0
'

test_expect_success 'eight distinct names' '
	sed -n "s/.*-> \(proc_004_v_[0-9]*\) (patch).*/\1/p" out.* | sort >names &&
	printf "proc_004_v_00%s\n" 1 2 3 4 5 6 7 8 >expect &&
	test_cmp expect names
'

test_expect_success 'eight commits in one linear history from the base' '
	test_eq "$(git rev-list --count $(cat base)..HEAD)" 8 &&
	test_eq "$(git rev-list --merges HEAD | wc -l)" 0 &&
	git log --format="%(trailers:key=Pmeta-Fork,valueonly)" $(cat base)..HEAD | sed "/^$/d" | sort >committed &&
	test_cmp expect committed &&
	for c in $(git rev-list $(cat base)..HEAD); do
		test_eq "$(git diff-tree --no-commit-id --name-only -r $c | wc -l)" 1 || return 1
	done
'

test_expect_success 'every new file is committed and in the index; fsck clean' '
	test_eq "$(git status --porcelain)" "" &&
	test_eq "$(git ls-files sche_001/pys | wc -l)" 10 &&
	git fsck --strict >/dev/null 2>&1 &&
	test ! -e .git/index.lock
'

test_expect_success 'eight nodes and edges in the graph' '
	test_eq "$(cypher_value "MATCH (d:Procedure)-[:FORKED_FROM]->(:Procedure {key: \"ws/sche_001/proc_004_v_000\"}) RETURN count(DISTINCT d)")" 8
'

test_expect_success 'forks race with git commits made by git itself' '
	git rev-parse HEAD >base2 &&
	for i in 1 2 3 4; do
		pmeta fork proc_005_v_000 --minor >mout.$i 2>merr.$i &
		(echo "note $i" >>notes.txt; git add notes.txt 2>/dev/null && git commit -q -m "note $i" 2>/dev/null) &
	done &&
	fails=0 &&
	for job in $(jobs -p); do wait $job || fails=$((fails + 1)); done &&
	cat merr.* &&
	sed -n "s/.*-> \(proc_005_v_[0-9]*\) (minor).*/\1/p" mout.* | sort >mnames &&
	printf "proc_005_v_0%s0\n" 1 2 3 4 >mexpect &&
	test_cmp mexpect mnames &&
	git log --format="%(trailers:key=Pmeta-Fork,valueonly)" $(cat base2)..HEAD | sed "/^$/d" | sort >mcommitted &&
	test_cmp mexpect mcommitted &&
	test_eq "$(git rev-list --merges HEAD | wc -l)" 0 &&
	git fsck --strict >/dev/null 2>&1 &&
	for n in $(cat mexpect); do
		git ls-files --error-unmatch sche_001/pys/$n.py >/dev/null || return 1
	done
'

test_done
