#!/usr/bin/env bash
# pmeta run --openlineage FILE|URL: an OpenLineage RunEvent for every job
# start, completion, failure and abort, and for the run itself; every event
# parsed by the official openlineage-python client's classes and checked
# against the graph (tests/fixtures/openlineage_check.py). A URL gets each
# event POSTed (OpenLineage's HTTP transport) to a server of this test that
# is up, down, or slow; the run never fails for it, and `pmeta sync` sends
# what it did not take.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-clients.sh"

test_reset_graph
CHECK="$OPENLINEAGE_VENV/bin/python $TEST_ROOT/tests/fixtures/openlineage_check.py"

cat >server.py <<'EOF'
# server.py MODE PORT OUT: an OpenLineage endpoint on 127.0.0.1:PORT.
# up: appends each POSTed body to OUT (one line) and answers 201; slow: waits
# 30 s before answering. Any path but /api/v1/lineage is a 404.
import http.server, sys, time
mode, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if mode == "slow":
            time.sleep(30)
        if self.path != "/api/v1/lineage" or self.headers["Content-Type"] != "application/json":
            self.send_response(404); self.end_headers(); return
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(201); self.end_headers()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
EOF

# serve MODE PORT OUT: starts server.py, waits until it listens; its pid in server.pid.
serve() {
	python3 server.py "$1" "$2" "$3" &
	echo $! >server.pid
	for _ in $(seq 50); do
		python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
unserve() {
	[ -f server.pid ] && kill "$(cat server.pid)" 2>/dev/null; rm -f server.pid; return 0
}
last_run() { ls .pmeta/runs | tail -n 1; }
SQ="'"

test_expect_success OPENLINEAGE 'setup: a workspace with forks, runs to come' '
	clients_workspace >/dev/null
'

test_expect_success OPENLINEAGE 'a file gets one event a line; the client parses them; the graph agrees' '
	pmeta run -q p_002_v_000 --openlineage events.jsonl >out &&
	run=$(last_run) &&
	test "$(wc -l <events.jsonl)" = 12 &&
	$CHECK events.jsonl "$run" >check &&
	test_contains check "12 events, 1 runs, 5 jobs checked" &&
	cmp events.jsonl .pmeta/runs/$run/openlineage.jsonl &&
	test "$(cat .pmeta/runs/$run/openlineage.sent)" = "$(wc -c <events.jsonl)"
'

test_expect_success OPENLINEAGE 'the events: namespace, names, run ids, parent, datasets, source code' '
	run=$(last_run) &&
	python3 - events.jsonl "$run" <<-\EOF
	import json, sys, uuid
	events = [json.loads(l) for l in open(sys.argv[1])]
	run = sys.argv[2]
	u = lambda s: str(uuid.uuid5(uuid.NAMESPACE_URL, s))
	first, last = events[0], events[-1]
	assert (first["eventType"], last["eventType"]) == ("START", "COMPLETE"), (first, last)
	assert first["job"] == {"namespace": "ws", "name": "sche_001/p_002_v_000", "facets": first["job"]["facets"]}
	assert first["run"]["runId"] == u("pmeta:Run:ws/" + run)
	assert first["schemaURL"] == "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	gbdt = [e for e in events if e["job"]["name"] == "sche_001/p_002_v_000/model_gbdt"]
	assert [e["eventType"] for e in gbdt] == ["START", "COMPLETE"], gbdt
	e = gbdt[1]
	assert e["run"]["runId"] == u("pmeta:JobRun:ws/%s/model_gbdt/-" % run)
	assert e["run"]["facets"]["parent"]["run"]["runId"] == first["run"]["runId"]
	assert [d["name"] for d in e["inputs"]] == ["sche_001/proc_004_v_000"]
	assert [d["name"] for d in e["outputs"]] == ["sche_001/proc_004_v_000/predict"]
	src = e["job"]["facets"]["sourceCodeLocation"]
	assert src["path"] == "sche_001/pys/algo_local_model_gbdt_v_000.py" and len(src["version"]) == 40, src
	shards = sorted(x["run"]["runId"] for x in events if x["job"]["name"].endswith("/proc_001_v_000") and x["eventType"] == "START")
	assert shards == sorted(u("pmeta:JobRun:ws/%s/proc_001_v_000/%d" % (run, i)) for i in (0, 1)), shards
	drop = [x for x in events if x["job"]["name"].endswith("/proc_005_v_000")][0]["outputs"]
	assert [(d["name"], d["facets"].get("lifecycleStateChange", {}).get("lifecycleStateChange")) for d in drop] == \
	    [("sche_001/proc_005_v_000", None), ("sche_001/proc_001_v_000", "DROP")], drop
	print("ok")
	EOF
'

test_expect_success OPENLINEAGE 'a failure, its retry and the skips: FAIL with the error, ABORT for the skipped' '
	test_expect_code 1 env FAIL_STEP=proc_004_v_000 PMETA_OPENLINEAGE=fail.jsonl pmeta run -q p_002_v_000 >out &&
	$CHECK fail.jsonl "$(last_run)" >check &&
	test_contains check "runs, 5 jobs checked" &&
	grep "\"sche_001/p_002_v_000/proc_004_v_000\"" fail.jsonl | grep -c "\"RUNNING\"" >n && test "$(cat n)" = 1 &&
	grep "\"FAIL\"" fail.jsonl | grep -q "\"message\":\"exit 3\"" &&
	test "$(grep -c "\"ABORT\"" fail.jsonl)" = 2
