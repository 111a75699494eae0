#!/usr/bin/env bash
# Whatever `pmeta fork -m` holds, git is the truth (DESIGN.md section 5):
# pmeta's own trailers stay the ones git interpret-trailers, pmeta log and
# pmeta sync read; a "---" line, a fake trailer block, a scissors line or
# CRLF in the message can neither hide a fork nor forge one; '#' lines are
# kept. And a commit's trailers are only believed when its tree shows the
# fork: sync skips (and names) commits that merely claim one.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

# The forks git itself sees in HEAD's message: "Key: value" lines of its trailer block.
git_trailers() {
	git log -1 --format=%B "${1:-HEAD}" | git interpret-trailers --parse
}

# FORKED_FROM edges as "dst<-src" keys (ws/<schedule>/<version>), sorted, one a line.
fork_edges() {
	cypher 'MATCH (d)-[:FORKED_FROM]->(s) RETURN d.key + "<-" + s.key' |
		python3 -c 'import json,sys; [print(r) for r in sorted(d["row"][0] for d in json.load(sys.stdin)["results"][0]["data"])]'
}

test_expect_success 'setup: a workspace with a schedule' '
	fork_workspace
'

test_expect_success 'a --- line in -m hides nothing from git, log or sync' '
	pmeta fork proc_005_v_000 -m "$(printf "notes\n---\nmore")" >out &&
	test_contains out "-> proc_005_v_001" &&
	git_trailers >trailers &&
	test_contains trailers "Pmeta-Fork: proc_005_v_001" &&
	test_contains trailers "Pmeta-Forked-From: proc_005_v_000" &&
	test_contains trailers "Pmeta-Schedule: sche_001" &&
	git log -1 --format=%B >msg &&
	test_contains msg "notes" && test_contains msg "more" &&
	pmeta log proc_005_v_001 >log &&
	test_contains log "created by fork from proc_005_v_000 (patch)" &&
	pmeta sync --dry-run >dry &&
	test_contains dry "sche_001/proc_005_v_000 -> proc_005_v_001 (patch)"
'

test_expect_success 'a fake trailer block and --- in -m forge nothing' '
	pmeta fork proc_004_v_000 -m "$(printf "%s\n" "why: the fake below" "" \
		"Pmeta-Fork: proc_999_v_000" "Pmeta-Forked-From: proc_004_v_000" \
		"Pmeta-Source-Blob: $(git rev-parse HEAD:sche_001/pys/proc_004_v_000.py)" \
		"Pmeta-Bump: patch" "Pmeta-Kind: procedure" "Pmeta-Schedule: evil" "---" "tail")" >out &&
	test_contains out "-> proc_004_v_001" &&
	git_trailers >trailers &&
	test_eq "$(grep -c . trailers)" 6 &&
	test_contains trailers "Pmeta-Fork: proc_004_v_001" &&
	test_contains trailers "Pmeta-Schedule: sche_001" &&
	test_lacks trailers "evil" &&
	test_eq "$(trailer_of HEAD Pmeta-Fork)" proc_004_v_001
'

test_expect_success 'a scissors line and CRLF in -m hide nothing; # lines are kept' '
	pmeta fork proc_004_v_001 -m "$(printf "#42: fix\r\n\r\n# ------------------------ >8 ------------------------\r\nafter the cut\r\n")" >out &&
	test_contains out "-> proc_004_v_002" &&
	git log -1 --format=%B >msg &&
	test_contains msg "#42: fix" &&
	test_contains msg "after the cut" &&
	! grep -q "$(printf "\r")" msg &&
	git_trailers >trailers &&
	test_contains trailers "Pmeta-Fork: proc_004_v_002" &&
	pmeta log proc_004_v_002 >log &&
	test_contains log "created by fork from proc_004_v_001 (patch)"
'

test_expect_success 'a message of # lines only is kept too' '
	pmeta fork p_002_v_000 -m "# just a comment" >/dev/null &&
	git log -1 --format=%B >msg &&
	test_contains msg "# just a comment" &&
	test_eq "$(trailer_of HEAD Pmeta-Fork)" p_002_v_001
'

test_expect_success 'after a wipe, sync restores exactly the real edges' '
	fork_edges >before &&
	test_eq "$(cat before | tr "\n" " ")" "ws/sche_001/p_002_v_001<-ws/sche_001/p_002_v_000 ws/sche_001/proc_004_v_001<-ws/sche_001/proc_004_v_000 ws/sche_001/proc_004_v_002<-ws/sche_001/proc_004_v_001 ws/sche_001/proc_005_v_001<-ws/sche_001/proc_005_v_000 " &&
	graph_dump >dump.before &&
	graph_wipe &&
	pmeta sync >out 2>err &&
	test_contains out "4 fork(s) in the history" &&
	fork_edges >after &&
	test_cmp before after &&
	graph_dump >dump.after &&
	test_cmp dump.before dump.after &&
	test_eq "$(cypher_value "MATCH (n) WHERE n.schedule = \"evil\" OR n.key STARTS WITH \"ws/evil/\" OR n.key STARTS WITH \"evil/\" RETURN count(n)")" 0
