#!/usr/bin/env bash
# Typed values in the graph (times, step keys) and history kept across
# edits: a step removed from a config keeps its past runs, and comes back
# as the same node (docs/graph.md).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

# value_type QUERY [PARAMS]: Neo4j's name of the type of the first cell.
value_type() {
	cypher_value "$1" "${2:-{\}}"
}

test_expect_success 'setup: empty graph, migrations, three steps with typed keys' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 &&
	printf "interpreter = %s\ntemplate = {interpreter} ./{script} --sname={schedule} --t={threshold}\n" "$PY" >sche_t/base.conf &&
	cat > $CONF <<-EOF &&
	[proc_001_v_000]
	max_shard = 2
	threshold = 0.50
	flag = true
	loud = False
	label = first one
	retries = 1

	[proc_002_v_000]
	last_proc = proc_001_v_000
	threshold = 1

	[proc_003_v_000]
	last_proc = proc_002_v_000
	threshold = 1.0
	EOF
	commit_workspace &&
	pmeta import $CONF >/dev/null
'

S1=ws/sche_t/p_001_v_000/proc_001_v_000
S3=ws/sche_t/p_001_v_000/proc_003_v_000

test_expect_success 'step keys are typed: integer, float, boolean, string' '
	test_eq "$(value_type "MATCH (s:Step {key: \$k}) RETURN valueType(s.max_shard)" "{\"k\": \"$S1\"}")" "INTEGER NOT NULL" &&
	test_eq "$(value_type "MATCH (s:Step {key: \$k}) RETURN valueType(s.retries)" "{\"k\": \"$S1\"}")" "INTEGER NOT NULL" &&
	test_eq "$(value_type "MATCH (s:Step {key: \$k}) RETURN valueType(s.threshold)" "{\"k\": \"$S1\"}")" "FLOAT NOT NULL" &&
	test_eq "$(value_type "MATCH (s:Step {key: \$k}) RETURN valueType(s.flag)" "{\"k\": \"$S1\"}")" "BOOLEAN NOT NULL" &&
	test_eq "$(value_type "MATCH (s:Step {key: \$k}) RETURN valueType(s.label)" "{\"k\": \"$S1\"}")" "STRING NOT NULL" &&
	test_eq "$(value_type "MATCH (s:Step {key: \$k}) RETURN valueType(s.threshold)" "{\"k\": \"$S3\"}")" "FLOAT NOT NULL" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \$k}) RETURN s.loud = false AND s.flag = true" "{\"k\": \"$S1\"}")" True
'

test_expect_success 'the config text stays where the typed value prints otherwise' '
	test_eq "$(cypher_value "MATCH (s:Step {key: \$k}) RETURN reduce(t = \"\", r IN s.raw_values | t + r + \";\")" "{\"k\": \"$S1\"}")" "threshold=0.50;loud=False;" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \$k}) RETURN coalesce(s.raw_values, \"none\")" "{\"k\": \"$S3\"}")" none
'

test_expect_success 'typed queries: WHERE s.max_shard > 1, s.threshold < 0.6, s.flag' '
	test_eq "$(cypher_value "MATCH (s:Step) WHERE s.max_shard > 1 RETURN collect(s.key)[0] + \" \" + count(s)")" "$S1 1" &&
	test_eq "$(cypher_value "MATCH (s:Step) WHERE s.threshold < 0.6 RETURN count(s)")" 1 &&
	test_eq "$(cypher_value "MATCH (s:Step) WHERE s.threshold >= 1 RETURN count(s)")" 2 &&
	test_eq "$(cypher_value "MATCH (s:Step) WHERE s.flag RETURN count(s)")" 1
'

test_expect_success 'a command template gets the config text, from the graph as from the file' '
	pmeta plan --format json $CONF >plan.json &&
	test_contains plan.json "--t=0.50 --shard=0 --max_shard=2" &&
	test_contains plan.json "proc_002_v_000.py --sname=sche_t --t=1\"" &&
	test_contains plan.json "proc_003_v_000.py --sname=sche_t --t=1.0\"" &&
	pmeta plan --format json p_001_v_000 >by-name.json &&
	test_cmp plan.json by-name.json
