#!/usr/bin/env bash
# Stable JSON (issue 8 item 6): every --json / --format json output matches
# its JSON Schema in docs/schema/ (python's jsonschema, tests/validate-json.py),
# from the graph and from the journal alike: every field present, null when
# unknown, one name per meaning (njobs a count, jobs a list). "Neo4j
# stopped" is a NEO4J_URI where nothing listens: status reads the journal.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

DOWN=http://127.0.0.1:$(free_port)

test_expect_success 'the schema files are valid and require every field they list' '
	json_valid --lint
'

test_expect_success 'setup: a workspace with a sharded step, a failing one, a fork' '
	test_reset_graph &&
	pmeta migrate >/dev/null &&
	run_workspace &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 &&
	cat >$CONF <<-EOF &&
	[proc_001_v_000]
	max_shard = 2

	[proc_002_v_000]
	last_proc = proc_001_v_000
	retries = 1

	[proc_003_v_000]
	last_proc = proc_002_v_000
	EOF
	commit_workspace &&
	pmeta import $CONF >/dev/null &&
	pmeta fork proc_001_v_000 --patch -m "a patch" >/dev/null
'

test_expect_success 'plan --format json' '
	pmeta plan $CONF --format json >plan.json &&
	json_valid plan plan.json
'

test_expect_success 'lineage --format json of a procedure and of a process' '
	pmeta lineage proc_001_v_000 --format json >lin1.json &&
	pmeta lineage p_001_v_000 --format json >lin2.json &&
	json_valid lineage lin1.json lin2.json &&
	$PY -c "
import json
for f, kind in ((\"lin1.json\", \"procedure\"), (\"lin2.json\", \"process\")):
    for n in json.load(open(f))[\"nodes\"]:
        assert (n[\"steps\"] is None) == (kind == \"procedure\"), n
        assert (n[\"used_by\"] is None) == (kind == \"process\"), n
"
'

test_expect_success 'a failed run: status --json from the graph and from the journal, one shape, same values' '
	echo "{\"proc_002_v_000\": {\"exit\": 3}}" >ctl.json &&
	test_expect_code 1 pmeta run $CONF >out &&
	id=$(run_id_of out) && echo $id >failed.id &&
	pmeta status $id --json >graph.json &&
	NEO4J_URI=$DOWN pmeta status $id --json >journal.json 2>err &&
	test_contains err "showing the local journal" &&
	json_valid status graph.json journal.json &&
	$PY -c "
import json
g, j = json.load(open(\"graph.json\")), json.load(open(\"journal.json\"))
assert (g[\"source\"], j[\"source\"]) == (\"neo4j\", \"journal\")
assert {\"proc_001_v_000\", \"proc_002_v_000\"} <= {v[\"name\"] for v in g[\"versions\"]}, g[\"versions\"]
assert j[\"versions\"] is None
del g[\"source\"], j[\"source\"], g[\"versions\"], j[\"versions\"]
assert g == j, [(k, g[k], j.get(k)) for k in g if g[k] != j.get(k)]
assert isinstance(g[\"njobs\"], int) and isinstance(g[\"jobs\"], list)
assert g[\"njobs\"] == len(g[\"jobs\"]) == 4
by = {(x[\"step\"], x[\"shard\"]): x for x in g[\"jobs\"]}
assert by[(\"proc_003_v_000\", None)][\"status\"] == \"skipped\"
assert by[(\"proc_003_v_000\", None)][\"blob\"] is None
assert by[(\"proc_002_v_000\", None)][\"attempts\"] == 2
"
'

test_expect_success 'a run in progress: pending and running jobs, from both sources' '
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go\"}}" >ctl.json &&
	{ pmeta run $CONF >out 2>&1 & } &&
	pid=$! &&
	wait_for 2 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	for i in $(seq 100); do
		pmeta status $id --json >live.json 2>/dev/null && grep -q "\"source\": \"neo4j\"" live.json && break
		sleep 0.1
	done &&
	NEO4J_URI=$DOWN pmeta status $id --json >live-journal.json 2>/dev/null &&
	touch go && wait $pid &&
	json_valid status live.json live-journal.json &&
	grep -q "\"status\": \"pending\"" live-journal.json &&
	grep -q "\"finished_at\": null" live-journal.json
'

test_expect_success 'runs --json and runs --all-workspaces --json' '
	pmeta runs --json >runs.json &&
	pmeta runs --all-workspaces --json >all.json &&
	json_valid runs runs.json all.json &&
	$PY -c "
import json
r = json.load(open(\"runs.json\"))
assert len(r) == 2 and all(\"jobs\" not in x and x[\"njobs\"] == 4 for x in r), r
"
'

test_expect_success 'a run the previous release wrote (Run.jobs a count, no provenance) prints the same shape' '
	cypher "CREATE (:Run:Unclaimed {key: \"20200101T000000Z-0a1b\", id: \"20200101T000000Z-0a1b\",
		status: \"succeeded\", started_at: datetime(\"2020-01-01T00:00:00Z\"), jobs: 3})" >/dev/null &&
	pmeta runs --all-workspaces --json >old.json &&
	json_valid runs old.json &&
	$PY -c "
import json
r = [x for x in json.load(open(\"old.json\")) if x[\"id\"] == \"20200101T000000Z-0a1b\"][0]
assert r[\"njobs\"] == 3 and r[\"workspace\"] is None and r[\"config_hash\"] is None, r
assert r[\"started_at\"] == \"2020-01-01T00:00:00.000Z\", r
"
'

test_expect_success 'a field the schema does not know, or a missing one, fails validation' '
	$PY -c "
import json
d = json.load(open(\"graph.json\"))
d[\"surprise\"] = 1
del d[\"jobs\"][0][\"blob\"]
json.dump(d, open(\"bad.json\", \"w\"))
" &&
	! json_valid status bad.json 2>err &&
	test_contains err "surprise" &&
	test_contains err "blob"
'

test_done
