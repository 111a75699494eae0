#!/usr/bin/env bash
# pmeta import: one transaction per config, idempotent (counted in Neo4j),
# stale edges removed and stale steps retired on re-import, other processes untouched,
# a config with an error writes nothing.
. "$(dirname "$0")/lib.sh"

CASES="$TEST_ROOT/tests/plan"
C1=sche_001/process_config/p_001_v_000/main.conf
C2=sche_001/process_config/p_002_v_000/main.conf

steps_of() {
	cypher_value 'MATCH (:Process {key: $k})-[:HAS_STEP]->(s) RETURN count(s)' "{\"k\": \"$1\"}"
}

test_expect_success 'setup: empty graph, migrations, a workspace with two processes' '
	test_reset_graph &&
	pmeta migrate >/dev/null &&
	test_git_workspace &&
	mkdir -p sche_001/process_config/p_001_v_000 sche_001/process_config/p_002_v_000 sche_001/pys &&
	cp "$CASES/amend/main.conf" $C1 &&
	cp "$CASES/diamond/main.conf" $C2 &&
	echo "print(1)" >sche_001/pys/proc_001_v_000.py &&
	git add . && git commit -qm processes
'

test_expect_success 'import creates the schedule, processes, steps, procedures, datasets, edges' '
	pmeta import $C1 $C2 >out 2>err &&
	test_contains out "$C1: imported sche_001/p_001_v_000 (4 steps)" &&
	test_eq "$(steps_of ws/sche_001/p_001_v_000)" 4 &&
	test_eq "$(steps_of ws/sche_001/p_002_v_000)" 4 &&
	test_eq "$(cypher_value "MATCH (s:Schedule {name: \"sche_001\"})-[:HAS_PROCESS]->(p) RETURN count(p)")" 2 &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_004_v_000\"})-[:AFTER]->(a) RETURN a.name ORDER BY a.name" |
		head -1)" proc_002_v_000 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_001/p_001_v_000/proc_004_v_000\"})-[:AFTER]->(a) RETURN count(a)")" 2
'

test_expect_success 'the amend folder is written by the steps that read its parent' '
	test_eq "$(cypher_value "MATCH (s:Step)-[:WRITES]->(:Dataset {key: \"ws/sche_001/proc_001_v_000/predict\"}) RETURN count(s)")" 2 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_001/p_001_v_000/proc_004_v_000\"})-[:READS]->(d) RETURN d.name")" proc_001_v_000/predict
'

test_expect_success 'the process holds the external inputs and the config hash' '
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_001/p_001_v_000\"}) RETURN p.inputs[0]")" corpus &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_001/p_001_v_000\"}) RETURN p.config_hash")" "$(git hash-object $C1)" &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_001/p_001_v_000\"}) RETURN p.prname + \"/\" + p.version")" 001/000
'