'

test_expect_success OPENLINEAGE 'the check fails on an event the graph does not describe' '
	sed "0,/sche_001\/schema_input/s//sche_001\/other_input/" events.jsonl >bad.jsonl &&
	test_expect_code 1 $CHECK bad.jsonl >check &&
	test_contains check "inputs [${SQ}ws/sche_001/other_input${SQ}]" &&
	sed "1s/\"producer\"/\"extra\":1,\"producer\"/" events.jsonl >bad2.jsonl &&
	test_expect_code 1 $CHECK bad2.jsonl >check &&
	test_contains check "line 1: fields a RunEvent has not"
'

test_expect_success OPENLINEAGE 'base.conf openlineage = FILE (relative to the workspace root)' '
	cp sche_001/base.conf base.saved &&
	echo "openlineage = from-base.jsonl" >>sche_001/base.conf &&
	(cd sche_001 && pmeta run -q p_002_v_000 >/dev/null) &&
	cp base.saved sche_001/base.conf &&
	test "$(wc -l <from-base.jsonl)" = 12 &&
	$CHECK from-base.jsonl "$(last_run)" >/dev/null
'

test_expect_success OPENLINEAGE 'a URL: each event POSTed to /api/v1/lineage, in order' '
	port=$(free_port) &&
	serve up "$port" posted.jsonl &&
	pmeta run -q p_002_v_000 --openlineage "http://127.0.0.1:$port" >out 2>err;
	rc=$?; unserve; test $rc = 0 &&
	test_lacks err "OpenLineage" &&
	cmp posted.jsonl .pmeta/runs/$(last_run)/openlineage.jsonl &&
	$CHECK posted.jsonl "$(last_run)" >check &&
	test_contains check "12 events, 1 runs, 5 jobs checked"
'

test_expect_success OPENLINEAGE 'the endpoint down: the run succeeds, says so; pmeta sync sends the events later' '
	port=$(free_port) &&
	pmeta run -q p_002_v_000 --openlineage "http://127.0.0.1:$port/api/v1/lineage" >out 2>err &&
	run=$(last_run) &&
	test_contains err "OpenLineage: 12 of 12 events not delivered" &&
	test_contains err "pmeta sync" &&
	test "$(wc -l <.pmeta/runs/$run/openlineage.jsonl)" = 12 &&
	serve up "$port" late.jsonl &&
	pmeta sync >sync.out 2>&1;
	rc=$?; unserve; test $rc = 0 &&
	test_contains sync.out "openlineage: 12 event(s) of 1 run(s) sent" &&
	cmp late.jsonl .pmeta/runs/$run/openlineage.jsonl &&
	$CHECK late.jsonl "$run" >/dev/null &&
	pmeta sync >sync.out 2>&1 &&
	test_lacks sync.out "openlineage:"
'

test_expect_success OPENLINEAGE 'the endpoint slow: the run ends within its bound, the rest waits for sync' '
	port=$(free_port) &&
	serve slow "$port" slow.jsonl &&
	start=$(date +%s) &&
	PMETA_OPENLINEAGE_TIMEOUT=1 pmeta run -q p_002_v_000 --openlineage "http://127.0.0.1:$port" >out 2>err;
	rc=$?; took=$(( $(date +%s) - start )); unserve; test $rc = 0 &&
	test "$took" -le 12 &&
	test_contains err "events not delivered" &&
	test_expect_code 1 pmeta sync >sync.out 2>&1 &&
	test_contains sync.out "not delivered" &&
	port2=$(free_port) &&
	sed -i "s/:$port\//:$port2\//" .pmeta/runs/$(last_run)/openlineage.target &&
	serve up "$port2" slow-late.jsonl &&
	pmeta sync >sync.out 2>&1;
	rc=$?; unserve; test $rc = 0 &&
	$CHECK slow-late.jsonl "$(last_run)" >/dev/null
'

test_expect_success OPENLINEAGE 'a target that cannot be used is a usage error before anything runs' '
	n=$(ls .pmeta/runs | wc -l) &&
	test_expect_code 2 pmeta run -q p_002_v_000 --openlineage ftp://host/x 2>err &&
	test_contains err "only http:// and https:// URLs" &&
	test_expect_code 2 pmeta run -q p_002_v_000 --openlineage no/such/dir/events.jsonl 2>err &&
	test_contains err "no/such/dir/events.jsonl" &&
	test_expect_code 2 env PMETA_OPENLINEAGE_TIMEOUT=0 pmeta run -q p_002_v_000 --openlineage x.jsonl 2>err &&
	test "$(ls .pmeta/runs | wc -l)" = "$n"
'

test_done
