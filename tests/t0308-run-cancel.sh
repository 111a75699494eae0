#!/usr/bin/env bash
# pmeta cancel of a local run: the pmeta running it gets SIGTERM (found by
# the pid it recorded, checked against its start time), stops its jobs as
# on Ctrl-C and records the run aborted; cancel waits for that and says how
# the run ended. What cannot be cancelled is refused with exit 1.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

test_expect_success 'setup: a long job, and one after it' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	last_proc = proc_001_v_000
	EOF
	echo "{\"proc_001_v_000\": {\"sleep\": 60, \"spawn\": \"sleep 300\"}}" > ctl.json &&
	commit_workspace &&
	pmeta import $CONF >/dev/null
'

test_expect_success 'cancel stops a local run through its pmeta; no job process is left' '
	{ pmeta run $CONF --grace 1 >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	t0=$(date +%s) &&
	pmeta cancel $id >cancel.out 2>&1 &&
	t1=$(date +%s) &&
	{ wait $pid; rc=$?; } &&
	cat out cancel.out &&
	test "$rc" = 1 &&
	test $((t1 - t0)) -le 10 &&
	test_contains cancel.out "run $id: SIGTERM sent to its pmeta (pid $pid), which stops its jobs" &&
	test_contains cancel.out "run $id aborted: 0 succeeded, 0 failed, 0 skipped, 2 aborted" &&
	test_contains out "interrupted by SIGTERM" &&
	test_eq "$(run_prop $id status)" aborted &&
	test_eq "$(run_prop $id interrupted_by)" SIGTERM &&
	test_eq "$(job_prop $id proc_001_v_000 - signal)" SIGTERM &&
	no_group_left $(awk "\$1 == \"start\" { print \$5 }" trace)
'

test_expect_success 'cancel refuses a run that has ended, an unknown run, a bad id' '
	id=$(run_id_of out) &&
	test_expect_code 1 pmeta cancel $id 2>err &&
	test_contains err "run $id has already ended (aborted)" &&
	test_expect_code 1 pmeta cancel 20200101T000000Z-0000 2>err &&
	test_contains err "no run '"'"'20200101T000000Z-0000'"'"' in this workspace" &&
	test_expect_code 2 pmeta cancel nonsense 2>err &&
	test_contains err "'"'"'nonsense'"'"' is not a run id" &&
	test_expect_code 2 pmeta cancel 2>err &&
	test_contains err "name the run to cancel"
'

test_expect_success 'cancel never signals another process that took the pid of a dead pmeta' '
	id=$(run_id_of out) &&
	dir=.pmeta/runs/$id &&
	cp $dir/journal.jsonl journal.saved &&
	head -n 1 journal.saved >$dir/journal.jsonl &&
	{ sleep 300 >/dev/null 2>&1 & } &&
	decoy=$! &&
	printf "%s 12345 %s\n" $decoy "$(hostname)" >$dir/owner &&
	{ python3 -c "import fcntl, os, sys, time
fd = os.open(sys.argv[1] + \"/lock\", os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print(\"held\", flush=True)
time.sleep(30)" $dir >lock.out 2>&1 & } &&
	holder=$! &&
	for i in $(seq 50); do grep -q held lock.out && break; sleep 0.1; done &&
	test_expect_code 1 pmeta cancel $id 2>err;
	rc=$?; kill $holder; kill -0 $decoy; alive=$?; kill $decoy;
	cp journal.saved $dir/journal.jsonl &&
	test $rc = 0 && test $alive = 0 &&
	test_contains err "its pmeta (pid $decoy) is not found"
'

test_done
