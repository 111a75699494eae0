#!/usr/bin/env bash
# Workspaces: the identity (pmeta init, first use, clones, git worktrees),
# and two workspaces with the same schedule and process names sharing one
# Neo4j without reading, changing or deleting each other's nodes.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

export GIT_CEILING_DIRECTORIES="$TRASH"

# owned NAME: "nodes relationships" of workspace NAME (a relationship counts
# when it starts at one of its nodes).
owned() {
	printf '%s %s\n' "$(cypher_value 'MATCH (n {workspace: $w}) RETURN count(n)' "{\"w\": \"$1\"}")" \
		"$(cypher_value 'MATCH (n {workspace: $w})-[r]->() RETURN count(r)' "{\"w\": \"$1\"}")"
}

# All of pmeta's nodes and relationships (migration records left out).
all_counts() {
	printf '%s %s\n' "$(cypher_value 'MATCH (n) WHERE NOT n:__Neo4jMigration RETURN count(n)')" \
		"$(cypher_value 'MATCH (n)-[r]->() WHERE NOT n:__Neo4jMigration RETURN count(r)')"
}

wipe() {
	cypher 'MATCH (n) WHERE NOT n:__Neo4jMigration DETACH DELETE n' >/dev/null
}

# make_ws DIR NAME LABEL STEPS: a workspace called NAME (pmeta init), schedule
# sche_t, process p_001_v_000 with STEPS steps (2 or 3), LABEL on its first.
make_ws() {
	mkdir "$1" && cd "$1" && run_workspace && rm .pmeta/workspace &&
	pmeta init --workspace "$2" >init.out &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 &&
	printf '[proc_001_v_000]\nmax_shard = 2\nlabel = %s\n\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n' "$3" >$CONF &&
	if [ "$4" = 3 ]; then printf '\n[proc_003_v_000]\nlast_proc = proc_002_v_000\n' >>$CONF; fi &&
	commit_workspace
}

# The actions of each workspace, in steps the interleaved test mixes.
a1() { (cd "$1" && pmeta import $CONF >/dev/null); }
a2() { (cd "$1" && pmeta plan $CONF >plan.out); }
a3() { (cd "$1" && pmeta fork proc_002_v_000 --patch -m "A patch" >/dev/null); }
a4() { (cd "$1" && pmeta run $CONF -q >run.out && run_id_of run.out >run.id); }
b1() { (cd "$1" && pmeta import $CONF >/dev/null); }
b2() { (cd "$1" && pmeta plan $CONF >plan.out); }
b3() { (cd "$1" && pmeta run $CONF -q >run.out && run_id_of run.out >run.id); }
b4() { (cd "$1" && pmeta fork proc_001_v_000 --minor -m "B minor" >/dev/null); }

test_expect_success 'setup: empty graph, migrations' '
	test_reset_graph && pmeta migrate >/dev/null
'

test_expect_success 'init --workspace names the workspace in .pmeta/workspace, untracked' '
	mkdir named && cd named &&
	pmeta init --workspace lab-ana >out &&
	test_contains out "workspace identity: lab-ana (new, in $PWD/.pmeta/workspace)" &&
	test_eq "$(cat .pmeta/workspace)" lab-ana &&
	git status --porcelain >st && test_lacks st .pmeta &&
	pmeta init >out2 &&
	test_contains out2 "workspace identity: lab-ana ($PWD/.pmeta/workspace)" &&
	pmeta doctor >doc && test_contains doc "identity '\''lab-ana'\''"
'

test_expect_success 'a workspace keeps its name: another one is refused, a bad one is exit 2' '
	cd named &&
	test_expect_code 1 pmeta init --workspace other 2>err &&
	test_contains err "this workspace is '\''lab-ana'\''" &&
	test_eq "$(cat .pmeta/workspace)" lab-ana &&
	test_expect_code 2 pmeta init --workspace "a/b" 2>err &&
	test_contains err "'\''a/b'\'' is not a workspace name" &&
	test_expect_code 2 pmeta init --workspace 2>err &&
	test_expect_code 2 pmeta init . extra 2>err && test_contains err "unexpected argument"
