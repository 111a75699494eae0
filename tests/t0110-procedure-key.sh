#!/usr/bin/env bash
# Steps named freely: `procedure = NAME` says which procedure a section runs,
# so one procedure serves two steps. check, import (two Steps RUN one
# Procedure), plan, run, --latest-patch and lineage; the error cases with
# file:line and exit 3, nothing written.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

export GIT_CEILING_DIRECTORIES="$TEST_ROOT/build/trash"
P=sche_t/p_001_v_000

test_expect_success 'setup: a split, two models running one procedure, an eval' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs algo_split_v_000 algo_model_v_000 algo_eval_v_000 &&
	cat > $CONF <<-EOF &&
	[split]
	procedure = algo_split_v_000

	[model_lr]
	procedure = algo_model_v_000
	last_proc = split
	kind = lr

	[model_gbdt]
	procedure = algo_model_v_000
	last_proc = split
	kind = gbdt

	[eval]
	procedure = algo_eval_v_000
	last_proc1 = model_lr
	last_proc2 = model_gbdt
	EOF
	commit_workspace
'

test_expect_success 'check: valid, no warning about the free names' '
	pmeta check $CONF >out 2>err &&
	test_contains out "ok: 4 steps, 3 stages, 4 jobs, 0 external inputs" &&
	test_eq "$(cat err)" ""
'

