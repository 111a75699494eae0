#!/usr/bin/env bash
# A step carries the blob of the procedure it runs, which the plan reads from
# the step alone (cypher/plan_subgraph.cypher). That blob never goes stale:
# a procedure shared by two processes and re-imported through one of them,
# and a procedure a fork writes after a config named it, hand their blob to
# every step that runs them. The plan's blob is what the run records.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

# step_blob PROCESS STEP: the blob on the step in the graph, or "none".
step_blob() {
	cypher_value "MATCH (s:Step {key: \$k}) RETURN coalesce(s.blob, \"none\")" \
		"{\"k\": \"ws/sche_t/$1/$2\"}"
}

# job_blob RUNFILE: the blob the run recorded for its one job.
job_blob() {
	cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j) RETURN coalesce(j.blob, \"none\")" \
		"{\"id\": \"$(run_id_of "$1")\"}"
}

C2=sche_t/process_config/p_002_v_000/main.conf

test_expect_success 'setup: two processes whose steps run one procedure' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 &&
	printf "[proc_001_v_000]\n" >$CONF &&
	mkdir -p sche_t/process_config/p_002_v_000 &&
	printf "[one]\nprocedure = proc_001_v_000\n" >$C2 &&
	commit_workspace &&
	pmeta import -q $CONF $C2 &&
	blob=$(git hash-object sche_t/pys/proc_001_v_000.py) &&
	test_eq "$(step_blob p_001_v_000 proc_001_v_000)" $blob &&
	test_eq "$(step_blob p_002_v_000 one)" $blob
'

test_expect_success 'the script changes and one process is imported: both steps have the new blob' '
	echo "# changed" >>sche_t/pys/proc_001_v_000.py &&
	commit_workspace changed &&
	blob=$(git hash-object sche_t/pys/proc_001_v_000.py) &&
	pmeta import -q $CONF &&
	test_eq "$(step_blob p_001_v_000 proc_001_v_000)" $blob &&
	test_eq "$(step_blob p_002_v_000 one)" $blob &&
	pmeta run -q $C2 >run.out &&
	test_eq "$(job_blob run.out)" $blob
'

test_expect_success 'a procedure a config named before its script existed gets its blob from the fork' '
	printf "[proc_001_v_001]\n" >$C2 &&
	commit_workspace "names a version to come" &&
	pmeta import -q $C2 2>/dev/null &&
	test_eq "$(step_blob p_002_v_000 proc_001_v_001)" none &&
	pmeta fork proc_001_v_000 --patch -m "the version p_002 waits for" >/dev/null &&
	blob=$(git hash-object sche_t/pys/proc_001_v_001.py) &&
	test_eq "$(step_blob p_002_v_000 proc_001_v_001)" $blob &&
	pmeta run -q $C2 >run.out &&
	test_eq "$(job_blob run.out)" $blob
'

test_done
