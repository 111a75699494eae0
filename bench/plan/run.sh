#!/usr/bin/env bash
# Benchmark of check, import and plan on generated layered DAGs (gen.py),
# beside `make -n` over the equivalent Makefile and a naive plan asking
# Neo4j for every [:AFTER*] path. Prints a markdown table; not a test.
#
#   bench/plan/run.sh [N...]        (default: 1000 10000 100000)
#
# Then a second table: the naive plan against pmeta's on small DAGs
# (NAIVE_SIZES, default "64 96 128 160 192 224"), to show how the path
# query grows with the depth (16 steps per layer).
#
# Environment: NEO4J_* (default: build/neo4j/env), BENCH_DIR (workspaces,
# default /tmp/pmeta-bench-plan), NAIVE_TIMEOUT (seconds, default 60),
# PMETA (binary, default ./pmeta). Each size uses its own schedule
# (bench_N) of workspace bench-plan, deleted from the graph before it is
# imported.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/bench/plan
PMETA=${PMETA:-$top/pmeta}
OUT=${BENCH_DIR:-${TMPDIR:-/tmp}/pmeta-bench-plan}
NAIVE_TIMEOUT=${NAIVE_TIMEOUT:-60}
export PMETA_NEO4J_TIMEOUT=${PMETA_NEO4J_TIMEOUT:-1800}
if [ -z "${NEO4J_URI:-}" ]; then
	set -a
	. "$top/build/neo4j/env"
	set +a
fi
if [ $# -eq 0 ]; then
	set -- 1000 10000 100000
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cypher QUERY PARAMS_JSON [MAX_TIME]: the reply on stdout; the password
# reaches curl through a config on stdin, never argv.
cypher() {
	python3 -c 'import json,sys; print(json.dumps({"statements":[{"statement":sys.argv[1],"parameters":json.loads(sys.argv[2])}]}))' "$1" "$2" >"$tmp/body"
	printf 'user = "%s:%s"\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD" |
		curl -sS -K - -H 'Content-Type: application/json' --max-time "${3:-600}" \
			--data-binary @"$tmp/body" "$NEO4J_URI/db/${NEO4J_DATABASE:-neo4j}/tx/commit"
}

# timed LABEL CMD...: runs CMD (stdout discarded), sets $secs and $mb.
timed() {
	local label=$1
	shift
	if ! /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err"; then
		echo "error: $label failed:" >&2
		tail -n 5 "$tmp/err" >&2
		secs=fail
		mb=-
		return 0
	fi
	read -r secs kb <"$tmp/time"
	mb=$((kb / 1024))
}

# naive PROCESS_KEY: sets $naive to the seconds the path query took, or to
# "> T s (stopped)" after terminating it on the server.
naive() {
	local start
	start=$(date +%s.%N)
	if cypher "$(cat "$here/naive.cypher")" "{\"process\": \"$1\"}" "$NAIVE_TIMEOUT" >"$tmp/naive" 2>/dev/null &&
		! grep -q '"errors":\[{' "$tmp/naive"; then
		naive="$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $start}") s"
	else
		naive="> $NAIVE_TIMEOUT s (stopped)"
		ids=$(cypher 'SHOW TRANSACTIONS YIELD transactionId, currentQuery WHERE currentQuery CONTAINS "[:AFTER" + "*]" RETURN collect(transactionId)' '{}' |
			python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["results"][0]["data"][0]["row"][0]))')
		cypher 'TERMINATE TRANSACTIONS $ids' "{\"ids\": $ids}" >/dev/null || true
	fi
}

forget_schedule() {
	cypher 'MATCH (:Process {schedule: $s})-[:HAS_STEP]->(n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS' "{\"s\":\"$1\"}" >/dev/null
	cypher 'MATCH (n) WHERE (n:Process OR n:Dataset OR n:Procedure) AND n.schedule = $s CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS' "{\"s\":\"$1\"}" >/dev/null
	cypher 'MATCH (n:Schedule {name: $s}) DETACH DELETE n' "{\"s\":\"$1\"}" >/dev/null
}

workspace() {
	local n=$1 dir=$OUT/w$1
	rm -rf "$dir"
	python3 "$here/gen.py" "$n" "$dir" --schedule "bench_$n"
	git -C "$dir" init -q
	# The identity as `pmeta init --workspace` writes it: keys are bench-plan/...
	mkdir -p "$dir/.pmeta" && echo bench-plan >"$dir/.pmeta/workspace"
}

echo "# pmeta plan benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# neo4j: $NEO4J_URI; pmeta: $("$PMETA" version 2>/dev/null | head -n1)"

# Warm-up: the first run of each query pays for Cypher planning; measure warm.
workspace 64 >/dev/null
forget_schedule bench_64
(cd "$OUT/w64" && "$PMETA" import -q bench_64/process_config/p_001_v_000/main.conf &&
	"$PMETA" plan --format json p_001_v_000 >/dev/null)
cypher "$(cat "$here/naive.cypher")" '{"process": "bench-plan/bench_64/p_001_v_000"}' >/dev/null

echo
echo "| steps | AFTER edges | check | import (new) | import (again) | plan json (warm, best of 3) | make -n | naive [:AFTER*] plan |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "$@"; do
	workspace "$n"
	forget_schedule "bench_$n"
	conf=bench_$n/process_config/p_001_v_000/main.conf
	cd "$OUT/w$n"
	timed check "$PMETA" check -q "$conf"
	check="$secs s, $mb MB"
	timed import "$PMETA" import -q "$conf"
	import1="$secs s, $mb MB"
	timed import "$PMETA" import -q "$conf"
	import2="$secs s, $mb MB"
	best=
	bestmb=-
	for i in 1 2 3; do
		timed plan "$PMETA" plan --format json p_001_v_000
		[ "$secs" = fail ] && continue
		if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then
			best=$secs
			bestmb=$mb
		fi
	done
	plan="$best s, $bestmb MB"
	"$PMETA" plan --format json p_001_v_000 >"$tmp/plan.json"
	stages=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["stages"]))' "$tmp/plan.json")
	edges=$(cypher 'MATCH (:Process {key: $p})-[:HAS_STEP]->(:Step)-[r:AFTER]->() RETURN count(r)' \
		"{\"p\":\"bench-plan/bench_$n/p_001_v_000\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["data"][0]["row"][0])')
	timed make make -n -f Makefile all
	makef="$secs s, $mb MB"
	naive "bench-plan/bench_$n/p_001_v_000"
	cd - >/dev/null
	echo "| $n ($stages stages) | $edges | $check | $import1 | $import2 | $plan | $makef | $naive |"
done


echo
echo "| steps (layers) | AFTER edges | pmeta plan json | naive [:AFTER*] plan |"
echo "|---:|---:|---:|---:|"
for n in ${NAIVE_SIZES:-64 96 128 160 192 224}; do
	workspace "$n" >/dev/null
	forget_schedule "bench_$n"
	cd "$OUT/w$n"
	"$PMETA" import -q "bench_$n/process_config/p_001_v_000/main.conf"
	timed plan "$PMETA" plan --format json p_001_v_000
	plan="$secs s"
	edges=$(cypher 'MATCH (:Process {key: $p})-[:HAS_STEP]->(:Step)-[r:AFTER]->() RETURN count(r)' \
		"{\"p\":\"bench-plan/bench_$n/p_001_v_000\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["data"][0]["row"][0])')
	naive "bench-plan/bench_$n/p_001_v_000"
	cd - >/dev/null
	echo "| $n ($((n / 16))) | $edges | $plan | $naive |"
done
