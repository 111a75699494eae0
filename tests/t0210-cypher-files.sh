#!/usr/bin/env bash
# Every query file in cypher/, as a person pasting it into Neo4j Browser
# sees it (issue 10): each parameter has an example `// :param` line; with
# those examples, EXPLAIN on Neo4j 5.26 raises no notification at all (no
# deprecation, no performance hint, no unknown label or property); a query
# that writes says it is pmeta's own, and pasted with its examples it
# changes nothing (so the sync_* examples cannot add a fake FORKED_FROM edge).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-clients.sh"

test_reset_graph
CHECK="python3 $TEST_ROOT/tests/fixtures/cypher_check.py"
FILES=$(ls "$TEST_ROOT"/cypher/*.cypher)

test_expect_success 'every parameter of every file has an example :param line' '
	$CHECK params $FILES
'

test_expect_success 'the check finds a parameter without an example' '
	printf "// reads\n// :param a => 1\nMATCH (n {x: \$a, y: \$b}) RETURN n\n" >missing.cypher &&
	test_expect_code 1 $CHECK params missing.cypher >out &&
	test_contains out "\$b has no example line"
'

test_expect_success 'setup: a graph pmeta wrote (init, import, forks, runs, a retired step)' '
	clients_workspace &&
	pmeta init >/dev/null &&
	pmeta run -q p_002_v_000 >/dev/null &&
	test_expect_code 1 env FAIL_STEP=proc_004_v_000 pmeta run -q p_002_v_000 >/dev/null &&
	pmeta run -q --resume last >/dev/null &&
	sed -i "/^\[proc_005_v_000\]/,\$d" sche_001/process_config/p_002_v_001/main.conf &&
	pmeta import -q sche_001/process_config/p_002_v_001/main.conf &&
	test "$(cypher_value "MATCH ()-[h:HAD_STEP]->() RETURN count(h)")" = 1 &&
	pmeta sync >/dev/null &&
	# An incremental process in a workspace of its own (its items, Item
	# nodes and PROCESSED edges; enabled, is_enable, priority), so every query
	# meets a graph that has its names whatever ran before this test.
	inc="$TRASH-items" && rm -rf "$inc" && mkdir -p "$inc" &&
	(
		cd "$inc" &&
		test_git_workspace ws-items &&
		mkdir -p sche_i/pys sche_i/process_config/p_001_v_000 sche_i/inbox &&
		printf "interpreter = %s\n" "$PY" >sche_i/base.conf &&
		echo "print(1)" >sche_i/pys/proc_001_v_000.py &&
		echo "print(2)" >sche_i/pys/proc_002_v_000.py &&
		printf "%s\n" "[proc_001_v_000]" "last_proc = inbox" "items = *.txt" "batch = 5" \
			"run_mode = auto" "enabled = true" "priority = 1" "" "[proc_002_v_000]" "last_proc = inbox" \
			"items = *.txt" "per_handle_task_num = 5" "is_enable = true" >sche_i/process_config/p_001_v_000/main.conf &&
		echo a >sche_i/inbox/a.txt &&
		git add sche_i && git commit -qm items &&
		pmeta import -q sche_i/process_config/p_001_v_000/main.conf &&
		pmeta run -q p_001_v_000 >/dev/null
	) &&
	rm -rf "$inc" &&
	test "$(cypher_value "MATCH (:JobRun)-[p:PROCESSED]->(:Item) RETURN count(p)")" = 2 &&
	# Names only graphs upgraded from pmeta 0.1 (:Unclaimed) or touched by
	# neo4j-migrations (flyway_failed) hold: Neo4j knows a name once it was used.
	cypher "CREATE (n:Unclaimed {flyway_failed: false}) DELETE n" >/dev/null
'

test_expect_success 'every node the lineage query draws has a short caption' '
	cypher "MATCH (n:Procedure|Process|Step|Dataset {workspace: \"ws\"})
		RETURN n.name + \" => \" + coalesce(n.caption, \"(none)\") AS c ORDER BY c" |
		python3 -c "import json,sys; [print(r[\"row\"][0]) for r in json.load(sys.stdin)[\"results\"][0][\"data\"]]" >got &&
	cat >expect <<-\EOT &&
	algo_local_model_gbdt_v_000 => model_gbdt v_000
	model_gbdt => model_gbdt
	model_gbdt => model_gbdt
	p_002_v_000 => p_002 v_000
	p_002_v_001 => p_002 v_001
	proc_001_v_000 => proc_001 v_000
	proc_001_v_000 => proc_001 v_000
	proc_001_v_000 => proc_001 v_000
	proc_001_v_000 => proc_001 v_000
	proc_004_v_000 => proc_004 v_000
	proc_004_v_000 => proc_004 v_000
	proc_004_v_000 => proc_004 v_000
	proc_004_v_000/predict => predict
	proc_004_v_001 => proc_004 v_001
	proc_004_v_001 => proc_004 v_001
	proc_004_v_001 => proc_004 v_001
	proc_004_v_001/predict => predict
	proc_004_v_010 => proc_004 v_010
	proc_005_v_000 => proc_005 v_000
	proc_005_v_000 => proc_005 v_000
	proc_005_v_000 => proc_005 v_000
	proc_005_v_000 => proc_005 v_000
	schema_input => schema_input
	EOT
	test_cmp expect got
'

test_expect_success 'pmeta sync gives a caption to nodes written without one' '
	cypher "MATCH (n {workspace: \"ws\"}) REMOVE n.caption" >/dev/null &&
	pmeta sync >out &&
	# the fork lineage gives the versions theirs first: 5 of the 23
	test_contains out "captions: 18 node(s) given their Browser caption" &&
	test "$(cypher_value "MATCH (n:Procedure|Process|Step|Dataset) WHERE n.caption IS NULL RETURN count(n)")" = 0 &&
	test "$(cypher_value "MATCH (n:Procedure {key: \"ws/sche_001/proc_004_v_010\"}) RETURN n.caption")" = "proc_004 v_010" &&
	pmeta sync >out &&
	test_lacks out "captions:"
'

test_expect_success 'EXPLAIN of every file with its examples: no notification' '
	$CHECK explain $FILES >out || { cat out; false; } &&
	test_contains out "0 problem(s)"
'

test_expect_success 'the check sees a deprecation (a CALL without a scope clause)' '
	printf "MATCH (v:Procedure)\nCALL {\n  WITH v\n  RETURN v AS n\n}\nRETURN n\n" >old.cypher &&
	test_expect_code 1 $CHECK explain old.cypher >out &&
	test_contains out "FeatureDeprecationWarning"
'

test_expect_success 'write queries are marked, and their examples write nothing' '
	before=$(graph_counts) &&
	$CHECK writes $FILES >out || { cat out; false; } &&
	test_contains out "0 problem(s)" &&
	test "$(graph_counts)" = "$before"
'

test_expect_success 'the sync_* examples pasted as they are add no FORKED_FROM edge' '
	before=$(cypher_value "MATCH ()-[f:FORKED_FROM]->() RETURN count(f)") &&
	for f in sync_procedure_forks sync_process_forks; do
		forks=$($CHECK example "$TEST_ROOT/cypher/$f.cypher" forks) &&
		cypher "$(grep -v "^//" "$TEST_ROOT/cypher/$f.cypher")" "{\"forks\": $forks}" >/dev/null || return 1
	done &&
	test "$(cypher_value "MATCH ()-[f:FORKED_FROM]->() RETURN count(f)")" = "$before"
'

test_expect_success 'the check catches an unmarked write and an example that writes' '
	printf "// sets a flag\n// :param k => \"x\"\nMERGE (n:Flag {k: \$k})\n" >unmarked.cypher &&
	test_expect_code 1 $CHECK writes unmarked.cypher >out &&
	test_contains out "does not say" &&
	printf "// pmeta%ss own write query, not to be pasted.\n// :param k => \"x\"\nMERGE (n:Flag {k: \$k})\n" "'\''" >writes.cypher &&
	test_expect_code 1 $CHECK writes writes.cypher >out &&
	test_contains out "run with its example :param lines it writes" &&
	test "$(cypher_value "MATCH (n:Flag) RETURN count(n)")" = 0
'

test_done
