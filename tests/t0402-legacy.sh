#!/usr/bin/env bash
# A graph written by the release before workspaces (0.1.0), migrated
# (V0002) and claimed by `pmeta sync`: nothing lost, keys and types new.
# The fixture (tests/fixtures/legacy-0.1.*) writes what 0.1.0 wrote; its
# shape was checked once against a graph the 0.1.0 binary wrote (same
# labels, properties and relationships; see the commit adding it).
. "$(dirname "$0")/lib.sh"

export GIT_CEILING_DIRECTORIES="$TRASH"
FIX="$TEST_ROOT/tests/fixtures"
A=20260101T100000Z-0a01
B=20260102T100000Z-0b02
C=20260104T100000Z-0c04
D=20260103T100000Z-0d03

# legacy_graph: the current folder becomes the 0.1.0 workspace (no
# identity) and the graph holds what 0.1.0 wrote for it and for another.
legacy_graph() {
	test_reset_graph &&
	mkdir -p v1 && cp "$TEST_ROOT"/migrations/V0001__*.cypher v1/ &&
	PMETA_MIGRATIONS_DIR=$PWD/v1 pmeta migrate >/dev/null &&
	mkdir ws && cd ws &&
	git init -q -b main . && git commit -q --allow-empty -m "empty workspace" &&
	mkdir -p sche_001/pys sche_001/process_config/p_001_v_000 &&
	echo "print(\"one\")" >sche_001/pys/proc_001_v_000.py &&
	echo "print(\"two\")" >sche_001/pys/proc_002_v_000.py &&
	printf "interpreter = python3\ntemplate = {interpreter} ./{script} --sname={schedule} --t={threshold}\n" >sche_001/base.conf &&
	printf "[proc_001_v_000]\nmax_shard = 2\nthreshold = 0.50\nverbose = true\nlabel = first\n\n[proc_002_v_000]\nlast_proc = proc_001_v_000\nretries = 1\nthreshold = 3\n" \
		>sche_001/process_config/p_001_v_000/main.conf &&
	git add . && git commit -q -m one &&
	cp sche_001/pys/proc_002_v_000.py sche_001/pys/proc_002_v_001.py &&
	git add sche_001/pys/proc_002_v_001.py &&
	git commit -q -F - <<-EOF &&
	fork proc_002_v_001 from proc_002_v_000 (patch)

	Pmeta-Fork: proc_002_v_001
	Pmeta-Forked-From: proc_002_v_000
	Pmeta-Source-Blob: $(git rev-parse HEAD:sche_001/pys/proc_002_v_000.py)
	Pmeta-Bump: patch
	Pmeta-Kind: procedure
	Pmeta-Schedule: sche_001
	EOF
	printf "# pmeta run folders (logs, journals)\n/.pmeta/\n" >>.git/info/exclude &&
	python3 "$FIX/legacy-0.1.py" . >../params.json &&
	cypher "$(cat "$FIX/legacy-0.1.cypher")" "$(cat ../params.json)" >/dev/null &&
	rm -rf .pmeta/runs/$B
}

# Nodes and relationships of pmeta's graph (migration records left out).
counts() {
	printf '%s %s\n' "$(cypher_value 'MATCH (n) WHERE NOT n:__Neo4jMigration RETURN count(n)')" \
		"$(cypher_value 'MATCH (n)-[r]->() WHERE NOT n:__Neo4jMigration RETURN count(r)')"
}

test_expect_success 'setup: the 0.1.0 graph and workspace' '
	legacy_graph && counts >../before &&
	test_eq "$(cat ../before)" "24 31" &&
	! test -e .pmeta/workspace && test -f .pmeta/runs/$A/synced && ! test -e .pmeta/runs/$D/synced
'

