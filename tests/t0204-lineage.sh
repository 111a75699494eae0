#!/usr/bin/env bash
# pmeta lineage: ancestry and descendants as a tree, JSON, dot, mermaid and a
# Neo4j Browser link; where each version is used (process, step) and the
# datasets its steps read and write with producers and consumers. Processes
# and steps are seeded with Cypher here (the import verb is not ours).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

# Dates and commit ids vary: mask them.
mask() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9a-f]{12}/DATE COMMIT/'
}

test_expect_success 'setup: a fork tree and a process using it' '
	fork_workspace &&
	pmeta fork proc_004_v_000 >/dev/null &&
	pmeta fork proc_004_v_001 >/dev/null &&
	pmeta fork proc_004_v_001 --minor >/dev/null &&
	pmeta fork proc_004_v_000 --major >/dev/null &&
	pmeta fork proc_004_v_002 >/dev/null &&
	pmeta fork p_002_v_000 >/dev/null &&
	cypher "
	MERGE (p:Process {key: \"ws/sche_001/p_002_v_000\"}) SET p.name = \"p_002_v_000\"
	MERGE (q:Process {key: \"ws/sche_001/p_003_v_000\"}) SET q.name = \"p_003_v_000\"
	MERGE (s4:Step {key: \"ws/sche_001/p_002_v_000/proc_004_v_001\"}) SET s4.name = \"proc_004_v_001\", s4.order = 0
	MERGE (s5:Step {key: \"ws/sche_001/p_002_v_000/proc_005_v_000\"}) SET s5.name = \"proc_005_v_000\", s5.order = 1
	MERGE (s9:Step {key: \"ws/sche_001/p_003_v_000/proc_009_v_000\"}) SET s9.name = \"proc_009_v_000\", s9.order = 0
	MERGE (p4:Procedure {key: \"ws/sche_001/proc_004_v_001\"})
	MERGE (p5:Procedure {key: \"ws/sche_001/proc_005_v_000\"}) SET p5.name = \"proc_005_v_000\"
	MERGE (p9:Procedure {key: \"ws/sche_001/proc_009_v_000\"}) SET p9.name = \"proc_009_v_000\"
	MERGE (din:Dataset {key: \"ws/sche_001/schema_input\"}) SET din.name = \"schema_input\"
	MERGE (d4:Dataset {key: \"ws/sche_001/proc_004_v_001\"}) SET d4.name = \"proc_004_v_001\"
	MERGE (raw:Dataset {key: \"ws/sche_001/raw\"}) SET raw.name = \"raw\"
	MERGE (p)-[:HAS_STEP]->(s4) MERGE (p)-[:HAS_STEP]->(s5) MERGE (q)-[:HAS_STEP]->(s9)
	MERGE (s4)-[:RUNS]->(p4) MERGE (s5)-[:RUNS]->(p5) MERGE (s9)-[:RUNS]->(p9)
	MERGE (s4)-[:READS]->(din) MERGE (s4)-[:READS]->(raw) MERGE (s4)-[:WRITES]->(d4)
	MERGE (s5)-[:READS]->(d4) MERGE (s9)-[:WRITES]->(din)
	" >/dev/null
'

test_expect_success 'tree: the whole family from the root' '
	pmeta lineage proc_004_v_000 >out &&
	mask <out >masked &&
	cat >expect <<-\EOT &&
	@ proc_004_v_000  sche_001/pys/proc_004_v_000.py
	|-* proc_004_v_001  patch  DATE COMMIT
	| |    used by p_002_v_000, step proc_004_v_001
	| |      reads   raw  (external input)
	| |      reads   schema_input  (written by p_003_v_000/proc_009_v_000)
	| |      writes  proc_004_v_001  (read by p_002_v_000/proc_005_v_000)
	| |-* proc_004_v_002  patch  DATE COMMIT
	| | * proc_004_v_003  patch  DATE COMMIT
	| `-* proc_004_v_010  minor  DATE COMMIT
	`-* proc_004_v_100  major  DATE COMMIT
	EOT
	test_cmp expect masked
'

test_expect_success 'tree: ancestors above, the version marked, descendants below' '
	pmeta lineage proc_004_v_002 >out &&
	mask <out >masked &&
	cat >expect <<-\EOT &&
	* proc_004_v_000
	* proc_004_v_001  patch  DATE COMMIT
	    used by p_002_v_000, step proc_004_v_001
	      reads   raw  (external input)
	      reads   schema_input  (written by p_003_v_000/proc_009_v_000)
	      writes  proc_004_v_001  (read by p_002_v_000/proc_005_v_000)
	@ proc_004_v_002  patch  DATE COMMIT  sche_001/pys/proc_004_v_002.py
	* proc_004_v_003  patch  DATE COMMIT
	EOT
	test_cmp expect masked
'

test_expect_success '--up, --down and --depth' '
	pmeta lineage proc_004_v_003 --up >out &&
	test_eq "$(grep -c "^[*@]" out)" 4 &&
	pmeta lineage proc_004_v_003 --up --depth 1 >out &&
	test_eq "$(sed -n "s/^\([*@]\) \([a-z0-9_]*\).*/\1\2/p" out | tr "\n" " ")" "*proc_004_v_002 @proc_004_v_003 " &&
	pmeta lineage proc_004_v_000 --down --depth 1 >out &&
	test_lacks out proc_004_v_002 && test_contains out proc_004_v_100 &&
	pmeta lineage proc_004_v_001 --down >out &&
	test_lacks out "proc_004_v_000" &&
	pmeta lineage proc_004_v_001 --depth=0 >out &&
	test_eq "$(grep -c "^[*@|]" out)" 1
'

test_expect_success 'json: nodes with depth, parent, fork and usage' '
	pmeta lineage sche_001/proc_004_v_001 --format json >out.json &&
	python3 - out.json "$(git log --format=%H --grep="Pmeta-Fork: proc_004_v_001")" <<-\EOT
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["key"] == "ws/sche_001/proc_004_v_001" and d["kind"] == "procedure", d
	by = {n["name"]: n for n in d["nodes"]}
	assert sorted(by) == ["proc_004_v_000", "proc_004_v_001", "proc_004_v_002", "proc_004_v_003", "proc_004_v_010"], sorted(by)
	assert [by[k]["depth"] for k in ("proc_004_v_000", "proc_004_v_001", "proc_004_v_002", "proc_004_v_003")] == [-1, 0, 1, 2]
	me = by["proc_004_v_001"]
	assert me["parent"] == "ws/sche_001/proc_004_v_000" and me["bump"] == "patch" and me["fork_commit"] == sys.argv[2], me
	assert by["proc_004_v_010"]["bump"] == "minor"
	u = me["used_by"]
	assert len(u) == 1 and u[0]["process"] == "p_002_v_000" and u[0]["step"] == "proc_004_v_001", u
	ds = {x["dataset"]: x for x in u[0]["datasets"]}
	assert ds["schema_input"]["rel"] == "READS" and ds["schema_input"]["producers"] == ["ws/sche_001/p_003_v_000/proc_009_v_000"]
	assert ds["proc_004_v_001"]["rel"] == "WRITES" and ds["proc_004_v_001"]["consumers"] == ["ws/sche_001/p_002_v_000/proc_005_v_000"]
	assert ds["raw"]["producers"] == []
	EOT
'

test_expect_success 'json for a process lists its steps' '
	pmeta lineage p_002_v_000 --format json >out.json &&
	python3 -c "
import json
d = json.load(open(\"out.json\"))
by = {n[\"name\"]: n for n in d[\"nodes\"]}
assert d[\"kind\"] == \"process\"
assert [s[\"step\"] for s in by[\"p_002_v_000\"][\"steps\"]] == [\"proc_004_v_001\", \"proc_005_v_000\"], by
assert by[\"p_002_v_001\"][\"bump\"] == \"patch\"
"
'

test_expect_success 'dot' '
	pmeta lineage proc_004_v_001 --format dot >out.dot &&
	test_contains out.dot "digraph lineage {" &&
	test_contains out.dot "\"ws/sche_001/proc_004_v_001\" -> \"ws/sche_001/proc_004_v_000\" [label=\"patch\"];" &&
	test_contains out.dot "\"ws/sche_001/proc_004_v_001\" [label=\"proc_004_v_001\", style=bold, penwidth=2];" &&
	test_contains out.dot "\"ws/sche_001/p_002_v_000\" -> \"ws/sche_001/proc_004_v_001\" [style=dashed, label=\"proc_004_v_001\"];" &&
	test_eq "$(tail -n1 out.dot)" "}" &&
	if command -v dot >/dev/null; then dot -Tsvg out.dot >/dev/null; fi
'

test_expect_success 'mermaid' '
	pmeta lineage proc_004_v_001 --format mermaid >out.mmd &&
	test_eq "$(head -n1 out.mmd)" "graph BT" &&
	n0=$(sed -n "s/^  \(n[0-9]*\)\[\"proc_004_v_000\"\]$/\1/p" out.mmd) &&
	n1=$(sed -n "s/^  \(n[0-9]*\)\[\"proc_004_v_001\"\]$/\1/p" out.mmd) &&
	test -n "$n0" && test -n "$n1" &&
	test_contains out.mmd "  $n1 -->|patch| $n0" &&
	test_contains out.mmd "  style $n1 stroke-width:3px" &&
	test_contains out.mmd "([\"p_002_v_000\"]) -.->|\"proc_004_v_001\"| $n1"
'

# Decodes the Browser link and checks it piece by piece; prints the editor text.
check_url() {
	python3 - "$1" "$NEO4J_URI" "${NEO4J_BOLT_URI:-}" <<-\EOT
	import sys, urllib.parse as up
	url, base, bolt = sys.argv[1], sys.argv[2], sys.argv[3]
	u = up.urlsplit(url)
	assert "#" not in url and " " not in url, url
	assert f"{u.scheme}://{u.netloc}" == base and u.path == "/browser/", url
	q = up.parse_qs(u.query, strict_parsing=True)
	assert sorted(q) == ["arg", "cmd", "db", "dbms"], q
	assert q["cmd"] == ["edit"] and q["db"] == ["neo4j"], q
	if bolt:
	    assert q["dbms"] == [bolt.replace("://", "://neo4j@")], q["dbms"]
	print(q["arg"][0])
	EOT
}

test_expect_success 'url: a Browser link with the query and the key filled in' '
	url=$(pmeta lineage proc_004_v_001 --format url) &&
	check_url "$url" >arg &&
	test_contains arg "MATCH (v:Procedure|Process {key: '\''ws/sche_001/proc_004_v_001'\''})" &&
	test_lacks arg "\$key" &&
	test_lacks arg "// :param" &&
	cypher "$(cat arg)" >reply &&
	test_contains reply "\"key\":\"ws/sche_001/proc_004_v_001\""
'

test_expect_success 'url: credentials in NEO4J_URI stay out of the link' '
	base=${NEO4J_URI%/} &&
	url=$(NEO4J_URI="${base%%://*}://$NEO4J_USERNAME:$NEO4J_PASSWORD@${base#*://}/" \
		pmeta lineage proc_004_v_001 --format url) &&
	case "$url" in *@*/browser/*|*"$NEO4J_PASSWORD"*|*"***"*) false ;; esac &&
	check_url "$url" >arg &&
	test_contains arg "ws/sche_001/proc_004_v_001"
'

test_expect_success 'url: & # and quotes in a key are encoded and escaped' '
	key="we&ird#'\''s/proc_001_v_000" &&
	cypher "CREATE (:Procedure {key: \$k, name: \"proc_001_v_000\", workspace: \"ws\"})" "{\"k\": \"ws/we&ird#'\''s/proc_001_v_000\"}" >/dev/null &&
	url=$(pmeta lineage "$key" --format url) &&
	case "$url" in *"&ird"*|*"#"*) false ;; esac &&
	check_url "$url" >arg &&
	cypher "$(cat arg)" >reply &&
	python3 -c "
import json, sys
r = json.load(open(\"reply\"))[\"results\"][0][\"data\"]
assert r and r[0][\"row\"][0][\"key\"] == \"ws/\" + sys.argv[1], r
" "$key"
'

test_expect_success 'the cypher/ files run as they are, with their :param values' '
	for f in lineage_tree lineage_usage lineage_browser lineage_resolve lineage_steps sync_claim; do
		file="$TEST_ROOT/cypher/$f.cypher" &&
		params=$(python3 - "$file" <<-\EOT
		import json, re, sys
		out = {}
		for line in open(sys.argv[1]):
		    m = re.match(r"// :param (\w+) => (.*)$", line.strip())
		    if m:
		        v = m.group(2).replace("\x27", "\"")
		        out[m.group(1)] = json.loads(v.replace("true", "true"))
		print(json.dumps(out))
		EOT
		) &&
		cypher "$(cat "$file")" "$params" >/dev/null || { echo "$f failed" >&2; return 1; }
	done
'

test_expect_success 'errors: unknown version 5, bad name 2, Neo4j down 4' '
	test_expect_code 5 pmeta lineage proc_099_v_000 2>err &&
	test_contains err "no version '\''proc_099_v_000'\'' in the graph" &&
	test_expect_code 2 pmeta lineage nope 2>err &&
	test_expect_code 2 pmeta lineage proc_004_v_000 --format svg 2>err &&
	test_expect_code 2 pmeta lineage proc_004_v_000 --depth -1 2>err &&
	test_expect_code 2 pmeta lineage 2>err &&
	NEO4J_URI=http://127.0.0.1:1 test_expect_code 4 pmeta lineage proc_004_v_000 2>err &&
	test_contains err "cannot reach Neo4j" &&
	pmeta lineage --help >out && test_contains out "usage: pmeta lineage"
'

test_expect_success 'a bare name in two schedules must be qualified' '
	cypher "CREATE (:Procedure {key: \"ws/sche_002/proc_004_v_000\", name: \"proc_004_v_000\", workspace: \"ws\"})" >/dev/null &&
	test_expect_code 5 pmeta lineage proc_004_v_000 2>err &&
	test_contains err "is in 2 schedules" &&
	pmeta lineage sche_001/proc_004_v_000 >/dev/null
'

test_done
