#!/usr/bin/env bash
# Periodic chains and one run at a time: pmeta run P1 P2 (a failure stops
# the chain), --every/--cycles, SIGTERM between and inside cycles, the
# process lock (a second run refused naming the holder, --wait waits, a
# dead holder's lock taken over).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"
. "$TEST_ROOT/tests/lib-items.sh"

CONF2=sche_t/process_config/p_002_v_000/main.conf

# wait_line FILE PATTERN: until FILE has a line matching PATTERN (20 s max).
wait_line() {
	local i
	for i in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

test_expect_success 'setup: two processes, the second reading what the first writes' '
	test_reset_graph &&
	items_workspace &&
	pmeta migrate >/dev/null &&
	items_procs proc_001_v_000 proc_002_v_000 &&
	printf "[proc_001_v_000]\nlast_proc = inbox\nitems = *.txt\n" >$CONF &&
	mkdir -p $(dirname $CONF2) &&
	printf "[proc_002_v_000]\nlast_proc = proc_001_v_000\nitems = *.out\n" >$CONF2 &&
	echo "{\"proc_001_v_000\": {\"out\": \"sche_t/proc_001_v_000\"}}" > ctl.json &&
	commit_items
'

test_expect_success 'a chain of two processes runs them one after the other' '
	add_items inbox 3 &&
	pmeta run p_001_v_000 p_002_v_000 >out 2>err &&
	cat out &&
	test "$(starts_of proc_001_v_000)" = 3 &&
	test "$(starts_of proc_002_v_000)" = 3 &&
	test "$(grep -c "^run .* succeeded" out)" = 2 &&
	first=$(grep -n "sche_t/p_001_v_000, 1 jobs" out | cut -d: -f1) &&
	second=$(grep -n "sche_t/p_002_v_000, 1 jobs" out | cut -d: -f1) &&
	test "$first" -lt "$second"
'

test_expect_success 'a failure stops the chain: the second process does not run' '
	echo "{\"proc_001_v_000\": {\"exit\": 2}}" > ctl.json &&
	add_items inbox 1 4 &&
	runs=$(nruns) &&
	test_expect_code 1 pmeta run p_001_v_000 p_002_v_000 >out 2>err &&
	test_lacks out "p_002_v_000" &&
	test_eq "$(nruns)" $((runs + 1)) &&
	echo "{\"proc_001_v_000\": {\"out\": \"sche_t/proc_001_v_000\"}}" > ctl.json
'

test_expect_success '--from, --to, --only and --resume pick steps of one process: usage error with two' '
	test_expect_code 2 pmeta run p_001_v_000 p_002_v_000 --only proc_001_v_000 2>err &&
	test_contains err "pick steps of one process" &&
	test_expect_code 2 pmeta run --resume last --every 1s 2>err &&
	test_expect_code 2 pmeta run p_001_v_000 --every 0 2>err &&
	test_contains err "needs a duration" &&
	test_expect_code 2 pmeta run p_001_v_000 --every 3x 2>err &&
	test_expect_code 2 pmeta run p_001_v_000 --cycles 0 2>err
'

test_expect_success '--every 1s --cycles 3: three cycles a second apart; the first runs, the others check' '
	start=$(date +%s.%N) &&
	pmeta run p_001_v_000 p_002_v_000 --every 1s --cycles 3 >out 2>err &&
	end=$(date +%s.%N) &&
	cat out &&
	test "$(grep -c "^--- cycle" out)" = 3 &&
	test "$(grep -c "^run .* succeeded" out)" = 2 &&
	test "$(grep -c "up to date: nothing new" out)" = 4 &&
	test "$(starts_of proc_001_v_000)" = "3 1 1" &&
	awk -v a=$start -v b=$end "BEGIN { exit !(b - a >= 2) }"
'

test_expect_success 'new items between cycles are taken by the next cycle' '
	{ pmeta run p_001_v_000 p_002_v_000 --every 1s --cycles 4 >out 2>err & } &&
	pid=$! &&
	wait_line out "^--- cycle 2" &&
	add_items inbox 2 10 &&
	wait $pid &&
	cat out &&
	test "$(starts_of proc_001_v_000)" = "3 1 1 2" &&
	test "$(starts_of proc_002_v_000)" = "3 1 2"
'

test_expect_success 'in a loop, a file changed in place (same size) is seen; so is a ledger removed' '
	printf "task 2\n" >sche_t/inbox/item_002.txt &&
	pmeta run p_001_v_000 >/dev/null &&
	sleep 2.1 &&
	{ pmeta run p_001_v_000 --every 0.3s --cycles 12 >out 2>err & } &&
	pid=$! &&
	wait_line out "^--- cycle 3" &&
	printf "task X\n" >sche_t/inbox/item_002.txt &&
	wait_line out "started   proc_001_v_000 with 1 items" &&
	wait_line out "^--- cycle 8" &&
	mv .pmeta/items/sche_t/p_001_v_000/proc_001_v_000.ledger ledger.saved &&
	wait $pid &&
	cat out &&
	test "$(grep -c "started   proc_001_v_000 with 1 items" out)" = 1 &&
	n=$(ls sche_t/inbox/*.txt | wc -l) &&
	grep -q "started   proc_001_v_000 with $n items" out &&
	mv ledger.saved .pmeta/items/sche_t/p_001_v_000/proc_001_v_000.ledger
'

test_expect_success 'SIGTERM between cycles ends the loop at once, exit 0' '
	{ pmeta run p_001_v_000 --every 30s >out 2>err & } &&
	pid=$! &&
	wait_line out "up to date" &&
	sleep 0.3 &&
	t0=$(date +%s) &&
	kill -TERM $pid &&
	{ wait $pid; rc=$?; } &&
	t1=$(date +%s) &&
	cat out err &&
	test "$rc" = 0 &&
	test_contains out "stopped by SIGTERM after 1 cycle" &&
	test $((t1 - t0)) -le 2
'

test_expect_success 'SIGINT inside a cycle aborts the run as usual and ends the loop, exit 1' '
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go\"}}" > ctl.json &&
	add_items inbox 1 20 &&
	{ pmeta run p_001_v_000 --every 1s >out 2>err & } &&
	pid=$! &&
	wait_line starts "proc_001_v_000 - 1" &&
	sleep 0.3 &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	cat out &&
	test "$rc" = 1 &&
	test_contains out "aborted" &&
	test "$(grep -c "^--- cycle" out)" = 1 &&
	pmeta items proc_001_v_000 --pending >pend &&
	test_contains pend "item_020.txt"
'

test_expect_success 'two runs at once: the second is refused at once, naming the holder' '
	rm -f go &&
	{ pmeta run p_001_v_000 >out1 2>err1 & } &&
	pid=$! &&
	wait_line out1 "^run .*: sche_t/p_001_v_000" &&
	id=$(run_id_of out1) &&
	t0=$(date +%s) &&
	test_expect_code 1 pmeta run p_001_v_000 >out2 2>err2 &&
	t1=$(date +%s) &&
	cat err2 &&
	test_contains err2 "sche_t/p_001_v_000 is already running in this workspace: run $id, pid $pid on $(hostname)" &&
	test_contains err2 "--wait" &&
	test $((t1 - t0)) -le 2 &&
	test "$(grep -c "^proc_001_v_000" starts)" -ge 1 &&
	touch go &&
	wait $pid
'

test_expect_success '--wait waits for the run that holds the process, then runs' '
	rm -f go &&
	add_items inbox 1 21 &&
	{ pmeta run p_001_v_000 >out1 2>err1 & } &&
	pid1=$! &&
	wait_line out1 "started   proc_001_v_000" &&
	{ pmeta run p_001_v_000 --wait >out2 2>err2 & } &&
	pid2=$! &&
	wait_line err2 "is running (run .*); waiting for it" &&
	sleep 0.5 &&
	kill -0 $pid2 &&
	add_items inbox 1 22 &&
	touch go &&
	wait $pid1 && wait $pid2 &&
	cat out1 out2 &&
	last_got proc_001_v_000 >got &&
	echo sche_t/inbox/item_022.txt >want &&
	test_cmp want got
'

test_expect_success 'a holder that died (SIGKILL) leaves no lock behind' '
	rm -f go &&
	add_items inbox 1 23 &&
	{ pmeta run p_001_v_000 >out1 2>err1 & } &&
	pid=$! &&
	wait_line starts "proc_001_v_000 - 1$" &&
	kill -KILL $pid &&
	{ wait $pid || true; } &&
	pg=$(ps -eo pgid=,args= | awk "/items_job|proc_001_v_000.py/ && !/awk/ { print \$1; exit }") &&
	{ [ -z "$pg" ] || kill -TERM -- -$pg; } &&
	echo "{}" > ctl.json &&
	pmeta run p_001_v_000 >out 2>err &&
	cat out err &&
	last_got proc_001_v_000 >got &&
	echo sche_t/inbox/item_023.txt >want &&
	test_cmp want got
'

test_expect_success 'the lock is per process: another process runs meanwhile' '
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go\"}}" > ctl.json &&
	rm -f go &&
	add_items inbox 1 24 &&
	{ pmeta run p_001_v_000 >out1 2>err1 & } &&
	pid=$! &&
	wait_line out1 "started   proc_001_v_000" &&
	pmeta run p_002_v_000 >out2 2>err2 &&
	touch go &&
	wait $pid
'

test_done
