#!/usr/bin/env bash
# YAML DAGs (issue 13 item 1): the ML platform's DAG file
# (tests/fixtures/dag/platform.yaml, six operators, LR and GBDT after one
# split) as a process's dag.yaml: check, import twice (idempotent), plan
# (read, split, {LR, GBDT}, predict, eval), run with a small script per
# algo_name, fork the GBDT algorithm and the process, lineage; the same
# algorithm twice; every YAML error with file:line, exit 3, graph unchanged.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

export GIT_CEILING_DIRECTORIES="$TEST_ROOT/build/trash"
FIXTURE=$TEST_ROOT/tests/fixtures/dag/platform.yaml
P=sche_t/p_010_v_000
D=sche_t/process_config/p_010_v_000/dag.yaml
READ=algo_local_read_data_12_1517360836700
SPLIT=algo_local_split_data_45_1517360836712
LR=algo_local_model_lr_46_1517360836725
GBDT=algo_local_model_gbdt_47_1517360836731
PRED=algo_local_predict_48_1517360836740
EVAL=algo_local_eval_49_1517360836752
ALGOS="algo_local_read_data algo_local_split_data algo_local_model_lr algo_local_model_gbdt algo_local_predict algo_local_eval"

test_expect_success 'setup: the platform DAG and one small script per algo_name' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	for a in $ALGOS; do
		{ echo "\"\"\"$a: one operator of the platform'\''s DAG.\"\"\""; cat job.py; } >sche_t/pys/${a}_v_000.py || return 1
	done &&
	mkdir -p sche_t/process_config/p_010_v_000 &&
	cp "$FIXTURE" $D &&
	commit_workspace "the platform DAG"
'

test_expect_success 'check: a process config like main.conf, no warning' '
	pmeta check $D >out 2>err &&
	test_eq "$(cat out)" "$D: ok: 6 steps, 5 stages, 6 jobs, 0 external inputs" &&
	test_eq "$(cat err)" ""
'

test_expect_success 'import: steps named by node id, each RUNS its algo_name version 000' '
	pmeta import $D >out &&
	test_contains out "$D: imported $P (6 steps)" &&
	test_eq "$(cypher_value "MATCH (:Process {key: \"ws/$P\"})-[:HAS_STEP]->(s) RETURN count(s)")" 6 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/$GBDT\"})-[:RUNS]->(p) RETURN p.name + \" \" + p.family + \" \" + p.version + \" \" + p.path")" \
		"algo_local_model_gbdt_v_000 algo_local_model_gbdt 000 sche_t/pys/algo_local_model_gbdt_v_000.py" &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/$P\"}) RETURN p.config")" $D &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/$PRED\"})-[:READS]->(d) RETURN d.name ORDER BY d.name" | head -1)" $GBDT/out0 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/$PRED\"})-[:READS]->(d) RETURN count(d)")" 3 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/$SPLIT\"})-[:WRITES]->(d) WITH d.name AS n ORDER BY n RETURN reduce(t = \"\", x IN collect(n) | t + x + \" \")")" \
		"$SPLIT/out0 $SPLIT/out1 " &&
	test_eq "$(cypher_value "MATCH (d:Dataset {name: \"$GBDT\"}) RETURN count(d)")" 0
'

test_expect_success 'import: params keep their YAML types; the DAG drawing stays on the step' '
	q="MATCH (s:Step {key: \$k}) RETURN" &&
	k="{\"k\": \"ws/$P/$GBDT\"}" &&
	test_eq "$(cypher_value "$q size(s.x_cols)" "$k")" 23 &&
	test_eq "$(cypher_value "$q s.x_cols[22]" "$k")" PAY_AMT6 &&
	test_eq "$(cypher_value "$q valueType(s.x_cols)" "$k")" "LIST<STRING NOT NULL> NOT NULL" &&
	test_eq "$(cypher_value "$q valueType(s.max_depth) + \" \" + valueType(s.learning_rate) + \" \" + valueType(s.early_stopping)" "$k")" \
		"INTEGER NOT NULL FLOAT NOT NULL BOOLEAN NOT NULL" &&
	test_eq "$(cypher_value "$q s.cn_name + \" \" + s.type + \" \" + s.data_type + \" \" + s.algo_name" "$k")" \
		"GBDT二分类 model model algo_local_model_gbdt" &&
	test_eq "$(cypher_value "$q [s.coordinate_x, s.coordinate_y]" "$k" | tr -d " \n")" "[588,290]" &&
	test_eq "$(cypher_value "$q s.inputs[0] + \" \" + size(s.inputs) + \" \" + s.outputs[0]" "$k")" "$SPLIT/out0 1 $GBDT/out0" &&
	k="{\"k\": \"ws/$P/$LR\"}" &&
	test_eq "$(cypher_value "$q s.class_weight IS NULL AND \"class_weight\" IN s.null_params" "$k")" True
