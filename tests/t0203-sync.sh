#!/usr/bin/env bash
# pmeta sync rebuilds the fork lineage from git: after wiping the graph it
# equals the graph before (sorted dumps); a second run changes nothing.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

test_expect_success 'setup: forks of procedures and processes, edits between' '
	fork_workspace &&
	pmeta fork proc_004_v_000 >/dev/null &&
	pmeta fork proc_004_v_001 >/dev/null &&
	echo "print(\"edited\")" >>sche_001/pys/proc_004_v_002.py &&
	git commit -q -am "edit 002" &&
	pmeta fork proc_004_v_002 --minor -m "after an edit" >/dev/null &&
	pmeta fork proc_004_v_000 --major >/dev/null &&
	pmeta fork proc_005_v_000 --to proc_050_v_000 >/dev/null &&
	pmeta fork p_002_v_000 >/dev/null &&
	pmeta fork p_002_v_001 --minor >/dev/null &&
	graph_dump >before &&
	test_eq "$(cypher_value "MATCH ()-[r:FORKED_FROM]->() RETURN count(r)")" 7
'

test_expect_success 'sync on an up-to-date graph creates nothing' '
	pmeta sync >out &&
	test_contains out "7 fork(s) in the history; 0 node(s), 0 relationship(s) created" &&
	graph_dump >after &&
	test_cmp before after
'

test_expect_success 'after a wipe, sync rebuilds the same graph' '
	graph_wipe &&
	test_eq "$(lineage_counts)" "0 0" &&
	pmeta sync >out &&
	test_contains out "7 fork(s) in the history" &&
	graph_dump >rebuilt &&
	test_cmp before rebuilt
'

test_expect_success 'a second sync is a no-op' '
	pmeta sync >out &&
	test_contains out "0 node(s), 0 relationship(s) created" &&
	graph_dump >again &&
	test_cmp before again
'

test_expect_success 'the blob of a version is the one of its fork commit' '
	test_eq "$(cypher_value "MATCH (n:Procedure {key: \"ws/sche_001/proc_004_v_002\"}) RETURN n.blob")" \
		"$(git rev-parse $(cypher_value "MATCH (n:Procedure {key: \"ws/sche_001/proc_004_v_002\"}) RETURN n.commit"):sche_001/pys/proc_004_v_002.py)" &&
	test_eq "$(cypher_value "MATCH (:Procedure {key: \"ws/sche_001/proc_004_v_010\"})-[r:FORKED_FROM]->() RETURN r.bump")" minor
'

test_expect_success 'sync keeps what import wrote: values only filled in when missing' '
	cypher "MATCH (n:Procedure {key: \"ws/sche_001/proc_004_v_001\"}) SET n.blob = \"from-import\", n.extra = 1" >/dev/null &&
	pmeta sync >/dev/null &&
	test_eq "$(cypher_value "MATCH (n:Procedure {key: \"ws/sche_001/proc_004_v_001\"}) RETURN n.blob + \" \" + n.extra")" "from-import 1"
'

test_expect_success 'sync --dry-run lists the forks and writes nothing' '
	graph_wipe &&
	pmeta sync --dry-run >out &&
	test_contains out "sche_001/proc_004_v_000 -> proc_004_v_001 (patch)" &&
	test_contains out "sche_001/p_002_v_001 -> p_002_v_010 (minor)" &&
	test_contains out "7 fork(s) in the history; nothing written" &&
	test_eq "$(lineage_counts)" "0 0"
'

test_expect_success 'after pmeta import, sync joins the forks to the imported nodes' '
	graph_wipe &&
	pmeta import sche_001/process_config/p_002_v_000/main.conf >/dev/null &&
	blob=$(cypher_value "MATCH (n:Procedure {key: \"ws/sche_001/proc_004_v_000\"}) RETURN n.blob") &&
	test_eq "$blob" "$(git rev-parse HEAD:sche_001/pys/proc_004_v_000.py)" &&
	pmeta sync >/dev/null &&
	test_eq "$(cypher_value "MATCH (n:Procedure {key: \"ws/sche_001/proc_004_v_000\"}) RETURN n.blob")" "$blob" &&
	test_eq "$(cypher_value "MATCH (:Step)-[:RUNS]->(:Procedure {key: \"ws/sche_001/proc_004_v_000\"})<-[:FORKED_FROM]-(d) RETURN count(d)")" 2 &&
	pmeta lineage proc_004_v_000 >out &&
	test_contains out "used by p_002_v_000, step proc_004_v_000"
'

test_expect_success 'sync in a repository without forks writes nothing' '
	graph_wipe &&
	mkdir plain && cd plain && test_git_workspace &&
	pmeta sync >out &&
	test_contains out "0 fork(s) in the history" &&
	test_eq "$(lineage_counts)" "0 0"
'

test_expect_success 'sync: Neo4j unreachable exits 4; usage exits 2' '
	NEO4J_URI=http://127.0.0.1:1 test_expect_code 4 pmeta sync 2>err &&
	test_contains err "cannot reach Neo4j" &&
	test_expect_code 2 pmeta sync --bogus 2>err &&
	pmeta sync -h >out && test_contains out "usage: pmeta sync"
'

test_expect_success 'many forks go in batches: 1200 fork commits made by git' '
	mkdir many && cd many && test_git_workspace &&
	mkdir -p s/pys && echo x >s/pys/proc_1_v_000.py && git add . && git commit -q -m base &&
	python3 - <<-\EOT | git fast-import --quiet &&
	import subprocess
	head = subprocess.check_output(["git", "rev-parse", "HEAD"]).decode().strip()
	blob = subprocess.check_output(["git", "rev-parse", "HEAD:s/pys/proc_1_v_000.py"]).decode().strip()
	prev = "proc_1_v_000"
	for i in range(1, 1201):
	    name = "proc_%d_v_000" % (i + 1)
	    msg = ("fork %s from %s (to)\n\nPmeta-Fork: %s\nPmeta-Forked-From: %s\n"
	           "Pmeta-Source-Blob: %s\nPmeta-Bump: to\nPmeta-Kind: procedure\nPmeta-Schedule: s\n") % (name, prev, name, prev, blob)
	    print("commit refs/heads/main")
	    print("committer t <t@x> %d +0000" % (1700000000 + i))
	    print("data %d" % len(msg.encode()))
	    print(msg)
	    if i == 1:
	        print("from %s" % head)
	    print("M 100644 %s s/pys/%s.py" % (blob, name))
	    print()
	    prev = name
	EOT
	git reset -q --hard &&
	pmeta sync >out &&
	test_contains out "1200 fork(s) in the history; 1201 node(s), 1200 relationship(s) created" &&
	test_eq "$(cypher_value "MATCH p = (:Procedure {key: \"ws/s/proc_1201_v_000\"})-[:FORKED_FROM*]->(:Procedure {key: \"ws/s/proc_1_v_000\"}) RETURN length(p)")" 1200 &&
	pmeta lineage s/proc_1201_v_000 --up --format json >up.json &&
	pmeta lineage s/proc_601_v_000 --depth 3 --format json >mid.json &&
	python3 -c "
import json
up = json.load(open(\"up.json\"))[\"nodes\"]
assert len(up) == 1201 and up[0][\"name\"] == \"proc_1_v_000\" and up[0][\"depth\"] == -1200, up[0]
assert [n[\"depth\"] for n in up] == list(range(-1200, 1))
mid = json.load(open(\"mid.json\"))[\"nodes\"]
assert [n[\"name\"] for n in mid] == [\"proc_%d_v_000\" % i for i in range(598, 605)], [n[\"name\"] for n in mid]
"
'

test_done
