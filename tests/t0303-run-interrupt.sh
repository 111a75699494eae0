#!/usr/bin/env bash
# pmeta run: SIGINT / SIGTERM stop the run: no new job starts, the running
# jobs' process groups get SIGTERM then SIGKILL, the run is recorded as
# aborted, and no job process (nor its children) outlives pmeta.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"


test_expect_success 'setup: two long jobs with background children, one after them' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	max_shard = 2

	[proc_003_v_000]
	last_proc = proc_001_v_000
	EOF
	echo "{\"proc_001_v_000\": {\"sleep\": 60, \"spawn\": \"sleep 300\"}, \"proc_002_v_000\": {\"sleep\": 60, \"spawn\": \"trap \\\"\\\" TERM; sleep 300\"}}" > ctl.json &&
	commit_workspace &&
	pmeta import $CONF >/dev/null
'

test_expect_success 'SIGINT mid-run: exit 1 within the grace period, run aborted' '
	rm -f trace &&
	{ pmeta run $CONF -j 4 --grace 1 >out 2>err & } &&
	pid=$! &&
	wait_for 3 "^start" &&
	sleep 0.3 &&
	t0=$(date +%s) &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	t1=$(date +%s) &&
	cat out &&
	test "$rc" = 1 &&
	test $((t1 - t0)) -le 3 &&
	id=$(run_id_of out) && echo $id >int.id &&
	test_contains out "interrupted by SIGINT" &&
	test_contains out "run $id aborted: 0 succeeded, 0 failed, 0 skipped, 4 aborted (of 4)"
'

test_expect_success 'no process of any job group is left, background children included' '
	groups=$(awk "\$1 == \"start\" { print \$5 }" trace | sort -u) &&
	test "$(echo "$groups" | wc -l)" = 3 &&
	no_group_left $groups
'

test_expect_success 'records: run aborted, running jobs aborted with SIGTERM, the later one never started' '
	id=$(cat int.id) &&
	test_eq "$(run_prop $id status)" aborted &&
	test_eq "$(run_prop $id interrupted_by)" SIGINT &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" aborted &&
	test_eq "$(job_prop $id proc_001_v_000 - signal)" SIGTERM &&
	test_eq "$(job_prop $id proc_003_v_000 - status)" aborted &&
	test_eq "$(job_prop $id proc_003_v_000 - attempts)" 0 &&
	! grep "^start proc_003_v_000" trace
'

test_expect_success 'SIGTERM does the same' '
	rm -f trace &&
	{ pmeta run $CONF -j 4 --grace 1 >out 2>err & } &&
	pid=$! &&
	wait_for 3 "^start" &&
	kill -TERM $pid &&
	{ wait $pid; rc=$?; } &&
	test "$rc" = 1 &&
	test_contains out "interrupted by SIGTERM" &&
	groups=$(awk "\$1 == \"start\" { print \$5 }" trace | sort -u) &&
	no_group_left $groups
'

test_done
