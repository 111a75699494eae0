#!/usr/bin/env bash
# pmeta fork: version bumps, --to, forks of forks, process forks; the commit
# holds only the fork, trailers read by git, the user's index untouched, and
# the graph nodes and FORKED_FROM edges.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

test_expect_success 'setup: a workspace with a schedule' '
	fork_workspace
'

test_expect_success 'fork --patch makes _v_001, commits only it' '
	head=$(git rev-parse HEAD) &&
	pmeta fork proc_004_v_000 --patch >out &&
	test_contains out "forked sche_001/proc_004_v_000 -> proc_004_v_001 (patch)" &&
	test_cmp sche_001/pys/proc_004_v_000.py sche_001/pys/proc_004_v_001.py &&
	test_eq "$(git rev-parse HEAD^)" "$head" &&
	git diff --name-only HEAD^ HEAD >files &&
	test_eq "$(cat files)" "sche_001/pys/proc_004_v_001.py" &&
	test_eq "$(git status --porcelain)" ""
'

test_expect_success 'the trailers are read back by git' '
	test_eq "$(trailer_of HEAD Pmeta-Fork)" proc_004_v_001 &&
	test_eq "$(trailer_of HEAD Pmeta-Forked-From)" proc_004_v_000 &&
	test_eq "$(trailer_of HEAD Pmeta-Source-Blob)" "$(git rev-parse HEAD:sche_001/pys/proc_004_v_000.py)" &&
	test_eq "$(trailer_of HEAD Pmeta-Bump)" patch &&
	test_eq "$(trailer_of HEAD Pmeta-Kind)" procedure &&
	test_eq "$(trailer_of HEAD Pmeta-Schedule)" sche_001 &&
	git log -1 --format=%s >subject &&
	test_eq "$(cat subject)" "fork proc_004_v_001 from proc_004_v_000 (patch)"
'