test_expect_success 'import: two steps RUN one procedure; each writes its own dataset' '
	pmeta import $CONF >out &&
	test_contains out "imported $P (4 steps)" &&
	test_eq "$(cypher_value "MATCH (s:Step)-[:RUNS]->(:Procedure {key: \"ws/sche_t/algo_model_v_000\"}) RETURN count(s)")" 2 &&
	test_eq "$(cypher_value "MATCH (s:Step)-[:RUNS]->(:Procedure {key: \"ws/sche_t/algo_model_v_000\"}) RETURN s.name ORDER BY s.name" |
		head -1)" model_gbdt &&
	test_eq "$(cypher_value "MATCH (p:Procedure {key: \"ws/sche_t/algo_model_v_000\"}) RETURN p.path + \" \" + p.family + \" \" + p.version + \" \" + p.blob")" \
		"sche_t/pys/algo_model_v_000.py algo_model 000 $(git rev-parse HEAD:sche_t/pys/algo_model_v_000.py)" &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/model_lr\"})-[:WRITES]->(d) RETURN d.name")" model_lr &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/eval\"})-[:AFTER]->(a) RETURN count(a)")" 2 &&
	test_eq "$(cypher_value "MATCH (p:Procedure) RETURN count(p)")" 3 &&
	test_eq "$(cypher_value "MATCH (p:Procedure {name: \"model_lr\"}) RETURN count(p)")" 0
'

test_expect_success 'import again: nothing changes' '
	before=$(graph_counts) &&
	pmeta import $CONF >out &&
	test_contains out "0 nodes and 0 relationships created, 0 nodes and 0 relationships deleted, 0 properties set" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'plan: both models in one stage, each with the procedure and its script' '
	pmeta plan --format json $P >plan.json &&
	python3 - plan.json <<-\EOF
	import json, sys
	p = json.load(open(sys.argv[1]))
	stages = [[(j["step"], j["procedure"]) for j in s["jobs"]] for s in p["stages"]]
	assert stages == [[("split", "algo_split_v_000")],
	                  [("model_lr", "algo_model_v_000"), ("model_gbdt", "algo_model_v_000")],
	                  [("eval", "algo_eval_v_000")]], stages
	cmd = p["stages"][1]["jobs"][1]["command"]
	assert "./sche_t/pys/algo_model_v_000.py --sname=sche_t --prname=001" in cmd, cmd
	EOF
'

test_expect_success 'plan text names the procedure beside a freely named step' '
	pmeta plan $P >out &&
	test_contains out "model_gbdt" &&
	test_contains out "algo_model_v_000"
'

test_expect_success 'run: the procedure runs once per step, told which step by PMETA_STEP' '
	pmeta run $P -j 2 >out 2>err &&
	id=$(run_id_of out) &&
	test_contains out "run $id succeeded: 4 succeeded" &&
	before split model_lr && before split model_gbdt &&
	before model_lr eval && before model_gbdt eval &&
	test_eq "$(job_prop $id model_lr - procedure)" algo_model_v_000 &&
	test_eq "$(job_prop $id model_gbdt - procedure)" algo_model_v_000 &&
	test_eq "$(job_prop $id model_gbdt - blob)" "$(git rev-parse HEAD:sche_t/pys/algo_model_v_000.py)" &&
	test_contains .pmeta/runs/$id/model_gbdt.log "env: $id model_gbdt"
'

test_expect_success '--latest-patch: a patch fork of the shared procedure serves both steps' '
	pmeta fork algo_model_v_000 >/dev/null &&
	pmeta plan --latest-patch --format json $P >plan.json 2>err &&
	test_contains err "step [model_lr] runs algo_model_v_001 instead of algo_model_v_000" &&
	test_contains err "step [model_gbdt] runs algo_model_v_001 instead of algo_model_v_000" &&
	test_contains err "step [eval] runs algo_eval_v_000 (no newer patch)" &&
	python3 -c "
import json, sys
p = json.load(open(\"plan.json\"))
jobs = {j[\"step\"]: j for s in p[\"stages\"] for j in s[\"jobs\"]}
assert jobs[\"model_lr\"][\"procedure\"] == \"algo_model_v_001\", jobs
assert \"algo_model_v_001.py\" in jobs[\"model_gbdt\"][\"command\"], jobs
assert jobs[\"split\"][\"procedure\"] == \"algo_split_v_000\", jobs
"
'

test_expect_success 'lineage: where the version is used names both steps' '
	pmeta lineage algo_model_v_000 --format json >lin.json &&
	python3 -c "
import json
d = json.load(open(\"lin.json\"))
n = [x for x in d[\"nodes\"] if x[\"key\"] == \"ws/sche_t/algo_model_v_000\"][0]
steps = sorted(u[\"step\"] for u in n[\"used_by\"])
assert steps == [\"model_gbdt\", \"model_lr\"], steps
kids = [x[\"key\"] for x in d[\"nodes\"] if x.get(\"parent\") == \"ws/sche_t/algo_model_v_000\"]
assert kids == [\"ws/sche_t/algo_model_v_001\"], kids
" &&
	pmeta lineage algo_model_v_000 >out &&
	test_contains out "model_lr" &&
	test_contains out "model_gbdt"
'

test_expect_success 're-import after a step changes procedure: its RUNS edge moves' '
	python3 - $CONF <<-\EOF &&
	import sys
	p = sys.argv[1]
	t = open(p).read().replace("[model_gbdt]\nprocedure = algo_model_v_000", "[model_gbdt]\nprocedure = algo_model_v_001")
	open(p, "w").write(t)
	EOF
	pmeta import $CONF >out &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/model_gbdt\"})-[:RUNS]->(p) RETURN collect(p.name)[0] + \" \" + toString(count(p))")" "algo_model_v_001 1" &&
	test_eq "$(cypher_value "MATCH (s:Step)-[:RUNS]->(:Procedure {key: \"ws/sche_t/algo_model_v_000\"}) RETURN count(s)")" 1
'

test_expect_success 'a section named like a procedure, without procedure =, keeps the old rule' '
	mkdir -p sche_t/process_config/p_002_v_000 &&
	printf "[algo_split_v_000]\n[algo_model_v_000]\nlast_proc = algo_split_v_000\n" >sche_t/process_config/p_002_v_000/main.conf &&
	pmeta import sche_t/process_config/p_002_v_000/main.conf >/dev/null &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_t/p_002_v_000/algo_model_v_000\"})-[:RUNS]->(p) RETURN p.key")" ws/sche_t/algo_model_v_000 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/sche_t/p_002_v_000/algo_model_v_000\"})-[:READS]->(d) RETURN d.name")" algo_split_v_000
'

test_expect_success 'a free section name without procedure = is a warning, as before' '
	printf "[prepare]\n" >sche_t/process_config/p_002_v_000/main.conf &&
	pmeta check sche_t/process_config/p_002_v_000/main.conf 2>err >/dev/null &&
	test_contains err "warning: sche_t/process_config/p_002_v_000/main.conf:1: section [prepare] does not name a procedure version" &&
	test_contains err "main.conf:1: no script '\''sche_t/pys/prepare.py'\'' for step [prepare]"
'

E=sche_t/process_config/p_003_v_000/main.conf
test_expect_success 'errors: a procedure name that is no version, a missing script: file:line, exit 3' '
	mkdir -p sche_t/process_config/p_003_v_000 &&
	printf "[a]\nprocedure = algo_split_v_000\n\n[b]\nprocedure = algo-model\n[c]\nprocedure = algo_model_v_01\n[d]\nlast_proc = a\nprocedure = algo_gone_v_000\n" >$E &&
	test_expect_code 3 pmeta check $E 2>err &&
	test_contains err "error: $E:5: procedure = '\''algo-model'\'': not a procedure version name (<family>_v_<DDD>" &&
	test_contains err "error: $E:7: procedure = '\''algo_model_v_01'\'': not a procedure version name" &&
	test_contains err "error: $E:10: procedure = algo_gone_v_000: no script '\''sche_t/pys/algo_gone_v_000.py'\''" &&
	test_eq "$(grep -c ^error: err)" 3
'

test_expect_success 'errors: import and plan of that config write nothing' '
	before=$(graph_counts) &&
	test_expect_code 3 pmeta import $E 2>err &&
	test_contains err "$E:10: procedure = algo_gone_v_000: no script" &&
	test_expect_code 3 pmeta plan $E 2>err &&
	test_eq "$(graph_counts)" "$before" &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_t/p_003_v_000\"}) RETURN count(p)")" 0
'

test_expect_success 'errors: procedure = with an empty value' '
	printf "[a]\nprocedure =\n" >$E &&
	test_expect_code 3 pmeta check $E 2>err &&
	test_contains err "error: $E:2: procedure = '\'''\'': not a procedure version name"
'

test_done