'

test_expect_success 'run times are datetime values; durations numbers' '
	pmeta run $CONF -q >out && id=$(run_id_of out) && echo $id >run1.id &&
	test_eq "$(value_type "MATCH (r:Run {id: \$id}) RETURN valueType(r.started_at)" "{\"id\": \"$id\"}")" "ZONED DATETIME NOT NULL" &&
	test_eq "$(value_type "MATCH (r:Run {id: \$id}) RETURN valueType(r.finished_at)" "{\"id\": \"$id\"}")" "ZONED DATETIME NOT NULL" &&
	test_eq "$(value_type "MATCH (r:Run {id: \$id}) RETURN valueType(r.duration_ms)" "{\"id\": \"$id\"}")" "INTEGER NOT NULL" &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j) RETURN reduce(t = \"\", v IN collect(DISTINCT valueType(j.started_at)) + collect(DISTINCT valueType(j.finished_at)) | t + v + \";\")" "{\"id\": \"$id\"}")" \
		"ZONED DATETIME NOT NULL;ZONED DATETIME NOT NULL;" &&
	test_eq "$(value_type "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j) RETURN collect(DISTINCT valueType(j.duration_ms))[0]" "{\"id\": \"$id\"}")" "INTEGER NOT NULL"
'

test_expect_success 'typed queries: r.started_at > datetime() - duration(P1D) finds the run, + P1D none' '
	id=$(cat run1.id) &&
	test_eq "$(cypher_value "MATCH (r:Run) WHERE r.started_at > datetime() - duration(\"P1D\") RETURN count(r) + \" \" + collect(r.id)[0]")" "1 $id" &&
	test_eq "$(cypher_value "MATCH (r:Run) WHERE r.started_at > datetime() + duration(\"P1D\") RETURN count(r)")" 0 &&
	test_eq "$(cypher_value "MATCH (j:JobRun) WHERE j.finished_at >= j.started_at RETURN count(j)")" 4 &&
	test_eq "$(cypher_value "MATCH (r:Run) WHERE r.finished_at < r.started_at + duration(\"PT1H\") RETURN count(r)")" 1
'

test_expect_success 'status, runs and lineage still print times readably' '
	id=$(cat run1.id) &&
	pmeta status >st && test_contains st "run       $id  succeeded" &&
	grep -E "^started   20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z  finished 20[0-9]{2}-" st &&
	pmeta status --json >st.json &&
	$PY -c "import json,sys; r=json.load(open(\"st.json\")); assert r[\"started_at\"].startswith(\"20\") and r[\"started_at\"].endswith(\"Z\"), r" &&
	pmeta runs >runs && grep -E "^$id +succeeded +sche_t/p_001_v_000 +20[0-9]{2}-[0-9]{2}-[0-9]{2}T" runs &&
	pmeta fork proc_003_v_000 --patch -m later >/dev/null &&
	test_eq "$(value_type "MATCH ()-[f:FORKED_FROM]->() RETURN valueType(f.at)")" "ZONED DATETIME NOT NULL" &&
	pmeta lineage proc_003_v_000 >lin &&
	grep -E "proc_003_v_001  patch  20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9a-f]{12}" lin
'

test_expect_success 'a step removed from the config leaves the process but keeps its runs' '
	id=$(cat run1.id) &&
	before=$(cypher_value "MATCH (j:JobRun)-[:OF]->(:Step {key: \$k}) RETURN count(j)" "{\"k\": \"$S3\"}") &&
	test_eq "$before" 1 &&
	$PY - "$CONF" <<-EOF &&
	import sys
	t = open(sys.argv[1]).read()
	open(sys.argv[1], "w").write(t[:t.index("[proc_003_v_000]")])
	EOF
	pmeta import $CONF >out &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \$k}) RETURN count(s)" "{\"k\": \"$S3\"}")" 1 &&
	test_eq "$(cypher_value "MATCH (j:JobRun)-[:OF]->(:Step {key: \$k}) RETURN count(j)" "{\"k\": \"$S3\"}")" 1 &&
	test_eq "$(cypher_value "MATCH (j:JobRun {key: \$j})-[:OF]->(s) RETURN s.key" "{\"j\": \"ws/$id/proc_003_v_000/-\"}")" "$S3" &&
	test_eq "$(cypher_value "MATCH (:Process)-[:HAS_STEP]->(s:Step {key: \$k}) RETURN count(s)" "{\"k\": \"$S3\"}")" 0 &&
	test_eq "$(value_type "MATCH (:Process {key: \"ws/sche_t/p_001_v_000\"})-[h:HAD_STEP]->(:Step {key: \$k}) RETURN valueType(h.retired_at)" "{\"k\": \"$S3\"}")" "ZONED DATETIME NOT NULL" &&
	test_eq "$(cypher_value "MATCH (:Step {key: \$k})-[r:READS|WRITES|AFTER]-() RETURN count(r)" "{\"k\": \"$S3\"}")" 0 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \$k})-[:RUNS]->(p) RETURN p.name" "{\"k\": \"$S3\"}")" proc_003_v_000