test_expect_success 'the graph holds both versions and the edge' '
	test_eq "$(cypher_value "MATCH (d:Procedure {key: \"ws/sche_001/proc_004_v_001\"})-[r:FORKED_FROM]->(s:Procedure {key: \"ws/sche_001/proc_004_v_000\"}) RETURN r.bump + \" \" + r.commit + \" \" + d.commit + \" \" + d.family + \" \" + d.version + \" \" + d.path")" \
		"patch $(git rev-parse HEAD) $(git rev-parse HEAD) proc_004 001 sche_001/pys/proc_004_v_001.py" &&
	test_eq "$(cypher_value "MATCH (d:Procedure {key: \"ws/sche_001/proc_004_v_001\"}) RETURN d.blob")" \
		"$(git rev-parse HEAD:sche_001/pys/proc_004_v_001.py)" &&
	test_eq "$(cypher_value "MATCH (:Procedure {key: \"ws/sche_001/proc_004_v_001\"})-[r:FORKED_FROM]->(s) RETURN r.source + \" \" + coalesce(s.blob, \"no-blob\")")" \
		"$(git rev-parse HEAD:sche_001/pys/proc_004_v_000.py) no-blob" &&
	# Compared as datetimes: Neo4j prints one whose seconds are zero without them.
	test_eq "$(cypher_value "MATCH (d:Procedure {key: \"ws/sche_001/proc_004_v_001\"})-[r:FORKED_FROM]->() RETURN r.at = datetime(\$at)" \
		"{\"at\": \"$(TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd)\"}")" True
'

test_expect_success 'the next patch skips taken numbers; minor and major bump their digit' '
	pmeta fork proc_004_v_000 >out && test_contains out "-> proc_004_v_002 (patch)" &&
	pmeta fork proc_004_v_000 --minor >out && test_contains out "-> proc_004_v_010 (minor)" &&
	pmeta fork proc_004_v_010 --minor >out && test_contains out "-> proc_004_v_020 (minor)" &&
	pmeta fork proc_004_v_010 --patch >out && test_contains out "-> proc_004_v_011 (patch)" &&
	pmeta fork proc_004_v_011 --major >out && test_contains out "-> proc_004_v_100 (major)" &&
	pmeta fork proc_004_v_000 --major >out && test_contains out "-> proc_004_v_200 (major)" &&
	test_eq "$(trailer_of HEAD Pmeta-Bump)" major
'

test_expect_success 'forks of forks chain in the graph' '
	test_eq "$(cypher_value "MATCH p = (:Procedure {key: \"ws/sche_001/proc_004_v_100\"})-[:FORKED_FROM*]->(:Procedure {key: \"ws/sche_001/proc_004_v_000\"}) RETURN reduce(s = \"\", n IN nodes(p) | s + n.version + \" \")")" \
		"100 011 010 000 " &&
	test_eq "$(cypher_value "MATCH (:Procedure)-[r:FORKED_FROM]->(:Procedure) RETURN count(r)")" 7
'

test_expect_success 'fork --to names the version, with -m in the message' '
	pmeta fork proc_004_v_000 --to proc_042_v_000 -m "a new family for the predictor" >out &&
	test_contains out "-> proc_042_v_000 (to)" &&
	test -f sche_001/pys/proc_042_v_000.py &&
	git log -1 --format=%B >msg &&
	test_contains msg "a new family for the predictor" &&
	test_eq "$(trailer_of HEAD Pmeta-Bump)" to &&
	test_eq "$(cypher_value "MATCH (d:Procedure {key: \"ws/sche_001/proc_042_v_000\"})-[r:FORKED_FROM]->(s) RETURN s.name + \" \" + r.bump + \" \" + d.family")" \
		"proc_004_v_000 to proc_042"
'

test_expect_success 'a schedule-qualified name works' '
	pmeta fork sche_001/proc_005_v_000 >out &&
	test_contains out "forked sche_001/proc_005_v_000 -> proc_005_v_001 (patch)"
'

test_expect_success 'staged and unstaged changes elsewhere stay as they were' '
	echo "new file" >notes.txt && git add notes.txt &&
	echo "print(\"edited\")" >>sche_001/pys/proc_005_v_000.py &&
	git add sche_001/pys/proc_005_v_000.py &&
	echo "print(\"more\")" >>sche_001/pys/proc_005_v_000.py &&
	echo "# local" >>sche_001/process_config/p_002_v_000/main.conf &&
	git status --porcelain >before &&
	git diff --cached >staged.before && git diff >unstaged.before &&
	pmeta fork proc_004_v_000 --to proc_004_v_300 >out &&
	git status --porcelain >after &&
	test_cmp before after &&
	git diff --cached >staged.after && git diff >unstaged.after &&
	test_cmp staged.before staged.after && test_cmp unstaged.before unstaged.after &&
	git diff --name-only HEAD^ HEAD >files &&
	test_eq "$(cat files)" "sche_001/pys/proc_004_v_300.py" &&
	git ls-files --stage sche_001/pys/proc_004_v_300.py >entry &&
	test_contains entry "$(git rev-parse HEAD:sche_001/pys/proc_004_v_300.py)" &&
	git reset -q && git checkout -q -- sche_001 && rm notes.txt
'

test_expect_success 'an executable script keeps its mode' '
	chmod +x sche_001/pys/proc_005_v_000.py && git commit -q -am "exec" &&
	pmeta fork proc_005_v_000 >out &&
	test -x sche_001/pys/proc_005_v_002.py &&
	git ls-tree HEAD sche_001/pys/proc_005_v_002.py >mode &&
	test_contains mode 100755
'

test_expect_success 'process fork copies the whole folder' '
	mkdir -p sche_001/process_config/p_002_v_000/extra &&
	echo "x = 1" >sche_001/process_config/p_002_v_000/extra/notes.conf &&
	git add . && git commit -q -m "process extras" &&
	pmeta fork p_002_v_000 --minor >out &&
	test_contains out "-> p_002_v_010 (minor)" &&
	test_contains out "pmeta import sche_001/process_config/p_002_v_010/main.conf" &&
	diff -r sche_001/process_config/p_002_v_000 sche_001/process_config/p_002_v_010 &&
	git diff --name-only HEAD^ HEAD >files &&
	printf "%s\n" sche_001/process_config/p_002_v_010/extra/notes.conf sche_001/process_config/p_002_v_010/main.conf >expect &&
	test_cmp expect files &&
	test_eq "$(git status --porcelain)" "" &&
	test_eq "$(trailer_of HEAD Pmeta-Kind)" process &&
	test_eq "$(trailer_of HEAD Pmeta-Source-Tree)" "$(git rev-parse HEAD:sche_001/process_config/p_002_v_000)"
'

test_expect_success 'process nodes, schedule and edge in the graph' '
	test_eq "$(cypher_value "MATCH (:Schedule {name: \"sche_001\"})-[:HAS_PROCESS]->(d:Process {key: \"ws/sche_001/p_002_v_010\"})-[r:FORKED_FROM]->(s:Process {key: \"ws/sche_001/p_002_v_000\"}) RETURN d.prname + \" \" + d.version + \" \" + d.config + \" \" + r.bump + \" \" + d.tree")" \
		"002 010 sche_001/process_config/p_002_v_010/main.conf minor $(git rev-parse HEAD:sche_001/process_config/p_002_v_010)"
'

test_expect_success 'a fork of a process fork' '
	pmeta fork p_002_v_010 >out &&
	test_contains out "-> p_002_v_011 (patch)" &&
	test_eq "$(cypher_value "MATCH p = (:Process {name: \"p_002_v_011\"})-[:FORKED_FROM*]->(:Process {name: \"p_002_v_000\"}) RETURN length(p)")" 2
'

test_expect_success 'git fsck is clean and history is linear' '
	git fsck --strict 2>&1 >fsck.out; test_eq "$?" 0 &&
	test_eq "$(git rev-list --merges HEAD | wc -l)" 0
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 pmeta fork 2>err && test_contains err "which version" &&
	test_expect_code 2 pmeta fork proc_004_v_000 --patch --minor 2>err &&
	test_expect_code 2 pmeta fork proc_004_v_000 --bogus 2>err &&
	test_expect_code 2 pmeta fork not-a-version 2>err && test_contains err "is not a version name" &&
	test_expect_code 2 pmeta fork proc_004_v_000 --to p_002_v_999 2>err && test_contains err "is not a procedure name" &&
	pmeta fork --help >out && test_contains out "usage: pmeta fork"
'

test_done