test_expect_success 'the fixture has the shape 0.1.0 wrote: text values, no workspace' '
	cd ws &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"sche_001/p_001_v_000/proc_001_v_000\"}) RETURN valueType(s.max_shard)")" "STRING NOT NULL" &&
	test_eq "$(cypher_value "MATCH (r:Run {id: \"$A\"}) RETURN r.workspace")" "$PWD" &&
	test_eq "$(cypher_value "MATCH (r:Run {id: \"$A\"}) RETURN valueType(r.started_at)")" "STRING NOT NULL" &&
	test_eq "$(cypher_value "MATCH ()-[f:FORKED_FROM]->() RETURN valueType(f.at)")" "STRING NOT NULL" &&
	test_eq "$(cypher_value "MATCH (n) WHERE n.workspace IS NOT NULL AND NOT n:Run RETURN count(n)")" 0 &&
	test_eq "$(cypher_value "MATCH (s:Step) WHERE s.max_shard > 1 RETURN count(s)")" 0
'

test_expect_success 'migrate applies V0002: types converted, nothing lost, all unclaimed' '
	cd ws &&
	pmeta migrate >out &&
	test_contains out "applied 0002 workspace keys and types" &&
	test_contains out "applied 0003 run provenance" &&
	test_lacks out "applied 0001" &&
	test_eq "$(counts)" "$(cat ../before)" &&
	test_eq "$(cypher_value "MATCH (n:Unclaimed) RETURN count(n)")" 24 &&
	test_eq "$(cypher_value "MATCH (s:Step) WHERE s.max_shard > 1 RETURN count(s)")" 2 &&
	S1="{\"k\": \"sche_001/p_001_v_000/proc_001_v_000\"}" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \$k}) RETURN valueType(s.max_shard) + \" \" + valueType(s.threshold) + \" \" + valueType(s.verbose) + \" \" + s.label" "$S1")" \
		"INTEGER NOT NULL FLOAT NOT NULL BOOLEAN NOT NULL first" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \$k}) RETURN reduce(t = \"\", r IN s.raw_values | t + r + \";\")" "$S1")" "threshold=0.50;" &&
	test_eq "$(cypher_value "MATCH (s:Step {name: \"proc_002_v_000\"}) RETURN valueType(s.retries) + \" \" + s.threshold + \" \" + coalesce(s.raw_values, \"none\")")" "INTEGER NOT NULL 3 none" &&
	test_eq "$(cypher_value "MATCH (n:Run|JobRun) WHERE NOT n.started_at IS :: ZONED DATETIME AND n.started_at IS NOT NULL RETURN count(n)")" 0 &&
	test_eq "$(cypher_value "MATCH (r:Run) WHERE r.started_at > datetime(\"2026-01-02T00:00:00Z\") RETURN count(r)")" 2 &&
	test_eq "$(cypher_value "MATCH ()-[f:FORKED_FROM]->() RETURN valueType(f.at)")" "ZONED DATETIME NOT NULL" &&
	test_eq "$(cypher_value "MATCH (r:Run {id: \"$A\"}) RETURN r.root + \" \" + coalesce(r.workspace, \"none\")")" "$PWD none" &&
	test_eq "$(cypher_value "MATCH (r:Run {id: \"$A\"}) RETURN r.njobs + \" \" + coalesce(r.jobs, \"gone\")")" "3 gone" &&
	cypher "SHOW CONSTRAINTS YIELD name RETURN name" >cons &&
	test_contains cons "\"schedule_key\"" && test_contains cons "\"run_key\"" &&
	test_lacks cons "\"schedule_name\"" && test_lacks cons "\"run_id\"" &&
	pmeta doctor >doc && test_contains doc "graph: 24 node(s) written by an earlier pmeta have no workspace yet"
'

test_expect_success 'sync claims what is this workspace'\''s, rebuilds lineage, replays the unsynced journal' '
	cd ws &&
	pmeta sync >out 2>err &&
	ws=$(cat .pmeta/workspace) && echo "$ws" >../ws.name &&
	test_contains err "note: this workspace is '\''$ws'\''" &&
	test_contains err "runs an earlier pmeta recorded here join this workspace with '\''pmeta sync'\''" &&
	test_contains out "claimed for workspace $ws: 1 schedule(s), 1 process(es), 2 step(s), 3 procedure(s), 2 dataset(s), 2 run(s)" &&
	test_contains out "(0 folded" &&
	test_contains out "lineage: 1 fork(s) in the history; 0 node(s), 0 relationship(s) created" &&
	test_contains out "runs: 1 journal(s) replayed" &&
	read n r <../before &&
	test_eq "$(counts)" "$((n + 4)) $((r + 7))"
'

test_expect_success 'after sync: new keys and workspace on what it claimed, the rest untouched' '
	cd ws && ws=$(cat ../ws.name) &&
	test_eq "$(cypher_value "MATCH (n {workspace: \$w}) WHERE NOT n.key STARTS WITH \$w + \"/\" RETURN count(n)" "{\"w\": \"$ws\"}")" 0 &&
	test_eq "$(cypher_value "MATCH (n {workspace: \$w}) RETURN count(n)" "{\"w\": \"$ws\"}")" 21 &&
	test_eq "$(cypher_value "MATCH (n:Unclaimed) RETURN count(n)")" 7 &&
	test_eq "$(cypher_value "MATCH (n:Unclaimed) WHERE n.workspace IS NOT NULL RETURN count(n)")" 0 &&
	test_eq "$(cypher_value "MATCH (n:Unclaimed) WHERE (n.key STARTS WITH \"sche_009/\" OR n.name = \"sche_009\" OR n.key STARTS WITH \"$C\" OR n.id = \"$C\") RETURN count(n)")" 7 &&
	test_eq "$(cypher_value "MATCH (:Schedule {key: \$k})-[:HAS_PROCESS]->(p:Process {key: \$p}) RETURN p.workspace" "{\"k\": \"$ws/sche_001\", \"p\": \"$ws/sche_001/p_001_v_000\"}")" "$ws" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \$k}) RETURN s.process + \" \" + s.label" "{\"k\": \"$ws/sche_001/p_001_v_000/proc_001_v_000\"}")" "$ws/sche_001/p_001_v_000 first" &&
	test_eq "$(cypher_value "MATCH (d:Procedure {key: \$d})-[f:FORKED_FROM]->(s:Procedure {key: \$s}) RETURN f.bump" "{\"d\": \"$ws/sche_001/proc_002_v_001\", \"s\": \"$ws/sche_001/proc_002_v_000\"}")" patch &&
	test_eq "$(cypher_value "MATCH (r:Run {key: \$k})-[:OF]->(p) RETURN r.process + \" \" + p.key" "{\"k\": \"$ws/$B\"}")" "$ws/sche_001/p_001_v_000 $ws/sche_001/p_001_v_000" &&
	test_eq "$(cypher_value "MATCH (j:JobRun {workspace: \$w})-[:OF]->(s:Step {workspace: \$w}) RETURN count(j)" "{\"w\": \"$ws\"}")" 9 &&
	test_eq "$(cypher_value "MATCH (j:JobRun {key: \$k}) RETURN j.skipped_after + \" \" + j.step_key + \" \" + j.procedure_key" "{\"k\": \"$ws/$B/proc_002_v_000/-\"}")" \
		"$ws/$B/proc_001_v_000/0 $ws/sche_001/p_001_v_000/proc_002_v_000 $ws/sche_001/proc_002_v_000" &&
	test_eq "$(cypher_value "MATCH (r:Run {key: \$k}) RETURN valueType(r.started_at) + \" \" + r.root" "{\"k\": \"$ws/$D\"}")" "ZONED DATETIME NOT NULL $PWD" &&
	test_eq "$(cypher_value "MATCH (r:Run {id: \"$C\"}) RETURN coalesce(r.workspace, \"none\") + \" \" + r.root")" "none /elsewhere/ws"
'

test_expect_success 'the verbs see the claimed records: status, runs, lineage, plan' '
	cd ws &&
	pmeta status $A >st 2>err && test_lacks err warning &&
	test_contains st "run       $A  succeeded" &&
	test_contains st "started   2026-01-01T10:00:00.000Z  finished 2026-01-01T10:00:06.000Z" &&
	test_contains st ".pmeta/runs/$A/proc_001_v_000.0.log" &&
	pmeta status $B >st && test_contains st "run       $B  failed" &&
	pmeta runs >runs && test_contains runs "$A" && test_contains runs "$B" && test_contains runs "$D" &&
	test_lacks runs "$C" &&
	pmeta runs --all-workspaces >all && grep -E "^\(unclaimed\) +$C " all &&
	pmeta runs --all-workspaces --json >all.json && json_valid runs all.json &&
	pmeta status $B --json >st.json && json_valid status st.json &&
	pmeta lineage proc_002_v_000 >lin && test_contains lin "proc_002_v_001  patch" &&
	pmeta plan --format json p_001_v_000 >plan.json 2>err &&
	test_lacks err imported &&
	test_contains plan.json "--sname=sche_001 --t=0.50 --shard=0 --max_shard=2" &&
	test_contains plan.json "proc_002_v_000.py --sname=sche_001 --t=3\""
'

test_expect_success 'a second sync claims and writes nothing' '
	cd ws &&
	before=$(counts) &&
	pmeta sync >out &&
	test_lacks out claimed &&
	test_contains out "runs: 0 journal(s) replayed" &&
	test_eq "$(counts)" "$before"
'

test_expect_success 'import before sync: the old nodes fold into the new ones' '
	rm -rf ws ../params.json && legacy_graph && pmeta migrate >/dev/null &&
	pmeta import sche_001/process_config/p_001_v_000/main.conf >/dev/null 2>&1 &&
	ws=$(cat .pmeta/workspace) &&
	pmeta sync >out &&
	test_contains out "claimed for workspace $ws" &&
	test_contains out "(7 folded into nodes written since)" &&
	test_eq "$(cypher_value "MATCH (n:Unclaimed) RETURN count(n)")" 7 &&
	test_eq "$(cypher_value "MATCH (p:Process {name: \"p_001_v_000\"}) RETURN count(p)")" 1 &&
	test_eq "$(cypher_value "MATCH (s:Step {workspace: \$w}) RETURN count(s)" "{\"w\": \"$ws\"}")" 2 &&
	test_eq "$(cypher_value "MATCH (s:Procedure {workspace: \$w}) RETURN count(s)" "{\"w\": \"$ws\"}")" 3 &&
	test_eq "$(cypher_value "MATCH (s:Dataset {workspace: \$w}) RETURN count(s)" "{\"w\": \"$ws\"}")" 2 &&
	test_eq "$(cypher_value "MATCH (s:Schedule {name: \"sche_001\"}) RETURN count(s)")" 1 &&
	test_eq "$(cypher_value "MATCH (j:JobRun {workspace: \$w})-[:OF]->(s:Step {workspace: \$w}) RETURN count(j)" "{\"w\": \"$ws\"}")" 9 &&
	test_eq "$(cypher_value "MATCH (r:Run {workspace: \$w})-[:OF]->(p:Process {workspace: \$w}) RETURN count(r)" "{\"w\": \"$ws\"}")" 3 &&
	test_eq "$(cypher_value "MATCH (:Procedure {workspace: \$w})-[f:FORKED_FROM]->(:Procedure {workspace: \$w}) RETURN count(f)" "{\"w\": \"$ws\"}")" 1 &&
	test_eq "$(cypher_value "MATCH (:Process {workspace: \$w})-[:HAS_STEP]->(s) RETURN count(s)" "{\"w\": \"$ws\"}")" 2 &&
	test_eq "$(cypher_value "MATCH (s:Step {workspace: \$w})-[:RUNS]->(p:Procedure {workspace: \$w}) RETURN count(s)" "{\"w\": \"$ws\"}")" 2 &&
	pmeta status $A >st && test_contains st "run       $A  succeeded"
'

test_done