'

test_expect_success 'a plain commit claiming a fork it does not make is not believed' '
	blob=$(git rev-parse HEAD:sche_001/pys/proc_005_v_000.py) &&
	echo unrelated >notes.txt && git add notes.txt &&
	git commit -q -F - <<-EOF &&
	claims a fork

	Pmeta-Fork: proc_005_v_007
	Pmeta-Forked-From: proc_005_v_000
	Pmeta-Source-Blob: $blob
	Pmeta-Bump: patch
	Pmeta-Kind: procedure
	Pmeta-Schedule: sche_001
	EOF
	pmeta sync >out 2>err &&
	test_contains err "warning: commit $(git rev-parse --short=12 HEAD): its trailers name the fork sche_001/proc_005_v_007 from proc_005_v_000, but its tree has no" &&
	test_contains out "4 fork(s) in the history; 0 node(s), 0 relationship(s) created" &&
	fork_edges >after && test_cmp before after &&
	pmeta log proc_005_v_000 >log &&
	test_lacks log "proc_005_v_007"
'

test_expect_success 'a copy with other content, or a file that was there, is not a fork' '
	printf "print(\"other\")\n" >sche_001/pys/proc_005_v_008.py && git add sche_001/pys/proc_005_v_008.py &&
	git commit -q -F - <<-EOF &&
	wrong content

	Pmeta-Fork: proc_005_v_008
	Pmeta-Forked-From: proc_005_v_000
	Pmeta-Source-Blob: $(git rev-parse HEAD:sche_001/pys/proc_005_v_000.py)
	Pmeta-Bump: patch
	Pmeta-Kind: procedure
	Pmeta-Schedule: sche_001
	EOF
	cp sche_001/pys/proc_005_v_000.py sche_001/pys/proc_005_v_008.py && git commit -q -a -F - <<-EOF &&
	was there before

	Pmeta-Fork: proc_005_v_008
	Pmeta-Forked-From: proc_005_v_000
	Pmeta-Source-Blob: $(git rev-parse HEAD:sche_001/pys/proc_005_v_000.py)
	Pmeta-Bump: patch
	Pmeta-Kind: procedure
	Pmeta-Schedule: sche_001
	EOF
	pmeta sync >out 2>err &&
	test_contains err "$(git rev-parse --short=12 HEAD~1): its trailers name the fork sche_001/proc_005_v_008 from proc_005_v_000, but" &&
	test_contains err "is not the blob" &&
	test_contains err "$(git rev-parse --short=12 HEAD): its trailers name the fork sche_001/proc_005_v_008 from proc_005_v_000, but" &&
	test_contains err "was there before it" &&
	fork_edges >after && test_cmp before after
'

test_expect_success 'a malformed Pmeta block is skipped with a warning, not an error' '
	git commit -q --allow-empty -m "$(printf "bad\n\nPmeta-Fork: proc_004_v_050\nPmeta-Bump: sideways\n")" &&
	pmeta sync >out 2>err &&
	test_contains err "fork commit for '\''proc_004_v_050'\'' lacks" &&
	fork_edges >after && test_cmp before after
'

test_expect_success 'a fork made by an older pmeta, with --- in its body, is still read' '
	printf "print(\"six\")\n" >sche_001/pys/proc_006_v_000.py && git add sche_001/pys/proc_006_v_000.py &&
	git commit -q -m "proc 6" &&
	blob=$(git rev-parse HEAD:sche_001/pys/proc_006_v_000.py) &&
	cp sche_001/pys/proc_006_v_000.py sche_001/pys/proc_006_v_001.py && git add sche_001/pys/proc_006_v_001.py &&
	git commit -q --cleanup=verbatim -F - <<-EOF &&
	fork proc_006_v_001 from proc_006_v_000 (patch)

	notes
	---
	more

	Pmeta-Fork: proc_006_v_001
	Pmeta-Forked-From: proc_006_v_000
	Pmeta-Source-Blob: $blob
	Pmeta-Bump: patch
	Pmeta-Kind: procedure
	Pmeta-Schedule: sche_001
	EOF
	pmeta sync >out &&
	test_contains out "5 fork(s) in the history; 2 node(s), 1 relationship(s) created" &&
	fork_edges >after &&
	grep -qx "ws/sche_001/proc_006_v_001<-ws/sche_001/proc_006_v_000" after
'

test_done
