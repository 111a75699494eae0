#!/usr/bin/env bash
# pmeta run when Neo4j goes away mid-run: the jobs keep running, the journal
# keeps the run, and the records reach the graph when Neo4j answers again:
# by the runner itself when Neo4j is back before the run ends, else through
# `pmeta runs --sync` (the replay `pmeta sync` also does).
#
# This file runs its OWN second Neo4j instance (free ports, or
# T0304_HTTP_PORT/T0304_BOLT_PORT; data under its trash folder) so it can
# stop and start it without disturbing others.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

N2_DIR=$TRASH/neo4j2
# Free ports picked once for this file, so two test runs on one machine
# never stop or start each other's second instance.
N2_HTTP_PORT=${T0304_HTTP_PORT:-$(free_port)}
N2_BOLT_PORT=${T0304_BOLT_PORT:-$(free_port)}
n2() {
	NEO4J_DIR=$N2_DIR NEO4J_HTTP_PORT=$N2_HTTP_PORT \
		NEO4J_BOLT_PORT=$N2_BOLT_PORT "$TEST_ROOT/scripts/neo4j.sh" "$@"
}
trap 'n2 stop >/dev/null 2>&1' EXIT


# run_recorded ID: until the graph holds run ID as running (20 s max): the
# runner records the run beside its first job, later than it under load.
run_recorded() {
	local i
	for i in $(seq 200); do
		[ "$(run_prop "$1" status)" = running ] && return 0
		sleep 0.1
	done
	echo "run $1 is not in the graph as running" >&2
	return 1
}

test_expect_success 'setup: a second Neo4j of our own, migrated, with the process imported' '
	n2 start >n2.out 2>&1 || { cat n2.out; false; }
'
# From here on every pmeta and cypher call talks to the second instance.
set -a
. "$N2_DIR/env"
set +a

test_expect_success 'setup: workspace' '
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	last_proc = proc_001_v_000

	[proc_003_v_000]
	last_proc = proc_002_v_000
	EOF
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go1\"}, \"proc_002_v_000\": {\"wait_file\": \"go2\"}}" > ctl.json &&
	commit_workspace &&
	pmeta import $CONF >/dev/null
'

test_expect_success 'Neo4j stopped mid-run: the jobs finish, the run exits 0 and warns' '
	{ pmeta run $CONF -j 2 >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) && echo $id >lost.id &&
	run_recorded $id &&
	n2 stop >/dev/null &&
	touch go1 go2 &&
	{ wait $pid; rc=$?; } &&
	cat out err &&
	test "$rc" = 0 &&
	test_contains out "run $id succeeded: 3 succeeded" &&
	test_contains err "pmeta runs --sync" &&
	grep "^end proc_003_v_000" trace
'

test_expect_success 'while Neo4j is down, status reads the local journal' '
	id=$(cat lost.id) &&
	pmeta status $id >out 2>err &&
	cat out err &&
	test_contains out "from the local journal" &&
	test_contains out "3 succeeded" &&
	! test -f .pmeta/runs/$id/synced
'

test_expect_success 'Neo4j back: runs --sync writes the run; the graph had it as running' '
	id=$(cat lost.id) &&
	n2 start >n2.out 2>&1 &&
	test_eq "$(run_prop $id status)" running &&
	pmeta runs --sync >out &&
	test_contains out "1 run written" &&
	test_eq "$(run_prop $id status)" succeeded &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j:JobRun {status: \"succeeded\"}) RETURN count(j)" "{\"id\": \"$id\"}")" 3 &&
	test -f .pmeta/runs/$id/synced &&
	pmeta runs --sync >out &&
	test_contains out "0 runs written"
'

test_expect_success 'pmeta sync replays a journal the graph has not seen' '
	rm -f go1 go2 trace &&
	{ pmeta run $CONF -j 2 >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	run_recorded $id &&
	{ n2 stop >n2.out 2>&1 || { cat n2.out; false; }; } &&
	touch go1 go2 &&
	{ wait $pid; rc=$?; } &&
	cat out err &&
	test "$rc" = 0 &&
	{ n2 start >n2.out 2>&1 || { cat n2.out; false; }; } &&
	test_eq "$(run_prop $id status)" running &&
	git commit -q --allow-empty -m "a commit for sync to walk" &&
	pmeta sync >out &&
	cat out &&
	test_contains out "runs: 1 journal(s) replayed" &&
	test_eq "$(run_prop $id status)" succeeded &&
	pmeta sync >out &&
	test_contains out "runs: 0 journal(s) replayed"
'

test_expect_success 'Neo4j down and back within a run: the runner writes the records itself' '
	rm -f go1 go2 trace &&
	{ pmeta run $CONF -j 2 >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	run_recorded $id &&
	n2 stop >/dev/null &&
	touch go1 &&
	wait_for 1 "^start proc_002_v_000" &&
	n2 start >n2.out 2>&1 &&
	touch go2 &&
	{ wait $pid; rc=$?; } &&
	cat out err &&
	test "$rc" = 0 &&
	test_lacks err "runs --sync" &&
	test -f .pmeta/runs/$id/synced &&
	test_eq "$(run_prop $id status)" succeeded &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" succeeded
'

test_expect_success 'a runner that died leaves a journal that sync closes as aborted' '
	rm -f go1 go2 trace &&
	echo "{\"proc_001_v_000\": {\"sleep\": 60}}" > ctl.json &&
	{ pmeta run $CONF --no-record >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	kill -KILL $pid &&
	{ wait $pid || true; } &&
	pg=$(awk "\$1 == \"start\" { print \$5 }" trace) &&
	kill -TERM -$pg &&
	pmeta runs --sync >out &&
	test_contains out "1 run written" &&
	test_eq "$(run_prop $id status)" aborted &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" aborted
'

test_done
