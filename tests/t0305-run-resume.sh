#!/usr/bin/env bash
# pmeta run --from / --to / --only / --resume, and --dry-run saying why.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

# started STEP: how many times STEP started since the trace was reset.
started() {
	grep -c "^start $1 " trace || true
}

test_expect_success 'setup: a -> b -> c -> e, and d on its own; b breaks' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 proc_004_v_000 proc_005_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	last_proc = proc_001_v_000
	max_shard = 2

	[proc_003_v_000]
	last_proc = proc_002_v_000

	[proc_004_v_000]

	[proc_005_v_000]
	last_proc = proc_003_v_000
	EOF
	echo "{\"proc_002_v_000\": {\"exit\": 1}}" > ctl.json &&
	commit_workspace
'

test_expect_success 'the broken run fails' '
	test_expect_code 1 pmeta run $CONF -j 2 >out 2>err &&
	run_id_of out >broken.id &&
	test_contains out "2 succeeded, 2 failed, 2 skipped"
'

test_expect_success '--resume --dry-run: reruns the failed and skipped jobs, reuses the rest' '
	id=$(cat broken.id) &&
	rm -f trace &&
	pmeta run --resume $id --dry-run >out &&
	cat out &&
	test_contains out "dry run of sche_t/p_001_v_000: 4 of 6 jobs would run, 2 reused from $id" &&
	grep "reuse  proc_001_v_000 .*reused: succeeded in $id" out &&
	grep "run    proc_002_v_000\[0/2\] .*failed in $id" out &&
	grep "run    proc_003_v_000 .*skipped in $id" out &&
	grep "reuse  proc_004_v_000" out &&
	test_contains out "\$ /usr/bin/python3 ./sche_t/pys/proc_003_v_000.py" &&
	! test -f trace &&
	test_eq "$(cypher_value "MATCH (r:Run) RETURN count(r)")" 1
'

test_expect_success 'the step is fixed; --resume reruns only what did not succeed' '
	id=$(cat broken.id) &&
	echo "{}" > ctl.json &&
	rm -f trace &&
	pmeta run --resume $id -j 2 >out &&
	cat out &&
	new=$(run_id_of out) && echo $new >resumed.id &&
	test_contains out "--resume $id" &&
	test_contains out "run $new succeeded: 4 succeeded, 0 failed, 0 skipped, 0 aborted, 2 reused (of 6)" &&
	test "$(started proc_001_v_000)" = 0 &&
	test "$(started proc_004_v_000)" = 0 &&
	test "$(started proc_002_v_000)" = 2 &&
	test "$(started proc_005_v_000)" = 1 &&
	before proc_002_v_000 proc_003_v_000
'

test_expect_success 'the resumed run: RESUMES the broken one, reused jobs recorded as such' '
	id=$(cat broken.id) && new=$(cat resumed.id) &&
	test_eq "$(run_prop $new status)" succeeded &&
	test_eq "$(run_prop $new resume_of)" $id &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$a})-[:RESUMES]->(o:Run) RETURN o.id" "{\"a\": \"$new\"}")" $id &&
	test_eq "$(job_prop $new proc_001_v_000 - status)" succeeded &&
	test_eq "$(job_prop $new proc_001_v_000 - reused_from)" $id &&
	test_eq "$(job_prop $new proc_002_v_000 1 reused_from)" None &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$a})-[:HAS_JOB]->(j) RETURN count(j)" "{\"a\": \"$new\"}")" 6 &&
	pmeta status $new >st &&
	grep "^proc_001_v_000 .*(reused)" st
'

test_expect_success '--resume last picks the newest run; nothing left to rerun is an error' '
	test_expect_code 1 pmeta run --resume last 2>err &&
	test_contains err "nothing to run"
'

test_expect_success '--resume with a bad id is a usage error, an unknown run exit 1' '
	test_expect_code 2 pmeta run --resume nonsense 2>err &&
	test_contains err "not a run id" &&
	test_expect_code 1 pmeta run --resume 20200101T000000Z-0000 2>err &&
	test_contains err "no run"
'

test_expect_success '--from STEP: the step and everything after it' '
	pmeta run $CONF --from proc_003_v_000 -n >out &&
	cat out &&
	test_contains out "2 of 6 jobs would run" &&
	grep "run    proc_003_v_000 .*--from" out &&
	grep "run    proc_005_v_000 .*after --from proc_003_v_000" out &&
	grep "skip   proc_001_v_000 .*not after --from" out
'

test_expect_success '--to STEP: the step and everything it needs' '
	pmeta run $CONF --to proc_002_v_000 -n >out &&
	test_contains out "3 of 6 jobs would run" &&
	grep "run    proc_001_v_000 .*needed by --to proc_002_v_000" out &&
	grep "skip   proc_004_v_000" out
'

test_expect_success '--only runs exactly the named steps, and records only them' '
	rm -f trace &&
	pmeta run $CONF --only proc_004_v_000,proc_003_v_000 >out &&
	id=$(run_id_of out) &&
	test_contains out "2 succeeded, 0 failed, 0 skipped, 0 aborted (of 2)" &&
	test "$(started proc_001_v_000)" = 0 &&
	test "$(started proc_003_v_000)" = 1 &&
	test_eq "$(run_prop $id selection)" "--only proc_004_v_000 --only proc_003_v_000" &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$a})-[:HAS_JOB]->(j) RETURN count(j)" "{\"a\": \"$id\"}")" 2
'

test_expect_success '--from and --to intersect; an unknown step is exit 2' '
	pmeta run $CONF --from proc_002_v_000 --to proc_003_v_000 -n >out &&
	test_contains out "3 of 6 jobs would run" &&
	test_expect_code 2 pmeta run $CONF --from proc_999_v_000 2>err &&
	test_contains err "--from: no step '"'"'proc_999_v_000'"'"'"
'

test_done
