#!/usr/bin/env bash
# One grammar of version names for every verb: what check and plan accept
# as a procedure (<family>_v_<DDD>, e.g. algo_local_model_gbdt_v_000), fork,
# lineage, log, diff and sync accept too. A process is whatever lives in
# process_config/, whatever its family (train_v_000 as well as p_002_v_000).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

G=algo_local_model_gbdt
test_reset_graph

test_expect_success 'setup: a long-family procedure, used by a process; a process named train_v_000' '
	test_git_workspace &&
	mkdir -p sche_001/pys sche_001/process_config/p_002_v_000 sche_001/process_config/train_v_000 &&
	printf "print(\"gbdt\")\n" >sche_001/pys/${G}_v_000.py &&
	printf "print(\"split\")\n" >sche_001/pys/algo_local_split_data_v_000.py &&
	printf "[split]\nprocedure = algo_local_split_data_v_000\n[gbdt]\nprocedure = ${G}_v_000\nlast_proc = split\n" \
		>sche_001/process_config/p_002_v_000/main.conf &&
	printf "[${G}_v_000]\n" >sche_001/process_config/train_v_000/main.conf &&
	git add . && git commit -q -m "schedule 1" &&
	pmeta migrate >/dev/null &&
	pmeta check -q sche_001/process_config/p_002_v_000/main.conf sche_001/process_config/train_v_000/main.conf &&
	pmeta import sche_001/process_config/p_002_v_000/main.conf sche_001/process_config/train_v_000/main.conf >/dev/null
'

