#!/usr/bin/env bash
# pmeta import of an unchanged config: one small request, nothing written.
# "Unchanged" covers the config's text and path, the scripts' blobs and the
# process's number of steps; each kind of change, and steps or a process
# deleted behind pmeta's back, is still written. Edges, datasets and
# properties edited by hand are not seen (that would read every step):
# --force writes them back. base.conf is not imported (plan reads it from
# disk), so it is not part of it.
. "$(dirname "$0")/lib.sh"

CASES="$TEST_ROOT/tests/plan"
C1=sche_001/process_config/p_001_v_000/main.conf
K=sche_001/p_001_v_000
GK=ws/$K   # the process key in the graph: workspace ws (test_git_workspace)

# requests FILE: how many HTTP requests PMETA_TRACE logged in FILE.
requests() {
	grep -c '^pmeta: neo4j ' "$1"
}

blob_of() {
	cypher_value 'MATCH (p:Procedure {key: $k}) RETURN coalesce(p.blob, "none")' "{\"k\": \"ws/sche_001/$1\"}"
}

test_expect_success 'setup: a workspace with one imported process' '
	test_reset_graph &&
	pmeta migrate >/dev/null &&
	test_git_workspace &&
	mkdir -p sche_001/process_config/p_001_v_000 sche_001/pys &&
	cp "$CASES/amend/main.conf" $C1 &&
	echo "print(1)" >sche_001/pys/proc_001_v_000.py &&
	git add . && git commit -qm process &&
	PMETA_TRACE=1 pmeta import $C1 >out 2>trace &&
	test_contains out "imported $K (4 steps)" &&
	test "$(requests trace)" -gt 2
'

test_expect_success 'an unchanged re-import sends one request and writes nothing' '
	before=$(graph_counts) &&
	PMETA_TRACE=1 pmeta import $C1 >out 2>trace &&
	test_eq "$(requests trace)" 1 &&
	test_contains trace "POST /db/neo4j/tx/commit" &&
	test_contains out "$C1: $K (4 steps) unchanged since its last import: nothing written" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'a changed script is written: its blob changes in the graph' '
	echo "print(2)" >sche_001/pys/proc_001_v_000.py &&
	PMETA_TRACE=1 pmeta import $C1 >out 2>trace &&
	test "$(requests trace)" -gt 1 &&
	test_contains out "imported $K" &&
	test_eq "$(blob_of proc_001_v_000)" "$(git hash-object sche_001/pys/proc_001_v_000.py)" &&
	pmeta import $C1 >out && test_contains out unchanged
'

test_expect_success 'a script that appears is written' '
	test_eq "$(blob_of proc_002_v_000)" none &&
	echo "print(3)" >sche_001/pys/proc_002_v_000.py &&
	pmeta import $C1 >out &&
	test_contains out "imported $K" &&
	test_eq "$(blob_of proc_002_v_000)" "$(git hash-object sche_001/pys/proc_002_v_000.py)"
'

test_expect_success 'a changed config is written, even when only a comment changed' '
	echo "# a comment" >>$C1 &&
	pmeta import $C1 >out &&
	test_contains out "imported $K (4 steps): 0 nodes and 0 relationships created" &&
	test_eq "$(cypher_value "MATCH (p:Process {key: \"$GK\"}) RETURN p.config_hash")" "$(git hash-object $C1)" &&
	sed -i "s/^model = small$/model = tiny/" $C1 &&
	pmeta import $C1 >out &&
	test_contains out "imported $K" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"$GK/proc_002_v_000\"}) RETURN s.model")" tiny
'

test_expect_success 'base.conf is not imported: the import stays unchanged, the plan follows it' '
	printf "template = echo {step} {schedule}\n" >sche_001/base.conf &&
	pmeta import $C1 >out &&
	test_contains out unchanged &&
	pmeta plan $C1 >plan &&
	test_contains plan "echo proc_001_v_000 sche_001"
'

test_expect_success 'a step deleted behind pmeta'\''s back is written back' '
	before=$(graph_counts) &&
	cypher "MATCH (s:Step {key: \"$GK/proc_003_v_000\"}) DETACH DELETE s" >/dev/null &&
	pmeta import $C1 >out &&
	test_contains out "imported $K (4 steps): 1 nodes and" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'a step added behind pmeta'\''s back leaves the process' '
	cypher "MATCH (p:Process {key: \"$GK\"}) CREATE (p)-[:HAS_STEP]->(:Step {key: \"$GK/stray\", name: \"stray\"})" >/dev/null &&
	pmeta import $C1 >out &&
	test_contains out "imported $K (4 steps): 0 nodes and 1 relationships created, 0 nodes and 1 relationships deleted" &&
	test_eq "$(cypher_value "MATCH (:Process {key: \"$GK\"})-[:HAS_STEP]->(s) RETURN count(s)")" 4 &&
	test_eq "$(cypher_value "MATCH (:Process {key: \"$GK\"})-[:HAD_STEP]->(s) RETURN s.name")" stray &&
	cypher "MATCH (s:Step {key: \"$GK/stray\"}) DETACH DELETE s" >/dev/null
'

test_expect_success 'a deleted process is written again (its steps, without runs, anew)' '
	before=$(graph_counts) &&
	cypher "MATCH (p:Process {key: \"$GK\"}) DETACH DELETE p" >/dev/null &&
	pmeta import $C1 >out &&
	test_contains out "imported $K (4 steps): 5 nodes and 23 relationships created, 4 nodes and 18 relationships deleted" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'an edge or a dataset deleted by hand stays gone until --force' '
	before=$(graph_counts) &&
	cypher "MATCH (:Step {key: \"$GK/proc_004_v_000\"})-[r:AFTER]->(:Step {key: \"$GK/proc_002_v_000\"}) DELETE r" >/dev/null &&
	cypher "MATCH (d:Dataset {key: \"ws/sche_001/corpus\"}) DETACH DELETE d" >/dev/null &&
	pmeta import $C1 >out &&
	test_contains out unchanged &&
	pmeta import --force $C1 >out &&
	test_contains out "imported $K (4 steps): 1 nodes and 2 relationships created" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'a process imported by a pmeta without the digest is written' '
	cypher "MATCH (p:Process {key: \"$GK\"}) REMOVE p.import_digest" >/dev/null &&
	pmeta import $C1 >out &&
	test_contains out "imported $K" &&
	pmeta import $C1 >out && test_contains out unchanged
'

test_expect_success 'a property edited by hand stays until --force' '
	cypher "MATCH (s:Step {key: \"$GK/proc_003_v_000\"}) SET s.model = \"edited\"" >/dev/null &&
	pmeta import $C1 >out &&
	test_contains out unchanged &&
	pmeta import --force $C1 >out &&
	test_contains out "imported $K" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"$GK/proc_003_v_000\"}) RETURN s.model")" large
'

test_expect_success 'check takes no --force' '
	test_expect_code 2 pmeta check --force $C1 2>err &&
	test_contains err "unknown option '\''--force'\''"
'

test_done