test_expect_success 'a procedure records its script path and git blob id when the file exists' '
	test_eq "$(cypher_value "MATCH (p:Procedure {key: \"ws/sche_001/proc_001_v_000\"}) RETURN p.blob")" \
		"$(git rev-parse HEAD:sche_001/pys/proc_001_v_000.py)" &&
	test_eq "$(cypher_value "MATCH (p:Procedure {key: \"ws/sche_001/proc_001_v_000\"}) RETURN p.path")" sche_001/pys/proc_001_v_000.py &&
	test_eq "$(cypher_value "MATCH (p:Procedure {key: \"ws/sche_001/proc_002_v_000\"}) RETURN coalesce(p.blob, \"none\")")" none &&
	test_eq "$(cypher_value "MATCH (p:Procedure {key: \"ws/sche_001/proc_002_v_000\"}) RETURN p.family + \" \" + p.version")" "proc_002 000"
'

test_expect_success 'importing the same configs again creates nothing (counted in Neo4j)' '
	before=$(graph_counts) &&
	pmeta import $C1 $C2 >out &&
	test_eq "$(graph_counts)" "$before" &&
	test_contains out "$C1: imported sche_001/p_001_v_000 (4 steps): 0 nodes and 0 relationships created, 0 nodes and 0 relationships deleted" &&
	test_contains out "$C2: imported sche_001/p_002_v_000 (4 steps): 0 nodes and 0 relationships created, 0 nodes and 0 relationships deleted, 0 properties set"
'

test_expect_success 'step parameters are properties; a removed key disappears' '
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_003_v_000\"}) RETURN s.model")" large &&
	sed -i "s/^model = large$/threshold = 0.5/" $C1 &&
	pmeta import -q $C1 &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_003_v_000\"}) RETURN coalesce(s.model, \"gone\") + \" \" + s.threshold")" "gone 0.5"
'

test_expect_success 're-import of an edited config removes its stale steps and edges only' '
	other=$(cypher_value "MATCH (:Process {key: \"ws/sche_001/p_002_v_000\"})-[:HAS_STEP]->(s)-[r]-() RETURN count(r)") &&
	cat >$C1 <<-\EOC &&
	[proc_001_v_000]
	last_proc = corpus
	[proc_002_v_000]
	last_proc = proc_001_v_000
	[proc_004_v_000]
	last_proc1 = proc_002_v_000
	EOC
	pmeta import $C1 >out &&
	test_contains out "(3 steps): 0 nodes and 2 relationships created, 1 nodes and" &&
	test_eq "$(steps_of ws/sche_001/p_001_v_000)" 3 &&
	test_eq "$(cypher_value "MATCH (:Process)-[:HAD_STEP]->(s:Step {key: \"ws/sche_001/p_001_v_000/proc_003_v_000\"}) RETURN count(s)")" 1 &&
	test_eq "$(cypher_value "MATCH (:Process)-[:HAS_STEP]->(s:Step {key: \"ws/sche_001/p_001_v_000/proc_003_v_000\"}) RETURN count(s)")" 0 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_001/p_001_v_000/proc_003_v_000\"})-[r:READS|WRITES|DELETES|AFTER]-() RETURN count(r)")" 0 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_001/p_001_v_000/proc_004_v_000\"})-[:READS]->(d) RETURN collect(d.name)[0]")" proc_002_v_000 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_001/p_001_v_000/proc_004_v_000\"})-[r:READS]->() RETURN count(r)")" 1 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_001/p_001_v_000/proc_004_v_000\"})-[:AFTER]->(a) RETURN collect(a.name)[0]")" proc_002_v_000 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_001/p_001_v_000/proc_004_v_000\"})-[r:AFTER]->() RETURN count(r)")" 1 &&
	test_eq "$(cypher_value "MATCH (d:Dataset {key: \"ws/sche_001/proc_001_v_000/predict\"}) RETURN count(d)")" 0 &&
	test_eq "$(steps_of ws/sche_001/p_002_v_000)" 4 &&
	test_eq "$(cypher_value "MATCH (:Process {key: \"ws/sche_001/p_002_v_000\"})-[:HAS_STEP]->(s)-[r]-() RETURN count(r)")" "$other"
'

test_expect_success 'the edited config, imported again, is stable' '
	before=$(graph_counts) &&
	pmeta import $C1 >out &&
	test_eq "$(graph_counts)" "$before" &&
	test_contains out "0 nodes and 0 relationships created, 0 nodes and 0 relationships deleted"
'

test_expect_success 'a config with an error writes nothing and exits 3' '
	before=$(graph_counts) &&
	cp "$CASES/cycle3/main.conf" $C1 &&
	test_expect_code 3 pmeta import $C1 2>err &&
	test_contains err "cycle: proc_001_v_000 -> proc_002_v_000 -> proc_003_v_000 -> proc_001_v_000" &&
	test_contains err "error: $C1: not imported" &&
	test_eq "$(graph_counts)" "$before" &&
	cp "$CASES/errors-keys/main.conf" $C1 &&
	test_expect_code 3 pmeta import $C1 2>err &&
	test_contains err "$C1:3: max_shard = '\''0'\''" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'the inih dialect: CRLF, BOM, key=value, ; comments, UTF-8, continuation' '
	cp "$CASES/inih-dialect/main.conf" $C1 &&
	pmeta import -q $C1 &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_001_v_000\"}) RETURN s.label")" "café — thé" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_001_v_000\"}) RETURN s.last_proc")" corpus &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_002_v_000\"}) RETURN s.after + \"|\" + s.note")" "proc_001_v_000|colon works too" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_002_v_000\"}) RETURN s.line")" 6
'

test_expect_success 'Neo4j unreachable: exit 4' '
	cp "$CASES/diamond/main.conf" $C1 &&
	NEO4J_URI=http://127.0.0.1:9 test_expect_code 4 pmeta import $C1 2>err
'

test_expect_success 'usage: exit 2 without a config' '
	test_expect_code 2 pmeta import 2>err &&
	test_contains err "usage: pmeta import" &&
	pmeta import -h >out && test_contains out "usage: pmeta import"
'

test_done
