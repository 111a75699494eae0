#!/usr/bin/env bash
# Issue 14's scale benchmark in one run (prints figures; never a CI gate).
#
#   bench/scale/run.sh [all|start|plan|floor|run]...      (default: all)
#
# start  `pmeta version` against an empty program linked to the same
#        libraries: whole-process wall time (median of START_RUNS, alternated)
#        and, when valgrind is installed, callgrind instruction counts.
# plan   for each of PLAN_SIZES steps (default "10000 100000"), one layered
#        DAG (bench/plan/gen.py) as a pmeta config, a Makefile and a
#        Snakefile: `pmeta check`, `pmeta import` of a new config and of an
#        unchanged one, `pmeta plan --format json` (config imported) and
#        `make -n`, alternated REPEATS times (default 3), medians and each
#        one's ratio to `make -n` of the same repeat; Snakemake's `-n` once.
# floor  for each of FLOOR_SIZES steps (default "100000"): a new `pmeta
#        import` against floor.py, which writes a copy of the graph that
#        import made (same nodes, properties and edges) with the barest
#        Cypher, alternated REPEATS times: how far import is from what Neo4j
#        itself needs to store that graph.
# run    for each of RUN_SIZES trivial jobs (default "1000 10000"),
#        bench/run/gen.py's DAG: `pmeta run -j 2`, the same with --no-record,
#        and `make -j 2`, alternated REPEATS times, medians and ratios.
#
# Every figure is wall seconds and the peak RSS of the measured process
# (bench/scale/timed.py); Neo4j's own time and memory are not in pmeta's.
# The load average is printed around every table: the machine may be shared,
# so compare ratios (taken in the same loop), not seconds across runs.
#
# Needs: a built pmeta (make), a Neo4j of its own, started for instance by
#   NEO4J_DIR=build/neo4j-bench NEO4J_HTTP_PORT=7526 NEO4J_BOLT_PORT=7626 \
#     scripts/neo4j.sh start
# (NEO4J_HEAP unset: Neo4j's default 512 MB, which a 100,000-step import fits);
# its settings are read from $NEO4J_ENV (default build/neo4j-bench/env) unless
# NEO4J_URI is set. Snakemake comes from PyPI into a virtualenv under
# $BENCH_DIR (default /tmp/pmeta-bench-scale), installed on first use
# (SNAKEMAKE=0 skips it). The benchmark deletes the schedules bench_<N> from
# that graph.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/bench/scale
PMETA=${PMETA:-$top/pmeta}
OUT=${BENCH_DIR:-${TMPDIR:-/tmp}/pmeta-bench-scale}
REPEATS=${REPEATS:-3}
PLAN_SIZES=${PLAN_SIZES:-10000 100000}
RUN_SIZES=${RUN_SIZES:-1000 10000}
FLOOR_SIZES=${FLOOR_SIZES:-100000}
START_RUNS=${START_RUNS:-30}
SNAKEMAKE=${SNAKEMAKE:-1}
SNAKEMAKE_VERSION=${SNAKEMAKE_VERSION:-9.27.1}
export PMETA_NEO4J_TIMEOUT=${PMETA_NEO4J_TIMEOUT:-1800}
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@pmeta.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@pmeta.invalid
if [ -z "${NEO4J_URI:-}" ]; then
	set -a
	. "${NEO4J_ENV:-$top/build/neo4j-bench/env}"
	set +a
fi
[ $# -gt 0 ] || set -- all
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }

# cypher QUERY PARAMS_JSON: the reply on stdout; the password reaches curl
# through a config on stdin, never argv.
cypher() {
	python3 -c 'import json,sys; print(json.dumps({"statements":[{"statement":sys.argv[1],"parameters":json.loads(sys.argv[2])}]}))' "$1" "$2" >"$tmp/body"
	printf 'user = "%s:%s"\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD" |
		curl -sS -K - -H 'Content-Type: application/json' --max-time 1800 \
			--data-binary @"$tmp/body" "$NEO4J_URI/db/${NEO4J_DATABASE:-neo4j}/tx/commit"
}