'

test_expect_success 'without one, the first command that needs it makes the default and says so' '
	mkdir "my pipe" && cd "my pipe" && git init -q -b main . &&
	mkdir -p sche_001/pys sche_001/process_config/p_001_v_000 &&
	printf "[proc_001_v_000]\n" >sche_001/process_config/p_001_v_000/main.conf &&
	git add . && git commit -q -m one &&
	pmeta check sche_001/process_config/p_001_v_000/main.conf 2>err &&
	test_lacks err "note:" && ! test -e .pmeta/workspace &&
	pmeta import sche_001/process_config/p_001_v_000/main.conf >out 2>err &&
	name=$(cat .pmeta/workspace) &&
	case "$name" in my-pipe-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;; *) false ;; esac &&
	test_contains err "note: this workspace is '\''$name'\'' in the graph" &&
	git status --porcelain >st && test_lacks st .pmeta &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \$k}) RETURN p.workspace" "{\"k\": \"$name/sche_001/p_001_v_000\"}")" "$name" &&
	pmeta import sche_001/process_config/p_001_v_000/main.conf >out 2>err &&
	test_lacks err "note:"
'

test_expect_success 'a clone and a git worktree are workspaces of their own' '
	first=$(cat "my pipe/.pmeta/workspace") &&
	git clone -q "my pipe" clone && cd clone &&
	pmeta import sche_001/process_config/p_001_v_000/main.conf >/dev/null 2>&1 &&
	second=$(cat .pmeta/workspace) && test "$second" != "$first" &&
	cd "../my pipe" && git worktree add -q ../tree &&
	cd ../tree && pmeta import sche_001/process_config/p_001_v_000/main.conf >/dev/null 2>&1 &&
	third=$(cat .pmeta/workspace) && test "$third" != "$first" && test "$third" != "$second" &&
	test_eq "$(cypher_value "MATCH (p:Process {name: \"p_001_v_000\"}) RETURN count(DISTINCT p.workspace)")" 3
'

test_expect_success 'outside a workspace: runs is exit 5, runs --all-workspaces lists' '
	mkdir -p /tmp/pmeta-keys-nows.$$ && cd /tmp/pmeta-keys-nows.$$ &&
	test_expect_code 5 env GIT_CEILING_DIRECTORIES=/tmp pmeta runs 2>err &&
	test_contains err "not in a pmeta workspace" &&
	env GIT_CEILING_DIRECTORIES=/tmp pmeta runs --all-workspaces >out &&
	cd / && rm -rf /tmp/pmeta-keys-nows.$$
'

test_expect_success 'solo: workspace A alone, then B alone, counted' '
	wipe &&
	(make_ws soloA A "from A" 3) && a1 soloA && a2 soloA && a3 soloA && a4 soloA &&
	all_counts >count.A && owned A >owned.A && test_eq "$(cat count.A)" "$(cat owned.A)" &&
	wipe &&
	(make_ws soloB B "from B" 2) && b1 soloB && b2 soloB && b3 soloB && b4 soloB &&
	all_counts >count.B && owned B >owned.B && test_eq "$(cat count.B)" "$(cat owned.B)" &&
	wipe
'

test_expect_success 'interleaved: A and B with the same schedule and process names' '
	(make_ws A A "from A" 3) && (make_ws B B "from B" 2) &&
	a1 A && b1 B && a2 A && b2 B && a3 A && b3 B && a4 A && b4 B &&
	test_contains A/plan.out "3 steps" && test_contains B/plan.out "2 steps"
'

test_expect_success 'node counts add up: each owns what it owned alone, nothing else exists' '
	test_eq "$(owned A)" "$(cat owned.A)" &&
	test_eq "$(owned B)" "$(cat owned.B)" &&
	read na ra <count.A && read nb rb <count.B &&
	test_eq "$(all_counts)" "$((na + nb)) $((ra + rb))" &&
	test_eq "$(cypher_value "MATCH (n) WHERE NOT n:__Neo4jMigration AND n.workspace IS NULL RETURN count(n)")" 0 &&
	test_eq "$(cypher_value "MATCH (a {workspace: \"A\"})-[r]-(b {workspace: \"B\"}) RETURN count(r)")" 0
'

test_expect_success 'status and runs see their own workspace only' '
	ida=$(cat A/run.id) && idb=$(cat B/run.id) && test "$ida" \> "$idb" &&
	(cd B && pmeta status >st 2>err && test_contains st "run       $idb" && test_lacks st "$ida" &&
	 test_lacks err warning &&
	 grep -o "\.pmeta/runs/[^ ]*" st >logs && test -s logs && while read -r l; do test -f "$l" || exit 1; done <logs) &&
	(cd A && pmeta status >st && test_contains st "run       $ida") &&
	(cd B && pmeta status p_001_v_000 >st 2>err && test_contains st "run       $idb" && test_lacks err warning) &&
	(cd B && pmeta status sche_t/p_001_v_000 >st 2>err && test_contains st "run       $idb" && test_lacks err warning) &&
	(cd B && test_expect_code 1 pmeta status "$ida" 2>err && test_contains err "no run '\''$ida'\''") &&
	(cd B && pmeta runs >runs && test_contains runs "$idb" && test_lacks runs "$ida") &&
	(cd B && pmeta runs --json >runs.json &&
	 $PY -c "import json; r = json.load(open(\"runs.json\")); assert [x[\"workspace\"] for x in r] == [\"B\"], r") &&
	(cd B && pmeta runs --all-workspaces >all && test_contains all "WORKSPACE" &&
	 grep -E "^A +$ida " all && grep -E "^B +$idb " all)
'

test_expect_success 'plan, lineage and --latest-patch see their own workspace only' '
	(cd A && pmeta plan p_001_v_000 >p && test_contains p "3 steps" && test_contains p "proc_003_v_000") &&
	(cd B && pmeta plan p_001_v_000 >p && test_contains p "2 steps" && test_lacks p "proc_003_v_000") &&
	(cd A && pmeta lineage proc_002_v_000 >l && test_contains l "proc_002_v_001  patch") &&
	(cd B && pmeta lineage proc_002_v_000 >l && test_lacks l proc_002_v_001) &&
	(cd B && pmeta lineage proc_001_v_000 >l && test_contains l "proc_001_v_010  minor") &&
	(cd A && pmeta lineage proc_001_v_000 >l && test_lacks l proc_001_v_010) &&
	(cd B && test_expect_code 5 pmeta lineage proc_002_v_001 2>err && test_contains err "workspace '\''B'\''") &&
	(cd A && pmeta plan --latest-patch $CONF >p 2>e && test_contains e "step [proc_002_v_000] runs proc_002_v_001 instead of proc_002_v_000") &&
	(cd B && pmeta plan --latest-patch $CONF >p 2>e && test_contains e "step [proc_002_v_000] runs proc_002_v_000 (no newer patch)" &&
	 test_lacks p proc_002_v_001)
'

test_expect_success 'an edit in A leaves B alone' '
	before=$(owned B) &&
	(cd A && printf "[proc_001_v_000]\nmax_shard = 3\n" >$CONF && pmeta import $CONF >/dev/null) &&
	test_eq "$(owned B)" "$before" &&
	(cd B && pmeta plan $CONF >p && test_contains p "2 steps")
'

test_expect_success 'deleting A'\''s process leaves B'\''s intact' '
	before=$(owned B) &&
	cypher "MATCH (p:Process {key: \"A/sche_t/p_001_v_000\"}) OPTIONAL MATCH (p)-[:HAS_STEP|HAD_STEP]->(s) DETACH DELETE p, s" >/dev/null &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"A/sche_t/p_001_v_000\"}) RETURN count(p)")" 0 &&
	test_eq "$(owned B)" "$before" &&
	(cd B && pmeta plan p_001_v_000 >p && test_contains p "2 steps" && pmeta status >st && test_contains st "succeeded")
'

test_done
