#!/usr/bin/env bash
# No process started by a run outlives it, not even one that left the job's
# process group with setsid (pmeta is a child subreaper: such a process
# becomes pmeta's child when its parent dies, and is stopped at the end of
# the run); and after pmeta itself is killed (SIGKILL), a journal replay
# (runs --sync, sync) does not mark a job whose process still runs as
# aborted: it records it then, once the process is gone.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

# gone PIDFILE: the process whose pid is in the file is no more (5 s at most).
gone() {
	local pid i
	pid=$(cat "$1") || return 1
	for i in $(seq 50); do
		if ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = Z ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "process $pid ($(tr "\0" " " </proc/$pid/cmdline 2>/dev/null)) is still alive" >&2
	kill -KILL "$pid" 2>/dev/null
	return 1
}

# A job that starts a daemon in a session of its own: setsid, then its parent exits.
DAEMON='setsid sh -c "echo \\$\\$ >daemon.pid; exec sleep 300" </dev/null >/dev/null 2>&1'

test_expect_success 'setup: a process whose step leaves a setsid daemon behind' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 &&
	printf "[proc_001_v_000]\n" >$CONF &&
	commit_workspace
'

test_expect_success 'a job that ends normally: its setsid daemon does not outlive the run' '
	rm -f daemon.pid &&
	printf "{\"proc_001_v_000\": {\"spawn\": \"%s\", \"sleep\": 0.5}}" "$(printf "%s" "$DAEMON" | sed "s/\"/\\\\\"/g")" >ctl.json &&
	cat ctl.json &&
	pmeta run $CONF --grace 1 >out 2>err &&
	test -s daemon.pid &&
	gone daemon.pid
'

test_expect_success 'SIGINT: the setsid grandchild goes down with the run' '
	rm -f daemon.pid trace &&
	printf "{\"proc_001_v_000\": {\"spawn\": \"%s\", \"sleep\": 60}}" "$(printf "%s" "$DAEMON" | sed "s/\"/\\\\\"/g")" >ctl.json &&
	{ pmeta run $CONF --grace 1 >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start" &&
	for i in $(seq 50); do [ -s daemon.pid ] && break; sleep 0.1; done &&
	test -s daemon.pid &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	test "$rc" = 1 &&
	test_contains out "interrupted by SIGINT" &&
	gone daemon.pid
'

test_expect_success 'SIGKILL of pmeta, then runs --sync while the job still runs: not aborted' '
	rm -f trace go daemon.pid &&
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go\"}}" >ctl.json &&
	{ pmeta run $CONF >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start" &&
	kill -KILL $pid &&
	{ wait $pid; true; } &&
	id=$(ls .pmeta/runs | tail -n1) &&
	pmeta runs --sync >sync.out 2>&1 &&
	cat sync.out &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" running &&
	test_eq "$(run_prop $id status)" running &&
	pmeta sync >sync2.out 2>&1 &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" running &&
	! grep -q "\"aborted\"" .pmeta/runs/$id/journal.jsonl
'

test_expect_success 'once the job process is gone, the replay closes the run as aborted' '
	id=$(ls .pmeta/runs | tail -n1) &&
	touch go &&
	wait_for 1 "^end" &&
	sleep 0.3 &&
	pmeta runs --sync >sync.out 2>&1 &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" aborted &&
	test_eq "$(run_prop $id status)" aborted
'

test_done
