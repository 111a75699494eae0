#!/usr/bin/env bash
# pmeta run: order from the derived dependencies, logs, environment, the
# run records in Neo4j, status and runs.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

test_expect_success 'setup: empty graph, migrations, a three-step process' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 proc_004_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	last_proc = proc_001_v_000

	[proc_003_v_000]
	last_proc = proc_001_v_000

	[proc_004_v_000]
	last_proc1 = proc_002_v_000
	last_proc2 = proc_003_v_000
	EOF
	echo "{\"proc_001_v_000\": {\"sleep\": 0.3}, \"proc_002_v_000\": {\"sleep\": 0.3, \"say\": \"hello from two\"}}" > ctl.json &&
	commit_workspace
'

test_expect_success 'usage: no target is exit 2, --help is exit 0' '
	test_expect_code 2 pmeta run 2>err &&
	test_contains err "usage: pmeta run" &&
	pmeta run --help >out &&
	test_contains out "--resume" &&
	test_expect_code 2 pmeta run $CONF -j 0 2>err &&
	test_expect_code 2 pmeta run $CONF --bogus 2>err &&
	test_contains err "unknown option"
'

test_expect_success 'a run succeeds, in dependency order, exit 0' '
	pmeta run $CONF -j 4 >out 2>err &&
	cat out &&
	id=$(run_id_of out) && test -n "$id" && echo "$id" >run1.id &&
	test_contains out "run $id succeeded: 4 succeeded, 0 failed, 0 skipped, 0 aborted (of 4)" &&
	before proc_001_v_000 proc_002_v_000 &&
	before proc_001_v_000 proc_003_v_000 &&
	before proc_002_v_000 proc_004_v_000 &&
	before proc_003_v_000 proc_004_v_000
'

test_expect_success 'a pipe gets one line per job event' '
	test "$(grep -c " started " out)" = 4 &&
	test "$(grep -c " succeeded " out)" = 4
'

if command -v script >/dev/null; then
test_expect_success 'on a terminal: one status line that updates in place' '
	script -qec "pmeta run $CONF -j 4" /dev/null >tty.out &&
	grep -q "$(printf "\r\033")\\[K\\[[0-9]/4 done\\] [0-9] running, 0 failed" tty.out &&
	! grep -q "started   proc_001" tty.out &&
	test_contains tty.out "succeeded: 4 succeeded"
'
else
	test_skip 'on a terminal: one status line that updates in place' 'no script(1)'
fi

test_expect_success 'jobs run from the workspace root with stdin /dev/null, PMETA_* set, output in logs' '
	id=$(cat run1.id) &&
	log=.pmeta/runs/$id/proc_002_v_000.log &&
	test_contains $log "hello from two" &&
	test_contains $log "env: $id proc_002_v_000 - - p_001_v_000 $PWD $PWD True" &&
	test_contains $log "args: --sname=sche_t --prname=001 --pr_version=000" &&
	test -f .pmeta/runs/$id/journal.jsonl
'

test_expect_success '.pmeta/ is ignored through .git/info/exclude, .gitignore untouched' '
	test_contains .git/info/exclude "/.pmeta/" &&
	! test -e .gitignore &&
	git status --porcelain >st &&
	test_lacks st ".pmeta" &&
	pmeta run $CONF -q >/dev/null &&
	test "$(grep -c "^/.pmeta/" .git/info/exclude)" = 1
'

test_expect_success 'the Run node: status, times, process; OF the Process' '
	id=$(cat run1.id) &&
	test_eq "$(run_prop $id status)" succeeded &&
	test_eq "$(run_prop $id process)" ws/sche_t/p_001_v_000 &&
	test -n "$(run_prop $id started_at)" &&
	test -n "$(run_prop $id finished_at)" &&
	test_eq "$(run_prop $id succeeded)" 4 &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:OF]->(p:Process) RETURN p.key" "{\"id\": \"$id\"}")" ws/sche_t/p_001_v_000
'