'

test_expect_success 'import again: nothing changes (nodes, relationships, properties)' '
	before=$(graph_counts) &&
	pmeta import $D >out &&
	test_contains out "unchanged since its last import: nothing written" &&
	pmeta import --force $D >out &&
	test_contains out "0 nodes and 0 relationships created, 0 nodes and 0 relationships deleted, 0 properties set" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'plan: read, split, {LR, GBDT}, predict, eval' '
	pmeta plan --format json $P >plan.json &&
	python3 - plan.json "$READ $SPLIT $LR $GBDT $PRED $EVAL" <<-\EOF
	import json, sys
	p = json.load(open(sys.argv[1]))
	r, s, lr, gb, pr, ev = sys.argv[2].split()
	stages = [[j["step"] for j in st["jobs"]] for st in p["stages"]]
	assert stages == [[r], [s], [lr, gb], [pr], [ev]], stages
	job = p["stages"][2]["jobs"][1]
	assert job["procedure"] == "algo_local_model_gbdt_v_000", job
	assert "./sche_t/pys/algo_local_model_gbdt_v_000.py --sname=sche_t --prname=010 --pr_version=000" in job["command"], job
	assert p["inputs"] == [], p
	EOF
'

test_expect_success 'run: every operator runs its script once, in the order of the rels' '
	pmeta run $P -j 2 >out 2>err &&
	id=$(run_id_of out) &&
	test_contains out "run $id succeeded: 6 succeeded" &&
	before $READ $SPLIT && before $SPLIT $LR && before $SPLIT $GBDT &&
	before $LR $PRED && before $GBDT $PRED && before $PRED $EVAL &&
	test_eq "$(grep -c "^start" trace)" 6 &&
	test_eq "$(job_prop $id $GBDT - procedure)" algo_local_model_gbdt_v_000 &&
	test_eq "$(job_prop $id $GBDT - blob)" "$(git rev-parse HEAD:sche_t/pys/algo_local_model_gbdt_v_000.py)" &&
	test_contains .pmeta/runs/$id/$GBDT.log "env: $id $GBDT"
'

test_expect_success 'a template can pass the long list: {x_cols} is the 23 columns' '
	cp sche_t/base.conf base.conf.saved &&
	printf "interpreter = %s\ntemplate = {interpreter} ./{script} --x_cols={x_cols}\n" "$PY" >sche_t/base.conf &&
	mkdir -p sche_t/process_config/p_011_v_000 &&
	python3 -c "
