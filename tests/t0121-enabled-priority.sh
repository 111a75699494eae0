#!/usr/bin/env bash
# enabled = false and priority = N (issue 13 item 4), in main.conf and in a
# dag.yaml: a disabled step is left out of plan and run (the reason shown by
# plan and run --dry-run), its dependents wait for its predecessors; with
# -j 1 ready jobs start by priority, observed in the jobs' own trace.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

export GIT_CEILING_DIRECTORIES="$TEST_ROOT/build/trash"
P=sche_t/p_001_v_000

# The steps in the order the jobs started.
start_order() {
	awk '$1 == "start" { printf "%s ", $2 }' trace
}

test_expect_success 'setup: a chain a -> b -> c with b off; d, e, f with priorities' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs algo_x_v_000 &&
	cat > $CONF <<-EOF &&
	[a]
	procedure = algo_x_v_000

	[b]
	procedure = algo_x_v_000
	last_proc = a
	enabled = false

	[c]
	procedure = algo_x_v_000
	last_proc = b

	[d]
	procedure = algo_x_v_000
	priority = 5

	[e]
	procedure = algo_x_v_000
	priority = -1

	[f]
	procedure = algo_x_v_000
	EOF
	commit_workspace
'

test_expect_success 'plan: b is left out with its reason; c waits for a instead' '
	pmeta plan $P >out 2>/dev/null &&
	test_contains out "left out: b (enabled = false); the steps after it wait for its predecessors" &&
	test_contains out "  d runs algo_x_v_000 (priority 5)" &&
	test_contains out "5 steps, 5 jobs, 2 stages, 1 left out" &&
	test_lacks out "  b runs" &&
	pmeta plan --format json $P >plan.json &&
	python3 -c "
import json
p = json.load(open(\"plan.json\"))
assert [[j[\"step\"] for j in s[\"jobs\"]] for s in p[\"stages\"]] == [[\"a\", \"d\", \"e\", \"f\"], [\"c\"]], p
assert p[\"left_out\"] == [{\"step\": \"b\", \"procedure\": \"algo_x_v_000\", \"reason\": \"enabled = false\"}], p
prio = {j[\"step\"]: j[\"priority\"] for s in p[\"stages\"] for j in s[\"jobs\"]}
assert prio == {\"a\": 0, \"d\": 5, \"e\": -1, \"f\": 0, \"c\": 0}, prio
" &&
	json_valid plan plan.json
'

test_expect_success 'the graph keeps b, typed, and the order the config says' '
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/$P/b\"}) RETURN valueType(s.enabled) + \" \" + s.enabled")" "BOOLEAN NOT NULL false" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/$P/d\"}) RETURN s.priority + 1")" 6 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \"ws/$P/c\"})-[:AFTER]->(x) RETURN x.name")" b
'

test_expect_success 'run --dry-run: the reason, and the priorities' '
	pmeta run $P --dry-run >out 2>/dev/null &&
	test_contains out "left out: b (enabled = false)" &&
	test_contains out "in the plan (priority 5)" &&
	test_lacks out "run    b"
'

test_expect_success 'run -j 1: b never starts, c after a, ready jobs by priority' '
	rm -f trace &&
	pmeta run $P -j 1 >out 2>err &&
	test_contains out "succeeded: 5 succeeded, 0 failed, 0 skipped, 0 aborted (of 5)" &&
	test_eq "$(start_order)" "d a f c e " &&
	before a c &&
	test_eq "$(cypher_value "MATCH (j:JobRun {step: \"b\"}) RETURN count(j)")" 0
'

test_expect_success '--only names a left-out step: said why, exit 2' '
	test_expect_code 2 pmeta run $P --only b 2>err &&
	test_contains err "--only: step '\''b'\'' is left out of the plan (enabled = false)"
'

test_expect_success 'enabled = true again: b runs between a and c' '
	sed -i "s/^enabled = false/enabled = true/" $CONF &&
	rm -f trace &&
	pmeta run $P -j 1 >out 2>err &&
	test_contains out "6 succeeded" &&
	test_eq "$(start_order)" "d a f b c e "
'

test_expect_success 'bad values: file:line, exit 3' '
	printf "[a]\nprocedure = algo_x_v_000\nenabled = maybe\npriority = high\n" >$CONF &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "$CONF:3: enabled = '\''maybe'\'': not true or false" &&
	test_contains err "$CONF:4: priority = '\''high'\'': not an integer in -1000000..1000000"
'

D=sche_t/process_config/p_002_v_000/dag.yaml
test_expect_success 'dag.yaml: is_enable beside algo_name, priority in params' '
	mkdir -p sche_t/process_config/p_002_v_000 &&
	cat >$D <<-\EOF &&
	dag:
	  operator_list: [read_1, lr_2, gbdt_3, eval_4]
	  operator_rels:
	    read_1:
	    - {target: lr_2, source_index: 0, target_index: 0}
	    - {target: gbdt_3, source_index: 0, target_index: 0}
	    lr_2:
	    - {target: eval_4, source_index: 0, target_index: 0}
	    gbdt_3:
	    - {target: eval_4, source_index: 0, target_index: 1}
	  operator_details:
	    read_1: {algo_name: algo_x}
	    lr_2: {algo_name: algo_x, is_enable: false}
	    gbdt_3: {algo_name: algo_x, params: {priority: 2}}
	    eval_4: {algo_name: algo_x}
	EOF
	pmeta plan sche_t/p_002_v_000 >out 2>/dev/null &&
	test_contains out "left out: lr_2 (is_enable = false)" &&
	test_contains out "gbdt_3 runs algo_x_v_000 (priority 2)" &&
	test_contains out "3 steps, 3 jobs, 3 stages, 1 left out"
'

test_done
