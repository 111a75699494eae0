#!/usr/bin/env bash
# pmeta run: -j N bounds the jobs at once; independent jobs and the shards
# of a step run in parallel; a job starts when its own predecessors are
# done, not when a whole stage is.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

elapsed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >out 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

test_expect_success 'setup: two independent 1-second steps' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	EOF
	echo "{\"proc_001_v_000\": {\"sleep\": 1}, \"proc_002_v_000\": {\"sleep\": 1}}" > ctl.json &&
	commit_workspace &&
	pmeta import $CONF >/dev/null
'

# Both jobs start before either ends, and the run takes less than the sum of
# its jobs. The whole process is not timed against a bound: under a loaded
# machine pmeta's start and last flush vary, the overlap does not.
test_expect_success 'with -j 2 two 1-second jobs overlap and finish well under 2 s' '
	t=$(elapsed pmeta run $CONF -j 2) &&
	cat out && echo "took $t s" &&
	grep -E "\] (started|succeeded) " out | awk "{ print \$3 }" >events &&
	printf "started\nstarted\nsucceeded\nsucceeded\n" >expect &&
	test_cmp expect events &&
	ran=$(sed -n "s/.* in \([0-9.]*\)s\$/\1/p" out) &&
	awk -v t="$ran" "BEGIN { exit !(t < 1.8) }"
'

test_expect_success 'with -j 1 they take at least 2 s' '
	t=$(elapsed pmeta run $CONF -j 1) &&
	echo "took $t s" &&
	awk -v t="$t" "BEGIN { exit !(t >= 2.0) }"
'

test_expect_success 'setup: a 4-shard step, a step after it, a slow independent step' '
	add_procs proc_003_v_000 proc_004_v_000 proc_005_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_003_v_000]
	max_shard = 4

	[proc_004_v_000]
	last_proc = proc_003_v_000

	[proc_005_v_000]
	EOF
	echo "{\"proc_003_v_000\": {\"sleep\": 0.5}, \"proc_005_v_000\": {\"sleep\": 2}}" > ctl.json &&
	commit_workspace shards &&
	rm -f trace
'

test_expect_success 'shards run in parallel, each with its --shard and PMETA_SHARD' '
	t=$(elapsed pmeta run $CONF -j 4) &&
	cat out && echo "took $t s" &&
	id=$(run_id_of out) &&
	for i in 0 1 2 3; do
		test_contains .pmeta/runs/$id/proc_003_v_000.$i.log "--shard=$i --max_shard=4" &&
		test_contains .pmeta/runs/$id/proc_003_v_000.$i.log "env: $id proc_003_v_000 $i 4" || return 1
	done &&
	test "$(grep -c "^start proc_003_v_000" trace)" = 4 &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j:JobRun {step: \"proc_003_v_000\"}) RETURN count(j)" "{\"id\": \"$id\"}")" 4 &&
	test_eq "$(job_prop $id proc_003_v_000 2 shard)" 2 &&
	test_eq "$(job_prop $id proc_003_v_000 2 max_shard)" 4
'

test_expect_success 'job-level readiness: the step after the shards starts before the slow step ends' '
	before proc_003_v_000 proc_004_v_000 &&
	s4=$(trace_time start proc_004_v_000) &&
	e5=$(trace_time end proc_005_v_000) &&
	awk -v a="$s4" -v b="$e5" "BEGIN { exit !(a < b) }"
'

test_done