test_expect_success 'fork of a long-family procedure: the next patch, committed with its trailers' '
	pmeta fork ${G}_v_000 >out 2>err &&
	test_contains out "${G}_v_001" &&
	test -f sche_001/pys/${G}_v_001.py &&
	test_eq "$(git show --name-only --format= HEAD)" sche_001/pys/${G}_v_001.py &&
	test_eq "$(trailer_of HEAD Pmeta-Fork)" ${G}_v_001 &&
	test_eq "$(trailer_of HEAD Pmeta-Forked-From)" ${G}_v_000 &&
	test_eq "$(trailer_of HEAD Pmeta-Kind)" procedure &&
	test_eq "$(cypher_value "MATCH (:Procedure {key: \"ws/sche_001/${G}_v_001\"})-[:FORKED_FROM]->(s) RETURN s.key + \" \" + s.family")" \
		"ws/sche_001/${G}_v_000 $G"
'

test_expect_success 'fork --minor and --to with long families' '
	pmeta fork ${G}_v_001 --minor >/dev/null &&
	test -f sche_001/pys/${G}_v_010.py &&
	pmeta fork ${G}_v_000 --to algo_local_model_xgb_v_000 >/dev/null &&
	test -f sche_001/pys/algo_local_model_xgb_v_000.py &&
	test_expect_code 2 pmeta fork ${G}_v_000 --to p_009_v_000 2>err &&
	test_contains err "is not a procedure name"
'

test_expect_success 'lineage: the long family forks, and where v_000 is used' '
	pmeta lineage ${G}_v_000 --format json >lin.json &&
	python3 -c "
import json
d = json.load(open(\"lin.json\"))
by = {n[\"name\"]: n for n in d[\"nodes\"]}
assert by[\"${G}_v_001\"][\"parent\"] == \"ws/sche_001/${G}_v_000\", by
assert by[\"${G}_v_010\"][\"parent\"] == \"ws/sche_001/${G}_v_001\", by
assert by[\"algo_local_model_xgb_v_000\"][\"bump\"] == \"to\", by
used = sorted((u[\"process\"], u[\"step\"]) for u in by[\"${G}_v_000\"][\"used_by\"])
assert used == [(\"p_002_v_000\", \"gbdt\"), (\"train_v_000\", \"${G}_v_000\")], used
" &&
	pmeta lineage sche_001/${G}_v_010 --up >out &&
	test_contains out "${G}_v_000" &&
	test_contains out "${G}_v_001"
'

test_expect_success 'log and diff of long-family versions' '
	echo "print(\"tuned\")" >>sche_001/pys/${G}_v_001.py &&
	git commit -q -am "tune gbdt" &&
	pmeta log ${G}_v_001 >out &&
	test_contains out "created by fork from ${G}_v_000 (patch)" &&
	test_contains out "forked to ${G}_v_010 (minor)" &&
	test_contains out "tune gbdt" &&
	pmeta diff ${G}_v_000 ${G}_v_001 >out &&
	test_contains out "+++ b/sche_001/pys/${G}_v_001.py" &&
	test_contains out "+print(\"tuned\")"
'

test_expect_success 'a process with a free family forks as a process (its folder)' '
	pmeta fork train_v_000 >out &&
	test -f sche_001/process_config/train_v_001/main.conf &&
	test_eq "$(trailer_of HEAD Pmeta-Kind)" process &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_001/train_v_001\"})-[:FORKED_FROM]->(s:Process) RETURN s.key + \" \" + p.prname")" \
		"ws/sche_001/train_v_000 train" &&
	pmeta log train_v_001 >out &&
	test_contains out "created by fork from train_v_000 (patch)" &&
	echo "run_mode = force" >>sche_001/process_config/train_v_001/main.conf &&
	git commit -q -am "force" &&
	pmeta diff train_v_000 train_v_001 >out &&
	test_contains out "+++ b/sche_001/process_config/train_v_001/main.conf" &&
	pmeta lineage train_v_001 --format json >lin.json &&
	test_contains lin.json "\"kind\": \"process\""
'

test_expect_success 'p_NNN_v_NNN processes fork as before' '
	pmeta fork p_002_v_000 >/dev/null &&
	test -f sche_001/process_config/p_002_v_001/main.conf &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_001/p_002_v_001\"}) RETURN p.prname")" 002
'

test_expect_success 'sync after a wipe rebuilds the same lineage, kinds from the trailers' '
	graph_dump | grep FORKED_FROM >before &&
	test_eq "$(wc -l <before)" 5 &&
	graph_wipe &&
	pmeta sync >out &&
	test_contains out "5 fork(s) in the history" &&
	graph_dump | grep FORKED_FROM >after &&
	test_cmp before after &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_001/train_v_001\"})-[:FORKED_FROM]->(:Process {key: \"ws/sche_001/train_v_000\"}) RETURN count(p)")" 1 &&
	test_eq "$(cypher_value "MATCH (p:Procedure {key: \"ws/sche_001/${G}_v_010\"})-[:FORKED_FROM]->(:Procedure) RETURN count(p)")" 1 &&
	test_eq "$(cypher_value "MATCH (p:Procedure) WHERE p.name STARTS WITH \"train\" RETURN count(p)")" 0
'

test_expect_success 'a name that is both a script and a process folder: the convention decides' '
	printf "print(1)\n" >sche_001/pys/both_v_000.py &&
	mkdir -p sche_001/process_config/both_v_000 &&
	printf "[${G}_v_000]\n" >sche_001/process_config/both_v_000/main.conf &&
	git add . && git commit -q -m both &&
	pmeta fork both_v_000 >/dev/null &&
	test -f sche_001/pys/both_v_001.py &&
	! test -e sche_001/process_config/both_v_001
'

test_expect_success 'errors: not a version name is exit 2 everywhere; an unknown one exit 5' '
	for verb in fork lineage log; do
		test_expect_code 2 pmeta $verb algo-x_v_000 2>err &&
		test_contains err "is not a version name" &&
		test_expect_code 2 pmeta $verb ${G}_v_01 2>err || return 1
	done &&
	test_expect_code 2 pmeta diff ${G}_v_000 ${G}_v_0001 2>err &&
	test_contains err "is not a version name" &&
	test_expect_code 5 pmeta fork algo_nothing_v_000 2>err &&
	test_contains err "no procedure '\''algo_nothing_v_000'\'' in the workspace" &&
	test_expect_code 5 pmeta log algo_nothing_v_000 2>err &&
	test_expect_code 2 pmeta diff ${G}_v_000 train_v_000 2>err &&
	test_contains err "not of one kind"
'

test_done
