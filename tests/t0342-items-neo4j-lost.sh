#!/usr/bin/env bash
# The item ledger without the graph for a moment: Neo4j stopped while an
# incremental job runs; the job's items count as processed all the same
# (the local ledger is the truth), nothing is processed twice, and sync
# writes the lineage when Neo4j is back.
#
# This file runs its OWN second Neo4j instance (free ports, or
# T0322_HTTP_PORT/T0322_BOLT_PORT; data under its trash folder) so it can
# stop and start it without disturbing others.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"
. "$TEST_ROOT/tests/lib-items.sh"

N2_DIR=$TRASH/neo4j2
N2_HTTP_PORT=${T0322_HTTP_PORT:-$(free_port)}
N2_BOLT_PORT=${T0322_BOLT_PORT:-$(free_port)}
n2() {
	NEO4J_DIR=$N2_DIR NEO4J_HTTP_PORT=$N2_HTTP_PORT \
		NEO4J_BOLT_PORT=$N2_BOLT_PORT "$TEST_ROOT/scripts/neo4j.sh" "$@"
}
trap 'n2 stop >/dev/null 2>&1' EXIT

# processed NAME: how many PROCESSED edges the graph has into items of that name.
processed() {
	cypher_value "MATCH (:JobRun)-[p:PROCESSED]->(i:Item {name: \"$1\"}) RETURN count(p)"
}

test_expect_success 'setup: a second Neo4j of our own' '
	n2 start >n2.out 2>&1 || { cat n2.out; false; }
'
set -a
. "$N2_DIR/env"
set +a

test_expect_success 'setup: a workspace with an incremental step, 3 items processed' '
	items_workspace &&
	pmeta migrate >/dev/null &&
	items_procs proc_001_v_000 &&
	printf "[proc_001_v_000]\nlast_proc = inbox\nitems = *.txt\n" >$CONF &&
	commit_items &&
	add_items inbox 3 &&
	pmeta run $CONF >out &&
	test "$(starts_of proc_001_v_000)" = 3 &&
	test_eq "$(processed item_001.txt)" 1
'

test_expect_success 'Neo4j stopped mid-run: the job processes its items, the run warns' '
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go\"}}" > ctl.json &&
	add_items inbox 2 4 &&
	{ pmeta run $CONF >out 2>err & } &&
	pid=$! &&
	for i in $(seq 200); do grep -q "^proc_001_v_000 - 2" starts && break; sleep 0.1; done &&
	id=$(run_id_of out) && echo $id >lost.id &&
	n2 stop >/dev/null &&
	touch go &&
	{ wait $pid; rc=$?; } &&
	cat out err &&
	test "$rc" = 0 &&
	test_contains out "2 items, 2 processed" &&
	test_contains err "the items this run processed are not in Neo4j yet" &&
	test_contains err "pmeta runs --sync" &&
	test "$(grep -c "^P" .pmeta/items/sche_t/p_001_v_000/proc_001_v_000.ledger)" = 5
'

test_expect_success 'while Neo4j is down nothing runs (the plan needs it), nothing is lost' '
	test_expect_code 4 pmeta run $CONF >out 2>err &&
	test "$(starts_of proc_001_v_000)" = "3 2"
'

test_expect_success 'Neo4j back: the next run has nothing new (the ledger, not the graph, said so)' '
	n2 start >n2.out 2>&1 &&
	test_eq "$(processed item_004.txt)" 0 &&
	pmeta run $CONF >out 2>err &&
	cat out &&
	test_contains out "up to date" &&
	test "$(starts_of proc_001_v_000)" = "3 2"
'

test_expect_success 'runs --sync writes the run and its items, once' '
	id=$(cat lost.id) &&
	pmeta runs --sync >out &&
	test_eq "$(run_prop $id status)" succeeded &&
	test_eq "$(processed item_004.txt)" 1 &&
	test_eq "$(processed item_005.txt)" 1 &&
	test_eq "$(cypher_value "MATCH (j:JobRun)-[:PROCESSED]->(:Item {name: \"item_004.txt\"}) RETURN j.key")" \
		"ws/$id/proc_001_v_000/-" &&
	test_eq "$(cypher_value "MATCH (j:JobRun {key: \"ws/$id/proc_001_v_000/-\"})-[:OF]->(s:Step) RETURN s.key")" \
		ws/sche_t/p_001_v_000/proc_001_v_000 &&
	pmeta runs --sync >out &&
	pmeta sync >out &&
	test_eq "$(processed item_004.txt)" 1 &&
	test_eq "$(cypher_value "MATCH (:JobRun)-[p:PROCESSED]->(:Item) RETURN count(p)")" 5 &&
	pmeta items proc_001_v_000 >out &&
	test_contains out "inbox/item_005.txt" &&
	test_contains out "$id"
'

test_expect_success 'a graph that lost its copy gets it again from the ledger (sync is idempotent)' '
	cypher "MATCH (i:Item) DETACH DELETE i" >/dev/null &&
	rm .pmeta/items/sche_t/p_001_v_000/proc_001_v_000.ledger.synced &&
	pmeta sync >out &&
	test_eq "$(cypher_value "MATCH (:JobRun)-[p:PROCESSED]->(:Item) RETURN count(p)")" 5
'

test_done