test_expect_success 'JobRun nodes: one per job, OF their Step, with procedure, blob and log' '
	id=$(cat run1.id) &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j:JobRun) RETURN count(j)" "{\"id\": \"$id\"}")" 4 &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j:JobRun)-[:OF]->(s:Step) RETURN count(s)" "{\"id\": \"$id\"}")" 4 &&
	test_eq "$(job_prop $id proc_002_v_000 - status)" succeeded &&
	test_eq "$(job_prop $id proc_002_v_000 - exit_code)" 0 &&
	test_eq "$(job_prop $id proc_002_v_000 - attempts)" 1 &&
	test_eq "$(job_prop $id proc_002_v_000 - procedure)" proc_002_v_000 &&
	test_eq "$(job_prop $id proc_002_v_000 - blob)" "$(git rev-parse HEAD:sche_t/pys/proc_002_v_000.py)" &&
	test_eq "$(job_prop $id proc_002_v_000 - log)" ".pmeta/runs/$id/proc_002_v_000.log" &&
	test -n "$(job_prop $id proc_002_v_000 - started_at)" &&
	test -n "$(job_prop $id proc_002_v_000 - finished_at)"
'

test_expect_success 'run ids sort by start time' '
	first=$(cat run1.id) &&
	second=$(pmeta runs -n 1 --json | $PY -c "import json,sys; print(json.load(sys.stdin)[0][\"id\"])") &&
	test "$first" \< "$second"
'

test_expect_success 'status: the latest run, job by job, with durations' '
	pmeta status >out &&
	test_contains out "succeeded" &&
	test "$(sed "/^VERSION/q" out | grep -c "^proc_00")" = 4 &&
	test "$(sed -n "/^VERSION/,\$p" out | grep -c "^proc_00")" = 4 &&
	blob=$(git rev-parse HEAD:sche_t/pys/proc_001_v_000.py | cut -c1-7) &&
	grep "^proc_001_v_000 .* succeeded .*0 .*1 .*s  proc_001_v_000  *$blob  *.pmeta/runs/" out
'

test_expect_success 'status RUN --json has the run and its jobs' '
	id=$(cat run1.id) &&
	pmeta status $id --json >out.json &&
	$PY -c "
import json, sys
r = json.load(open(\"out.json\"))
assert r[\"id\"] == \"$id\", r[\"id\"]
assert r[\"source\"] == \"neo4j\"
assert r[\"status\"] == \"succeeded\"
assert [j[\"step\"] for j in r[\"jobs\"]] == [\"proc_001_v_000\", \"proc_002_v_000\", \"proc_003_v_000\", \"proc_004_v_000\"], r[\"jobs\"]
assert all(j[\"status\"] == \"succeeded\" and j[\"duration_ms\"] >= 0 for j in r[\"jobs\"])
"
'

test_expect_success 'status of an unknown run fails with exit 1' '
	test_expect_code 1 pmeta status 20200101T000000Z-0000 2>err &&
	test_contains err "no run"
'

test_expect_success 'runs lists the runs of a process, newest first; -n limits' '
	pmeta runs p_001_v_000 >out &&
	test "$(grep -c "sche_t/p_001_v_000" out)" = 3 &&
	pmeta runs sche_t/p_001_v_000 -n 1 >out &&
	test "$(grep -c "sche_t/p_001_v_000" out)" = 1 &&
	pmeta runs p_999_v_000 >out &&
	test_contains out "no run of p_999_v_000"
'

test_expect_success 'run by process name works like run by config' '
	pmeta run p_001_v_000 -q >out &&
	test_contains out "succeeded: 4 succeeded"
'

test_expect_success 'the recorder writes a run in slices of jobs (PMETA_TEST_FLUSH_ROWS): every JobRun arrives, finished' '
	# 100,000 pending JobRuns in one commit ran the default Neo4j heap out;
	# one job a transaction here stands for 5,000 (run/recorder.c).
	PMETA_TEST_FLUSH_ROWS=1 pmeta run $CONF -j 4 >out 2>err &&
	test_lacks err "did not take" &&
	id=$(run_id_of out) && test -n "$id" &&
	test_eq "$(run_prop $id status)" succeeded &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j:JobRun {status: \"succeeded\"})-[:OF]->(:Step) RETURN count(j)" "{\"id\": \"$id\"}")" 4 &&
	test_eq "$(cypher_value "MATCH (j:JobRun {run: \$id}) RETURN count(j)" "{\"id\": \"$id\"}")" 4 &&
	test_eq "$(job_prop $id proc_004_v_000 - exit_code)" 0
'

test_done
