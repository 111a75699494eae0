#!/usr/bin/env bash
# pmeta run: a failed job skips what depends on it, independent branches go
# on; retries = N; timeout = SECONDS kills the job's process group; the exit
# code and the summary say what failed.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

test_expect_success 'setup: a failing branch and an independent one' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 proc_004_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	last_proc = proc_001_v_000

	[proc_003_v_000]

	[proc_004_v_000]
	last_proc = proc_003_v_000
	EOF
	echo "{\"proc_001_v_000\": {\"exit\": 3, \"say\": \"disk full, giving up\"}, \"proc_003_v_000\": {\"sleep\": 0.3}}" > ctl.json &&
	commit_workspace
'

test_expect_success 'failure isolation: dependents skipped, the other branch runs, exit 1' '
	test_expect_code 1 pmeta run $CONF -j 2 >out 2>err &&
	cat out &&
	id=$(run_id_of out) && echo $id >fail.id &&
	test_contains out "run $id failed: 2 succeeded, 1 failed, 1 skipped, 0 aborted (of 4)" &&
	test_contains out "skipped   proc_002_v_000 after failed proc_001_v_000" &&
	! grep "^start proc_002_v_000" trace &&
	grep "^end proc_004_v_000" trace
'

test_expect_success 'the summary names the failed job, its exit status and its log tail' '
	id=$(cat fail.id) &&
	test_contains out "failed: proc_001_v_000: exit 3, log .pmeta/runs/$id/proc_001_v_000.log" &&
	test_contains out "    | disk full, giving up"
'

test_expect_success 'records: run failed, job failed with exit 3, dependent skipped' '
	id=$(cat fail.id) &&
	test_eq "$(run_prop $id status)" failed &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" failed &&
	test_eq "$(job_prop $id proc_001_v_000 - exit_code)" 3 &&
	test_eq "$(job_prop $id proc_002_v_000 - status)" skipped &&
	test_eq "$(job_prop $id proc_002_v_000 - skipped_after)" "ws/$id/proc_001_v_000/-" &&
	test_eq "$(job_prop $id proc_002_v_000 - log)" None &&
	! test -e .pmeta/runs/$id/proc_002_v_000.log &&
	test_eq "$(job_prop $id proc_004_v_000 - status)" succeeded
'

test_expect_success 'setup: retries = 2 on a step that fails twice, retries = 1 on one that always fails' '
	add_procs proc_005_v_000 proc_006_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_005_v_000]
	retries = 2

	[proc_006_v_000]
	retries = 1
	EOF
	echo "{\"proc_005_v_000\": {\"fail_times\": 2}, \"proc_006_v_000\": {\"exit\": 7}}" > ctl.json &&
	commit_workspace retries
'

test_expect_success 'retries: the flaky job succeeds on attempt 3, the other fails after 2' '
	test_expect_code 1 pmeta run $CONF -j 2 >out 2>err &&
	cat out &&
	id=$(run_id_of out) &&
	test "$(grep -c "retry     proc_005_v_000" out)" = 2 &&
	test_contains out "failed: proc_006_v_000: exit 7 (after 2 attempts)" &&
	test_eq "$(job_prop $id proc_005_v_000 - status)" succeeded &&
	test_eq "$(job_prop $id proc_005_v_000 - attempts)" 3 &&
	test_eq "$(job_prop $id proc_006_v_000 - attempts)" 2 &&
	test_contains .pmeta/runs/$id/proc_005_v_000.log "attempt 3 of 3"
'

test_expect_success 'setup: timeout = 1 on a step that sleeps 30 s with a background child' '
	add_procs proc_007_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_007_v_000]
	timeout = 1
	EOF
	echo "{\"proc_007_v_000\": {\"sleep\": 30, \"spawn\": \"sleep 300\"}}" > ctl.json &&
	commit_workspace timeout &&
	rm -f trace
'

test_expect_success 'timeout: the job is killed after 1 s, its whole process group too' '
	t0=$(date +%s) &&
	test_expect_code 1 pmeta run $CONF --grace 1 >out 2>err &&
	t1=$(date +%s) &&
	cat out &&
	test $((t1 - t0)) -le 4 &&
	id=$(run_id_of out) &&
	test_contains out "timeout   proc_007_v_000 after 1s" &&
	test_contains out "failed: proc_007_v_000: timed out after 1s" &&
	test_eq "$(job_prop $id proc_007_v_000 - timed_out)" True &&
	test_eq "$(job_prop $id proc_007_v_000 - status)" failed &&
	pg=$(awk "\$1 == \"start\" { print \$5 }" trace) &&
	test -n "$pg" &&
	no_group_left $pg
'

test_done
