#!/usr/bin/env bash
# Incremental steps (items = GLOB): a job gets only what its step has not
# processed, in PMETA_ITEMS; nothing new starts nothing; a changed item is
# new again; a failed job processes nothing; PMETA_DONE; batches, --drain;
# shards split the gap; PM2 configs' own keys; the lineage in the graph.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"
. "$TEST_ROOT/tests/lib-items.sh"

CONF2=sche_t/process_config/p_002_v_000/main.conf
CONF3=sche_t/process_config/p_003_v_000/main.conf
CONF4=sche_t/process_config/p_004_v_000/main.conf

test_expect_success 'setup: a chain of two incremental steps and one on its own' '
	test_reset_graph &&
	items_workspace &&
	pmeta migrate >/dev/null &&
	items_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 &&
	printf "%s\n" "interpreter = $PY" \
		"template = {interpreter} ./{script} --sname={schedule} --items={items_file}" >sche_t/base.conf &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]
	last_proc = inbox
	items = *.txt

	[proc_002_v_000]
	last_proc = proc_001_v_000
	items = *.out

	[proc_003_v_000]
	last_proc = side
	items = *.txt
	EOF
	echo "{\"proc_001_v_000\": {\"out\": \"sche_t/proc_001_v_000\"}}" > ctl.json &&
	commit_items &&
	pmeta check $CONF >out &&
	test_contains out ": ok: 3 steps"
'

test_expect_success '{items_file} is "$PMETA_ITEMS" in the plan, expanded by the shell' '
	pmeta plan $CONF --format json >plan.json &&
	grep -F -- "--items=\\\"\$PMETA_ITEMS\\\"" plan.json
'

test_expect_success '5 items: the step gets the 5, its dependent their 5 outputs, the other is up_to_date' '
	add_items inbox 5 &&
	pmeta run $CONF >out 2>err &&
	cat out &&
	id=$(run_id_of out) && echo $id >run1.id &&
	test_contains out "run $id succeeded: 2 succeeded, 0 failed, 0 skipped, 0 aborted, 1 up to date (of 3)" &&
	test "$(starts_of proc_001_v_000)" = 5 &&
	test "$(starts_of proc_002_v_000)" = 5 &&
	test "$(starts_of proc_003_v_000)" = "" &&
	last_got proc_001_v_000 >got &&
	printf "sche_t/inbox/item_%03d.txt\n" 1 2 3 4 5 >want && test_cmp want got &&
	last_got proc_002_v_000 >got &&
	printf "sche_t/proc_001_v_000/item_%03d.txt.out\n" 1 2 3 4 5 >want && test_cmp want got &&
	test_eq "$(job_prop $id proc_003_v_000 - status)" up_to_date &&
	test_eq "$(job_prop $id proc_003_v_000 - nitems)" 0 &&
	test_eq "$(job_prop $id proc_001_v_000 - nitems)" 5 &&
	test_eq "$(job_prop $id proc_001_v_000 - nprocessed)" 5
'

test_expect_success 'status --json: up_to_date, nitems and nprocessed in the documented shape' '
	id=$(cat run1.id) &&
	pmeta status $id --json >st.json &&
	json_valid status st.json &&
	python3 -c "