'

test_expect_success 'a retired step is neither planned, run, nor shown as current' '
	pmeta plan $CONF >plan &&
	test_lacks plan proc_003_v_000 &&
	test_contains plan "2 steps, 3 jobs, 2 stages" &&
	pmeta lineage p_001_v_000 >lin &&
	test_lacks lin proc_003_v_000 &&
	pmeta lineage proc_003_v_000 >lin3 &&
	test_lacks lin3 "used by" &&
	pmeta run $CONF -q >out && id2=$(run_id_of out) &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:HAS_JOB]->(j) RETURN count(j)" "{\"id\": \"$id2\"}")" 3 &&
	pmeta status "$(cat run1.id)" >old && test_contains old proc_003_v_000
'

test_expect_success 're-added, it is the same step: no duplicate, old runs still linked' '
	printf "\n[proc_003_v_000]\nlast_proc = proc_002_v_000\nthreshold = 1.0\n" >>$CONF &&
	pmeta import $CONF >/dev/null &&
	test_eq "$(cypher_value "MATCH (s:Step {name: \"proc_003_v_000\"}) RETURN count(s)")" 1 &&
	test_eq "$(cypher_value "MATCH (:Process {key: \"ws/sche_t/p_001_v_000\"})-[h:HAS_STEP]->(:Step {key: \$k}) RETURN count(h)" "{\"k\": \"$S3\"}")" 1 &&
	test_eq "$(cypher_value "MATCH ()-[h:HAD_STEP]->() RETURN count(h)")" 0 &&
	test_eq "$(cypher_value "MATCH (:Step {key: \$k})-[:READS]->(d) RETURN d.name" "{\"k\": \"$S3\"}")" proc_002_v_000 &&
	pmeta run $CONF -q >out &&
	test_eq "$(cypher_value "MATCH (j:JobRun)-[:OF]->(:Step {key: \$k}) RETURN count(j)" "{\"k\": \"$S3\"}")" 2 &&
	pmeta import $CONF >again && test_contains again "0 nodes and 0 relationships created, 0 nodes and 0 relationships deleted, 0 properties set"
'

test_expect_success 'a step key removed from a section goes; its type follows the value' '
	sed -i "s/^threshold = 1\$/threshold = high/" $CONF &&
	pmeta import $CONF >/dev/null &&
	test_eq "$(value_type "MATCH (s:Step {key: \"ws/sche_t/p_001_v_000/proc_002_v_000\"}) RETURN valueType(s.threshold)")" "STRING NOT NULL"
'

test_expect_success 'workspace and raw_values are reserved: a config may not set them' '
	printf "[proc_001_v_000]\nworkspace = x\nraw_values = y\n" >sche_t/process_config/p_001_v_000/bad.conf &&
	mkdir -p sche_t/process_config/p_009_v_000 &&
	mv sche_t/process_config/p_001_v_000/bad.conf sche_t/process_config/p_009_v_000/main.conf &&
	test_expect_code 3 pmeta check sche_t/process_config/p_009_v_000/main.conf 2>err &&
	test_contains err "main.conf:2: '\''workspace'\'' is reserved" &&
	test_contains err "main.conf:3: '\''raw_values'\'' is reserved"
'

test_done