import sys
t = open(sys.argv[1]).read().split(\"\\n\")
print(\"dag:\\n  operator_list: [gbdt]\\n  operator_details:\\n    gbdt:\\n      algo_name: algo_local_model_gbdt\\n      params:\\n        x_cols: [\" + \", \".join(\"c%d\" % i for i in range(23)) + \"]\")
" "$FIXTURE" >sche_t/process_config/p_011_v_000/dag.yaml &&
	pmeta plan sche_t/p_011_v_000 >out 2>/dev/null &&
	mv base.conf.saved sche_t/base.conf &&
	test_contains out "--x_cols=c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15,c16,c17,c18,c19,c20,c21,c22"
'

test_expect_success 'the same algorithm twice after one split: two steps RUN one procedure' '
	mkdir -p sche_t/process_config/p_012_v_000 &&
	cat >sche_t/process_config/p_012_v_000/dag.yaml <<-\EOF &&
	dag:
	  operator_list: [split_1, gbdt_2, gbdt_3]
	  operator_rels:
	    split_1:
	    - {target: gbdt_2, source_index: 0, target_index: 0}
	    - {target: gbdt_3, source_index: 0, target_index: 0}
	  operator_details:
	    split_1: {algo_name: algo_local_split_data}
	    gbdt_2: {algo_name: algo_local_model_gbdt, params: {max_depth: 3}}
	    gbdt_3: {algo_name: algo_local_model_gbdt, params: {max_depth: 8}}
	EOF
	pmeta import sche_t/process_config/p_012_v_000/dag.yaml >/dev/null &&
	test_eq "$(cypher_value "MATCH (s:Step)-[:RUNS]->(:Procedure {key: \"ws/sche_t/algo_local_model_gbdt_v_000\"}) WHERE s.process = \"ws/sche_t/p_012_v_000\" RETURN count(s)")" 2 &&
	pmeta plan --format json sche_t/p_012_v_000 >plan.json &&
	python3 -c "
import json
p = json.load(open(\"plan.json\"))
assert [[j[\"step\"] for j in s[\"jobs\"]] for s in p[\"stages\"]] == [[\"split_1\"], [\"gbdt_2\", \"gbdt_3\"]], p
"
'

test_expect_success 'fork the GBDT algorithm: a version name like any; lineage shows where it is used' '
	pmeta fork algo_local_model_gbdt_v_000 -m "deeper trees" >out &&
	test_contains out "algo_local_model_gbdt_v_000 -> algo_local_model_gbdt_v_001 (patch)" &&
	test -f sche_t/pys/algo_local_model_gbdt_v_001.py &&
	pmeta lineage algo_local_model_gbdt_v_000 --format json >lin.json &&
	python3 - lin.json "$GBDT" <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	n = [x for x in d["nodes"] if x["key"] == "ws/sche_t/algo_local_model_gbdt_v_000"][0]
	used = sorted((u["process"], u["step"]) for u in n["used_by"])
	assert ("p_010_v_000", sys.argv[2]) in used, used
	assert ("p_012_v_000", "gbdt_2") in used and ("p_012_v_000", "gbdt_3") in used, used
	kids = [x["key"] for x in d["nodes"] if x.get("parent") == "ws/sche_t/algo_local_model_gbdt_v_000"]
	assert kids == ["ws/sche_t/algo_local_model_gbdt_v_001"], kids
	EOF
	pmeta plan --latest-patch $P >out 2>err &&
	test_contains err "step [$GBDT] runs algo_local_model_gbdt_v_001 instead of algo_local_model_gbdt_v_000" &&
	test_contains out "algo_local_model_gbdt_v_001.py"
'

test_expect_success 'fork the process: the folder with its dag.yaml; import and lineage of the new one' '
	pmeta fork p_010_v_000 --minor >out &&
	test_contains out "p_010_v_000 -> p_010_v_010 (minor)" &&
	test_contains out "pmeta import sche_t/process_config/p_010_v_010/dag.yaml" &&
	test_cmp $D sche_t/process_config/p_010_v_010/dag.yaml &&
	pmeta import sche_t/process_config/p_010_v_010/dag.yaml >out &&
	test_contains out "imported sche_t/p_010_v_010 (6 steps)" &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_t/p_010_v_010\"}) RETURN p.config")" sche_t/process_config/p_010_v_010/dag.yaml &&
	pmeta lineage p_010_v_010 >out &&
	test_contains out "p_010_v_000" &&
	pmeta lineage p_010_v_000 --format json >lin.json &&
	python3 -c "
import json
d = json.load(open(\"lin.json\"))
assert [x[\"key\"] for x in d[\"nodes\"] if x.get(\"parent\") == \"ws/sche_t/p_010_v_000\"] == [\"ws/sche_t/p_010_v_010\"], d
"
'

# Each bad DAG: its file:line message, exit 3 from check, import and plan,
# and the graph as it was.
E=sche_t/process_config/p_030_v_000/dag.yaml
bad_dag() {
	local want=$1
	before=$(graph_counts) &&
	test_expect_code 3 pmeta check $E 2>err &&
	test_contains err "error: $E:$want" &&
	test_expect_code 3 pmeta import $E 2>err &&
	test_contains err "error: $E:$want" &&
	test_contains err "$E: not imported" &&
	test_expect_code 3 pmeta plan $E 2>err &&
	test_contains err "$E:$want" &&
	test_eq "$(graph_counts)" "$before" &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_t/p_030_v_000\"}) RETURN count(p)")" 0
}

dag_head() {
	mkdir -p sche_t/process_config/p_030_v_000 &&
	printf "dag:\n  operator_list: [a, b]\n  operator_details:\n    a: {algo_name: algo_local_read_data}\n    b: {algo_name: algo_local_eval}\n  operator_rels:\n"
}

test_expect_success 'error: the file is not a mapping' '
	mkdir -p sche_t/process_config/p_030_v_000 &&
	printf "# a list, not a DAG\n- a\n- b\n" >$E &&
	bad_dag "2: the file is a list, not a mapping with '\''dag:'\''"
'

test_expect_success 'error: a rel to a node not in operator_list' '
	{ dag_head && printf "    a:\n    - {target: c, source_index: 0, target_index: 0}\n"; } >$E &&
	bad_dag "8: rel from '\''a'\'' to unknown node '\''c'\'' (not in operator_list)"
'

test_expect_success 'error: a cycle, named with the line of each rel' '
	{ dag_head && printf "    a:\n    - {target: b, source_index: 0, target_index: 0}\n    b:\n    - {target: a, source_index: 0, target_index: 0}\n"; } >$E &&
	bad_dag "4: cycle: a -> b -> a" &&
	test_contains err "$E:8: [b] runs after [a]: reads '\''a/out0'\'', which [a] writes" &&
	test_contains err "$E:10: [a] runs after [b]: reads '\''b/out0'\'', which [b] writes"
'

test_expect_success 'error: an operator without algo_name' '
	printf "dag:\n  operator_list: [a]\n  operator_details:\n    a:\n      cn_name: x\n" >$E &&
	bad_dag "4: operator '\''a'\'' has no algo_name"
'

test_expect_success 'error: a node id twice' '
	printf "dag:\n  operator_list:\n  - a\n  - a\n  operator_details:\n    a: {algo_name: algo_local_eval}\n" >$E &&
	bad_dag "4: duplicate node id '\''a'\'' in operator_list (first at line 3)"
'

test_expect_success 'error: ports out of range, and one input port fed twice' '
	{ dag_head && printf "    a:\n    - {target: b, source_index: 0, target_index: 250}\n"; } >$E &&
	bad_dag "8: target_index = '\''250'\'' is out of range: a port is an integer in 0..99" &&
	{ dag_head && printf "    a:\n    - {target: b, source_index: 0, target_index: 0}\n    - {target: b, source_index: 1, target_index: 0}\n"; } >$E &&
	bad_dag "9: input port 0 of '\''b'\'' is fed twice"
'

test_expect_success 'error: invalid UTF-8' '
	printf "dag:\n  operator_list: [a]\n  operator_details:\n    a: {algo_name: algo_local_eval, cn_name: \"caf\\xe9\"}\n" >$E &&
	bad_dag "4: invalid UTF-8: byte 0xe9 at column 50"
'

test_expect_success 'error: invalid YAML, and an algo_name without its script' '
	printf "dag:\n  operator_list: [a\n" >$E &&
	bad_dag "3: invalid YAML" &&
	printf "dag:\n  operator_list: [a]\n  operator_details:\n    a: {algo_name: algo_gone}\n" >$E &&
	bad_dag "4: algo_name algo_gone runs algo_gone_v_000: no script '\''sche_t/pys/algo_gone_v_000.py'\''"
'

test_expect_success 'error: main.conf and dag.yaml in one process folder' '
	cp $D $E && printf "[a]\n" >sche_t/process_config/p_030_v_000/main.conf &&
	bad_dag " sche_t/process_config/p_030_v_000 holds both dag.yaml and main.conf" &&
	rm sche_t/process_config/p_030_v_000/main.conf
'

test_expect_success 'a dag.yaml outside the convention is named as such' '
	cp $D dag.yaml &&
	test_expect_code 3 pmeta check dag.yaml 2>err &&
	test_contains err "expected <schedule>/process_config/<process>/main.conf (or dag.yaml)"
'

test_done