import json, sys
st = json.load(open(\"st.json\"))
assert st[\"up_to_date\"] == 1, st[\"up_to_date\"]
jobs = {j[\"step\"]: j for j in st[\"jobs\"]}
assert jobs[\"proc_003_v_000\"][\"status\"] == \"up_to_date\", jobs
assert (jobs[\"proc_001_v_000\"][\"nitems\"], jobs[\"proc_001_v_000\"][\"nprocessed\"]) == (5, 5), jobs
" &&
	pmeta status $id >st.txt &&
	grep -E "^proc_001_v_000 .*\(5 items, 5 processed\)" st.txt &&
	grep -E "^proc_003_v_000 +- +up_to_date" st.txt
'

test_expect_success 'the job found its items file through PMETA_ITEMS and {items_file}' '
	id=$(cat run1.id) &&
	log=.pmeta/runs/$id/proc_001_v_000.log &&
	test_contains $log "args: --sname=sche_t --items=$PWD/.pmeta/runs/$id/proc_001_v_000.items" &&
	test_contains $log "items file: $PWD/.pmeta/runs/$id/proc_001_v_000.items done file: $PWD/.pmeta/runs/$id/proc_001_v_000.done" &&
	test "$(wc -l <.pmeta/runs/$id/proc_001_v_000.items)" = 5
'

test_expect_success '3 more arrive: each step gets exactly those 3' '
	add_items inbox 3 6 &&
	pmeta run $CONF >out 2>err &&
	test "$(starts_of proc_001_v_000)" = "5 3" &&
	last_got proc_001_v_000 >got &&
	printf "sche_t/inbox/item_%03d.txt\n" 6 7 8 >want && test_cmp want got &&
	last_got proc_002_v_000 >got &&
	printf "sche_t/proc_001_v_000/item_%03d.txt.out\n" 6 7 8 >want && test_cmp want got
'

test_expect_success 'nothing new: no process starts, no Run is recorded, the process counts the check' '
	cp starts starts.before &&
	runs=$(nruns) &&
	pmeta run $CONF >out 2>err &&
	cat out &&
	test_contains out "sche_t/p_001_v_000: up to date: nothing new for its 3 jobs" &&
	test_contains out "no run recorded" &&
	test_cmp starts.before starts &&
	test_eq "$(nruns)" "$runs" &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_t/p_001_v_000\"}) RETURN p.checks")" 1 &&
	test -n "$(cypher_value "MATCH (p:Process {key: \"ws/sche_t/p_001_v_000\"}) RETURN p.checked_at")" &&
	pmeta run $CONF >out &&
	test_cmp starts.before starts &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"ws/sche_t/p_001_v_000\"}) RETURN p.checks")" 2
'

test_expect_success 'a file touched but not changed is not new; a changed one is, with its output' '
	sleep 2.1 && touch sche_t/inbox/item_004.txt &&
	pmeta run $CONF >out &&
	test_contains out "up to date" &&
	echo "task 2, again" >sche_t/inbox/item_002.txt &&
	pmeta run $CONF >out &&
	test "$(starts_of proc_001_v_000)" = "5 3 1" &&
	last_got proc_001_v_000 >got && echo sche_t/inbox/item_002.txt >want && test_cmp want got &&
	last_got proc_002_v_000 >got && echo sche_t/proc_001_v_000/item_002.txt.out >want && test_cmp want got
'

test_expect_success 'a changed file of the same size and the same second is new too' '
	printf "task 3\n" >sche_t/inbox/item_003.txt && pmeta run $CONF >/dev/null &&
	printf "task X\n" >sche_t/inbox/item_003.txt &&
	pmeta run $CONF >out &&
	last_got proc_001_v_000 >got && echo sche_t/inbox/item_003.txt >want && test_cmp want got
'

test_expect_success 'hidden entries and entries that do not match are no items' '
	echo x >sche_t/inbox/.item_hidden.txt &&
	echo x >sche_t/inbox/notes.md &&
	pmeta run $CONF >out &&
	test_contains out "up to date"
'

test_expect_success 'a failed job processes nothing: the next run gets the same items' '
	echo "{\"proc_001_v_000\": {\"out\": \"sche_t/proc_001_v_000\", \"exit\": 3}}" > ctl.json &&
	add_items inbox 2 9 &&
	test_expect_code 1 pmeta run $CONF >out 2>err &&
	id=$(run_id_of out) &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" failed &&
	test_eq "$(job_prop $id proc_001_v_000 - nprocessed)" 0 &&
	test_eq "$(job_prop $id proc_002_v_000 - status)" skipped &&
	echo "{\"proc_001_v_000\": {\"out\": \"sche_t/proc_001_v_000\"}}" > ctl.json &&
	pmeta run $CONF >out &&
	last_got proc_001_v_000 >got &&
	printf "sche_t/inbox/item_%03d.txt\n" 9 10 >want && test_cmp want got
'

test_expect_success 'PMETA_DONE: only the items the job names count as processed' '
	echo "{\"proc_001_v_000\": {\"done\": 2}}" > ctl.json &&
	add_items inbox 3 11 &&
	pmeta run $CONF >out &&
	id=$(run_id_of out) &&
	test_eq "$(job_prop $id proc_001_v_000 - nitems)" 3 &&
	test_eq "$(job_prop $id proc_001_v_000 - nprocessed)" 2 &&
	echo "{}" > ctl.json &&
	pmeta run $CONF >out &&
	last_got proc_001_v_000 >got && echo sche_t/inbox/item_013.txt >want && test_cmp want got &&
	echo "{\"proc_001_v_000\": {\"done\": 0}}" > ctl.json &&
	add_items inbox 1 14 &&
	pmeta run $CONF >out &&
	echo "{}" > ctl.json &&
	pmeta run $CONF >out &&
	last_got proc_001_v_000 >got && echo sche_t/inbox/item_014.txt >want && test_cmp want got
'

test_expect_success 'the graph: who processed each item, with the content it saw' '
	pmeta items proc_001_v_000 --json >items.json &&
	python3 -c "
import json, sys
rows = json.load(open(\"items.json\"))
names = sorted(set(r[\"name\"] for r in rows))
assert names == [\"item_%03d.txt\" % k for k in range(1, 15)], names
twice = [r for r in rows if r[\"name\"] == \"item_002.txt\"]
assert len(twice) == 2 and twice[0][\"hash\"] != twice[1][\"hash\"], twice
assert all(r[\"procedure\"] == \"proc_001_v_000\" and r[\"step\"] == \"proc_001_v_000\" for r in rows)
" &&
	test_eq "$(cypher_value "MATCH (:JobRun)-[p:PROCESSED]->(:Item {dataset: \"inbox\"}) RETURN count(p)")" \
		"$(grep -c "^P" .pmeta/items/sche_t/p_001_v_000/proc_001_v_000.ledger)" &&
	test_eq "$(cypher_value "MATCH (:Item {key: \"ws/sche_t/inbox/item_001.txt\"})-[:IN]->(d:Dataset) RETURN d.key")" \
		ws/sche_t/inbox
'

test_expect_success 'pmeta items --item: which runs and versions touched a task' '
	pmeta items --item item_002.txt >out &&
	cat out &&
	test "$(grep -c "item_002.txt " out)" = 2 &&
	test_contains out "proc_001_v_000" &&
	id=$(cat run1.id) &&
	test_contains out "$id" &&
	pmeta items proc_002_v_000 --item item_002.txt.out >out &&
	test "$(grep -c "item_002.txt.out " out)" = 2
'

test_expect_success 'pmeta items --pending: the gap now, new and changed' '
	add_items inbox 1 20 &&
	echo "task 1, changed" >sche_t/inbox/item_001.txt &&
	pmeta items proc_001_v_000 --pending >out &&
	cat out &&
	grep -E "^sche_t/inbox/item_001.txt +changed" out &&
	grep -E "^sche_t/inbox/item_020.txt +new" out &&
	test "$(grep -c "^sche_t/" out)" = 2 &&
	pmeta items inbox --dataset --pending --json >out.json &&
	python3 -c "import json; r = json.load(open(\"out.json\")); assert len(r) == 2 and r[0][\"step\"] == \"proc_001_v_000\", r" &&
	test_expect_code 1 pmeta items proc_003_v_000 --pending --process nope 2>err &&
	test_expect_code 1 pmeta items no_such_step 2>err &&
	test_contains err "no step or dataset '\''no_such_step'\''" &&
	pmeta run $CONF >/dev/null &&
	pmeta items proc_001_v_000 --pending >out &&
	test_contains out "nothing pending"
'

test_expect_success 'batch = 2: five new items go 2, 2, 1 over three runs' '
	items_procs proc_004_v_000 &&
	mkdir -p $(dirname $CONF2) &&
	printf "[proc_004_v_000]\nlast_proc = queue\nitems = *.txt\nbatch = 2\n" >$CONF2 &&
	commit_items &&
	add_items queue 5 &&
	pmeta run $CONF2 >out && pmeta run $CONF2 >out && pmeta run $CONF2 >out &&
	test "$(starts_of proc_004_v_000)" = "2 2 1" &&
	pmeta run $CONF2 >out &&
	test_contains out "up to date" &&
	test "$(starts_of proc_004_v_000)" = "2 2 1"
'

test_expect_success '--drain: one pmeta run takes five new items in batches of 2' '
	add_items queue 5 6 &&
	pmeta run $CONF2 --drain >out &&
	cat out &&
	test "$(starts_of proc_004_v_000)" = "2 2 1 2 2 1" &&
	test "$(grep -c "^run .* succeeded" out)" = 3 &&
	test "$(grep -c "items are left, running again" out)" = 2 &&
	for k in 6 7 8 9 10; do
		grep -q "^sche_t/queue/item_0$(printf %02d $k).txt$" got.proc_004_v_000.- || return 1
	done
'

test_expect_success 'shards split the gap by a stable hash of the names, without overlap' '
	items_procs proc_005_v_000 &&
	mkdir -p $(dirname $CONF3) &&
	printf "[proc_005_v_000]\nlast_proc = shardq\nitems = *.txt\nmax_shard = 3\n" >$CONF3 &&
	commit_items &&
	add_items shardq 20 &&
	pmeta run $CONF3 -j 3 >out &&
	cat out &&
	for s in 0 1 2; do last_got proc_005_v_000 $s >got.$s || return 1; done &&
	sort got.0 got.1 got.2 >all && sort -u all >uniq &&
	test_cmp all uniq &&
	printf "sche_t/shardq/item_%03d.txt\n" $(seq 20) | sort >want && test_cmp want all &&
	python3 -c "
import os
def fnv(s):
    h = 1469598103934665603
    for c in s.encode():
        h ^= c
        h = (h * 1099511628211) % 2**64
    return h
for s in range(3):
    for line in open(\"got.%d\" % s):
        name = os.path.basename(line.strip())
        assert fnv(name) % 3 == s, (name, s)
"
'

test_expect_success 'a PM2 config with its own keys works unchanged: run_mode=auto, per_handle_task_num=100' '
	items_procs proc_006_v_000 proc_007_v_000 &&
	mkdir -p $(dirname $CONF4) &&
	cat > $CONF4 <<-EOF &&
	[proc_006_v_000]
	last_proc = pm2in
	items = *
	run_mode = auto
	per_handle_task_num = 100

	[proc_007_v_000]
	last_proc1 = pm2in
	last_proc1_amend = predict
	run_mode = auto
	per_handle_task_num = 100
	EOF
	commit_items &&
	pmeta check $CONF4 >out &&
	pmeta plan $CONF4 >plan.out &&
	test_lacks plan.out "--run_mode" &&
	add_items pm2in 150 &&
	mkdir -p sche_t/pm2in/predict sche_t/pm2in/task_dir && echo x >sche_t/pm2in/task_dir/a &&
	echo x >sche_t/pm2in/.hidden &&
	pmeta run $CONF4 >out &&
	pmeta run $CONF4 >out &&
	test "$(starts_of proc_006_v_000)" = "100 51" &&
	cat got.proc_006_v_000.- >all &&
	grep -qx sche_t/pm2in/task_dir all &&
	! grep -q "predict\|hidden" all &&
	test "$(starts_of proc_007_v_000)" = "- -"
'

test_expect_success 'a folder item is new again when a file in it changes' '
	pmeta run $CONF4 >out &&
	test "$(starts_of proc_006_v_000)" = "100 51" &&
	test_contains out "1 succeeded, 0 failed, 0 skipped, 0 aborted, 1 up to date" &&
	echo y >sche_t/pm2in/task_dir/a &&
	pmeta run $CONF4 >out &&
	last_got proc_006_v_000 >got && echo sche_t/pm2in/task_dir >want && test_cmp want got
'

test_expect_success 'run_mode = force on the step, or --run-mode force: every current item, even with none new' '
	pmeta run $CONF2 >out &&
	test_contains out "up to date" &&
	pmeta run $CONF2 --run-mode force >out &&
	cat out &&
	last_got proc_004_v_000 >got &&
	test "$(wc -l <got)" = 10 &&
	printf "[proc_004_v_000]\nlast_proc = queue\nitems = *.txt\nbatch = 2\nrun_mode = force\n" >$CONF2 &&
	commit_items &&
	pmeta run $CONF2 >out &&
	last_got proc_004_v_000 >got &&
	test "$(wc -l <got)" = 10
'

test_expect_success 'config errors: items on a step that reads nothing, a bad batch (exit 3, file:line)' '
	mkdir -p sche_t/process_config/p_009_v_000 &&
	bad=sche_t/process_config/p_009_v_000/main.conf &&
	printf "[proc_001_v_000]\nitems = *.txt\n" >$bad &&
	test_expect_code 3 pmeta check $bad 2>err &&
	test_contains err "$bad:2: items = *.txt: step [proc_001_v_000] reads no dataset" &&
	printf "[proc_001_v_000]\nlast_proc = inbox\nitems = *.txt\nbatch = 0\n" >$bad &&
	test_expect_code 3 pmeta check $bad 2>err &&
	test_contains err "$bad:4: batch = '\''0'\'': not a positive integer" &&
	printf "[proc_001_v_000]\nlast_proc = inbox\nitems = a/b\n" >$bad &&
	test_expect_code 3 pmeta check $bad 2>err &&
	test_contains err "$bad:3: items = '\''a/b'\'': not a file name pattern" &&
	printf "[proc_001_v_000]\nlast_proc = inbox\nitems = *\nbatch = 2\nper_handle_task_num = 3\n" >$bad &&
	test_expect_code 3 pmeta check $bad 2>err &&
	test_contains err "$bad:5: per_handle_task_num = 3 and batch = 2" &&
	printf "[proc_001_v_000]\nlast_proc = inbox\nbatch = 2\nper_handle_task_num = -1\n" >$bad &&
	pmeta check $bad >out 2>err &&
	test_contains err "batch = 2 without '\''items ='\''" &&
	rm -r sche_t/process_config/p_009_v_000
'

test_expect_success 'a pattern that reads as a number (items = 7) is still a pattern' '
	items_procs proc_008_v_000 &&
	mkdir -p sche_t/process_config/p_008_v_000 sche_t/numbered &&
	printf "[proc_008_v_000]\nlast_proc = numbered\nitems = 7\n" >sche_t/process_config/p_008_v_000/main.conf &&
	commit_items &&
	echo a >sche_t/numbered/7 && echo b >sche_t/numbered/8 &&
	pmeta run sche_t/p_008_v_000 >out &&
	test "$(starts_of proc_008_v_000)" = 1 &&
	last_got proc_008_v_000 >got && echo sche_t/numbered/7 >want && test_cmp want got &&
	pmeta run sche_t/p_008_v_000 >out &&
	test_contains out "up to date" &&
	test "$(starts_of proc_008_v_000)" = 1
'

test_expect_success 'base.conf data_root: datasets live there; items are named from the workspace' '
	mkdir -p sche_d/pys sche_d/process_config/p_001_v_000 data/inbox &&
	cp items_job.py sche_d/pys/proc_001_v_000.py &&
	printf "interpreter = %s\ndata_root = data\n" "$PY" >sche_d/base.conf &&
	printf "[proc_001_v_000]\nlast_proc = inbox\nitems = *.txt\n" >sche_d/process_config/p_001_v_000/main.conf &&
	git add -A sche_d && git commit -qm sche_d &&
	echo a >data/inbox/a.txt && echo b >sche_d/inbox.txt &&
	rm -f got.proc_001_v_000.- &&
	pmeta run sche_d/p_001_v_000 >out &&
	last_got proc_001_v_000 >got && echo data/inbox/a.txt >want && test_cmp want got &&
	outside=$TRASH.outside-data && rm -rf $outside && mkdir -p $outside/inbox && echo c >$outside/inbox/c.txt &&
	printf "interpreter = %s\ndata_root = %s\n" "$PY" "$outside" >sche_d/base.conf &&
	pmeta run sche_d/p_001_v_000 >out &&
	last_got proc_001_v_000 >got && echo $outside/inbox/c.txt >want && test_cmp want got &&
	printf "interpreter = %s\ndata_root =\n" "$PY" >sche_d/base.conf &&
	test_expect_code 3 pmeta check sche_d/process_config/p_001_v_000/main.conf 2>err &&
	test_contains err "base.conf:2: '\''data_root'\'' is empty"
'

test_done