forget_schedule() {
	# Every step of the schedule's processes: current, retired, or left by a killed import.
	cypher 'MATCH (p:Process {schedule: $s}) MATCH (n:Step {process: p.key}) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS' "{\"s\":\"$1\"}" >/dev/null
	cypher 'MATCH (n) WHERE (n:Process OR n:Dataset OR n:Procedure) AND n.schedule = $s CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS' "{\"s\":\"$1\"}" >/dev/null
	cypher 'MATCH (n:Schedule {name: $s}) DETACH DELETE n' "{\"s\":\"$1\"}" >/dev/null
}

# t NAME CMD...: one timed run of CMD, appended to $tmp/NAME.
t() {
	local name=$1
	shift
	python3 "$here/timed.py" "$tmp/res.$name" "$@" || {
		echo "warning: $name failed (exit $?): $(tail -n 3 "$tmp/res.$name.err" | tr '\n' ' ')" >&2
	}
}

# stats NAME [FLOOR]: "median s, peak MB" of the successful runs of NAME and,
# with FLOOR, the median of the per-repeat ratios NAME/FLOOR (runs pair up
# by their line number: the same repeat of the loop).
stats() {
	python3 - "$tmp/res.$1" ${2:+"$tmp/res.$2"} <<'EOF'
import statistics, sys
def rows(p):
    try:
        return [l.split() for l in open(p)]
    except OSError:
        return []
a = rows(sys.argv[1])
ok = [r for r in a if r[2] == "0"]
if not ok:
    print("failed" + (" | -" if len(sys.argv) > 2 else ""))
    sys.exit()
s = "%.3f s, %d MB" % (statistics.median(float(r[0]) for r in ok),
                       max(int(r[1]) for r in ok) // 1024)
if len(sys.argv) > 2:
    b = rows(sys.argv[2])
    q = [float(x[0]) / float(y[0]) for x, y in zip(a, b) if x[2] == "0" and y[2] == "0" and float(y[0]) > 0]
    s += " | %.2fx" % statistics.median(q) if q else " | -"
print(s)
EOF
}

pmeta_version() { "$PMETA" version | head -n1; }

echo "# pmeta scale benchmark (issue 14), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
echo "# $(pmeta_version); neo4j $NEO4J_URI; load average at start $(load)"

section_start() {
	local cflags libs empty=$tmp/empty
	echo
	echo "## Start-up: pmeta version against an empty program with the same libraries"
	# pmeta's own link line, from its Makefile.
	printf 'include Makefile\nprint-libs:\n\t@echo $(LIBS)\n' >"$tmp/libs.mk"
	libs=$(cd "$top" && make -s -f "$tmp/libs.mk" print-libs 2>/dev/null || true)
	[ -n "$libs" ] || libs="-lcurl -ljansson -lgit2 -linih -lz -lm -lpthread"
	cflags=-O2
	# --no-as-needed: the loader maps and relocates every library, as for pmeta.
	cc $cflags -o "$empty" "$here/empty.c" -Wl,--no-as-needed $libs
	echo "# load average before: $(load)"
	for _ in $(seq "$START_RUNS"); do
		t version "$PMETA" version
		t empty "$empty"
	done
	echo
	echo "| program | whole process (median of $START_RUNS) | x empty | instructions (callgrind) | x empty |"
	echo "|---|---:|---:|---:|---:|"
	local iv= ie=
	if command -v valgrind >/dev/null; then
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.v" "$PMETA" version >/dev/null 2>"$tmp/cg.v.log" &&
			iv=$(sed -n 's/.*refs: *//p' "$tmp/cg.v.log" | tr -d ,)
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.e" "$empty" >/dev/null 2>"$tmp/cg.e.log" &&
			ie=$(sed -n 's/.*refs: *//p' "$tmp/cg.e.log" | tr -d ,)
	fi
	local sv se
	sv=$(stats version empty)
	se=$(stats empty)
	echo "| pmeta version | ${sv% |*} | ${sv#*| } | ${iv:-n/a} | $([ -n "$iv" ] && [ -n "$ie" ] && awk -v a="$iv" -v b="$ie" 'BEGIN { printf "%.2fx", a / b }' || echo -) |"
	echo "| empty program | $se | 1.00x | ${ie:-n/a} | 1.00x |"
	echo "# load average after: $(load)"
}

snakemake_bin() {
	local venv=$OUT/venv
	if [ ! -x "$venv/bin/snakemake" ]; then
		echo "# installing snakemake $SNAKEMAKE_VERSION from PyPI into $venv" >&2
		python3 -m venv "$venv" >&2
		"$venv/bin/pip" install -q "snakemake==$SNAKEMAKE_VERSION" >&2
	fi
	echo "$venv/bin/snakemake"
}

section_plan() {
	local n dir conf sched r sm= smv=
	if [ "$SNAKEMAKE" = 1 ]; then
		sm=$(snakemake_bin)
		smv=$("$sm" --version)
	fi
	# Warm-up: the first run of each query text pays for Cypher planning.
	rm -rf "$OUT/w64"
	python3 "$top/bench/plan/gen.py" 64 "$OUT/w64" --schedule bench_64
	git -C "$OUT/w64" init -q
	# Without the migrations' uniqueness constraints every MERGE scans a label.
	(cd "$OUT/w64" && "$PMETA" migrate >/dev/null)
	forget_schedule bench_64
	(cd "$OUT/w64" && "$PMETA" import -q bench_64/process_config/p_001_v_000/main.conf &&
		"$PMETA" import -q bench_64/process_config/p_001_v_000/main.conf &&
		"$PMETA" plan --format json p_001_v_000 >/dev/null)
	echo
	echo "## Plan: check, import, plan against make -n and Snakemake -n"
	echo
	echo "Medians of $REPEATS repeats; 'x make' is the median of each repeat's ratio to"
	echo "\`make -n\` in the same repeat. Snakemake ${smv:-(skipped)}: one run."
	for n in $PLAN_SIZES; do
		sched=bench_$n
		dir=$OUT/w$n
		conf=$sched/process_config/p_001_v_000/main.conf
		rm -rf "$dir"
		python3 "$top/bench/plan/gen.py" "$n" "$dir" --schedule "$sched" --snakefile
		git -C "$dir" init -q
		rm -f "$tmp"/res.p"$n".*
		echo
		echo "### $n steps (load average before: $(load))"
		for r in $(seq "$REPEATS"); do
			forget_schedule "$sched"
			(
				cd "$dir"
				t p$n.make make -n -f Makefile all
				t p$n.check "$PMETA" check -q "$conf"
				t p$n.import_new "$PMETA" import -q "$conf"
				t p$n.import_same "$PMETA" import -q "$conf"
				t p$n.plan "$PMETA" plan --format json p_001_v_000
			)
		done
		if [ -n "$sm" ]; then
			(cd "$dir" && rm -rf .snakemake && t p$n.snakemake "$sm" -n -p -c1)
		fi
		echo
		echo "| $n steps | median, peak RSS | x make -n |"
		echo "|---|---:|---:|"
		echo "| make -n (floor) | $(stats p$n.make p$n.make) |"
		echo "| pmeta check | $(stats p$n.check p$n.make) |"
		echo "| pmeta import (new) | $(stats p$n.import_new p$n.make) |"
		echo "| pmeta import (unchanged) | $(stats p$n.import_same p$n.make) |"
		echo "| pmeta plan --format json | $(stats p$n.plan p$n.make) |"
		if [ -n "$sm" ]; then
			local s
			s=$(stats p$n.snakemake)
			echo "| snakemake -n (one run) | $s | $(python3 -c 'import statistics,sys; a=float(open(sys.argv[1]).read().split()[0]); b=statistics.median(float(l.split()[0]) for l in open(sys.argv[2])); print("%.1fx" % (a / b))' "$tmp/res.p$n.snakemake" "$tmp/res.p$n.make" 2>/dev/null || echo -) |"
		fi
		echo
		echo "load average after: $(load)"
	done
}

section_floor() {
	local n dir conf sched key
	echo
	echo "## Import against its floor: the same graph written by the barest Cypher"
	echo
	echo "Medians of $REPEATS alternated repeats; floor.py times only its writes."
	for n in $FLOOR_SIZES; do
		sched=bench_$n
		dir=$OUT/w$n
		conf=$sched/process_config/p_001_v_000/main.conf
		if [ ! -f "$dir/$conf" ]; then
			rm -rf "$dir"
			python3 "$top/bench/plan/gen.py" "$n" "$dir" --schedule "$sched"
			git -C "$dir" init -q
		fi
		(cd "$dir" && "$PMETA" migrate >/dev/null)
		rm -f "$tmp"/res.f"$n".*
		echo
		echo "### $n steps (load average before: $(load))"
		for r in $(seq "$REPEATS"); do
			forget_schedule "$sched"
			(cd "$dir" && t f$n.import "$PMETA" import -q "$conf")
			key=$(cypher 'MATCH (p:Process {schedule: $s, name: "p_001_v_000"}) RETURN p.key' "{\"s\":\"$sched\"}" |
				python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["data"][0]["row"][0])')
			python3 "$here/floor.py" "$tmp/res.f$n.floor" "$key"
		done
		echo
		echo "| $n steps | median, peak RSS | x floor |"
		echo "|---|---:|---:|"
		echo "| floor.py (writes only) | $(stats f$n.floor f$n.floor) |"
		echo "| pmeta import (new) | $(stats f$n.import f$n.floor) |"
		echo
		echo "load average after: $(load)"
	done
}

section_run() {
	local n dir conf
	echo
	echo "## Run: pmeta run -j 2 (recording), --no-record, and make -j 2"
	echo
	echo "Trivial jobs (\`true\`) in bench/run/gen.py's DAG; medians of $REPEATS"
	echo "alternated repeats; 'x make' is the median of each repeat's ratio."
	for n in $RUN_SIZES; do
		dir=$OUT/run$n
		rm -rf "$dir"
		python3 "$top/bench/run/gen.py" dag "$n" "$dir"
		(cd "$dir" && git init -q -b main && git add -A && git commit -q -m bench)
		conf=$(cd "$dir" && echo sche_001/process_config/p_*/main.conf)
		(cd "$dir" && "$PMETA" migrate >/dev/null && "$PMETA" import -q "$conf")
		rm -f "$tmp"/res.r"$n".*
		# Warm-up, not timed: the first run after Neo4j starts pays for
		# planning and compiling the record queries (2x at 1,000 jobs).
		(cd "$dir" && "$PMETA" run "$conf" -j 2 -q >/dev/null 2>&1 || true)
		echo
		echo "### $n jobs (load average before: $(load))"
		for r in $(seq "$REPEATS"); do
			(
				cd "$dir"
				t r$n.make make -s -j 2 -f Makefile all
				t r$n.rec "$PMETA" run "$conf" -j 2 -q
				t r$n.norec "$PMETA" run "$conf" -j 2 -q --no-record
			)
		done
		echo
		echo "| $n jobs | median, peak RSS | x make -j 2 |"
		echo "|---|---:|---:|"
		echo "| make -j 2 (floor) | $(stats r$n.make r$n.make) |"
		echo "| pmeta run -j 2 | $(stats r$n.rec r$n.make) |"
		echo "| pmeta run -j 2 --no-record | $(stats r$n.norec r$n.make) |"
		echo "| recording's cost: run / --no-record | $(stats r$n.rec r$n.norec | sed 's/.*| //') | |"
		echo
		echo "load average after: $(load)"
	done
}

for what in "$@"; do
	case $what in
	all) section_start; section_plan; section_floor; section_run ;;
	start) section_start ;;
	plan) section_plan ;;
	floor) section_floor ;;
	run) section_run ;;
	*) echo "usage: bench/scale/run.sh [all|start|plan|floor|run]..." >&2; exit 2 ;;
	esac
done
