#!/usr/bin/env bash
# Benchmark of `pmeta run` (prints figures; never a CI gate).
#
#   bench/run/bench.sh [REPEATS [all|dag|cpu]]      (default 3 all)
#
# 1. Overhead per job: layered DAGs of 1,000 and 10,000 trivial jobs (`true`)
#    run by `pmeta run -j 2` (recording to Neo4j, and with --no-record) and by
#    GNU `make -j 2` over the same DAG as a Makefile, alternated in the same
#    loop so both see the same machine load.
# 2. Speedup -j 1 -> -j 2 on 8 CPU-bound shards (fixed Python loop each).
#
# Times: whole command (plan_load, run, last flush of the records) for the
# DAGs; the worker loop ("in N s" of the summary) for the shards.
# Run folders are kept between repeats (deleting 10,000 files just before
# the next run makes ext4's inode allocation slow: `recently_deleted`).
#
# Needs the Neo4j of build/neo4j/env (make neo4j-start). Workspaces go under
# $BENCH_DIR (default: a folder under $TMPDIR or /tmp, outside the checkout).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
repeats=${1:-3}
what=${2:-all}   # all | dag | cpu
work=${BENCH_DIR:-${TMPDIR:-/tmp}/pmeta-bench-run-$(printf %s "$top" | cksum | cut -d" " -f1)}
pmeta=$top/pmeta
set -a
. "$top/build/neo4j/env"
set +a
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@pmeta.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@pmeta.invalid

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

workspace() {  # workspace DIR GEN-ARGS...
	local dir=$1
	shift
	rm -rf "$dir"
	"$top/bench/run/gen.py" "$@" "$dir"
	(cd "$dir" && git init -q -b main && git add -A && git commit -q -m bench)
}

echo "# pmeta run benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr)"
echo "# repeats: $repeats (figures are medians); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# (other processes may share the cores: compare figures of the same run only)"
echo

[ "$what" = cpu ] || printf '%-8s %-22s %10s %12s %10s\n' jobs runner seconds ms/job "x make"
for n in 1000 10000; do
	[ "$what" = cpu ] && break
	dir=$work/dag-$n
	workspace "$dir" dag "$n"
	conf=$(cd "$dir" && echo sche_001/process_config/p_*/main.conf)
	(cd "$dir" && PMETA_NEO4J_TIMEOUT=600 "$pmeta" import "$conf" >/dev/null 2>&1)
	: >"$work/make.$n" >"$work/rec.$n" >"$work/norec.$n" >"$work/loop.$n"
	for r in $(seq "$repeats"); do
		t0=$(now); (cd "$dir" && make -s -j 2 -f Makefile all >/dev/null); t1=$(now)
		{ secs "$t0" "$t1"; echo; } >>"$work/make.$n"
		t0=$(now); (cd "$dir" && "$pmeta" run "$conf" -j 2 -q >"$work/out.$n"); t1=$(now)
		{ secs "$t0" "$t1"; echo; } >>"$work/rec.$n"
		sed -n 's/.* in \([0-9.]*\)s$/\1/p' "$work/out.$n" >>"$work/loop.$n"
		t0=$(now); (cd "$dir" && "$pmeta" run "$conf" -j 2 -q --no-record >/dev/null); t1=$(now)
		{ secs "$t0" "$t1"; echo; } >>"$work/norec.$n"
	done
	m=$(median <"$work/make.$n")
	for kind in make rec loop norec; do
		v=$(median <"$work/$kind.$n")
		case $kind in
		make) label="make -j 2" ;;
		rec) label="pmeta run -j 2" ;;
		loop) label="  (its worker loop)" ;;
		norec) label="pmeta run --no-record" ;;
		esac
		printf '%-8s %-22s %10.3f %12.3f %10.2f\n' "$n" "$label" "$v" \
			"$(awk -v v="$v" -v n="$n" 'BEGIN { print v * 1000 / n }')" \
			"$(awk -v v="$v" -v m="$m" 'BEGIN { print v / m }')"
	done
done

[ "$what" = dag ] && exit 0
echo
dir=$work/cpu
workspace "$dir" cpu 8 12
conf=sche_001/process_config/p_002_v_000/main.conf
(cd "$dir" && "$pmeta" import "$conf" >/dev/null 2>&1)
: >"$work/j1" >"$work/j2" >"$work/m1" >"$work/m2" >"$work/c1" >"$work/c2"
for r in $(seq "$repeats"); do
	for j in 1 2; do
		(cd "$dir" && "$pmeta" run "$conf" -j $j -q >"$work/cpu.out")
		sed -n 's/.* in \([0-9.]*\)s$/\1/p' "$work/cpu.out" >>"$work/j$j"
		# concurrency: the jobs' summed durations over the loop's wall time
		(cd "$dir" && "$pmeta" status --json) | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%.2f" % (sum(j["duration_ms"] for j in r["jobs"]) / r["duration_ms"]))' >>"$work/c$j"
		t0=$(now); (cd "$dir" && make -s -j $j all >/dev/null); t1=$(now)
		{ secs "$t0" "$t1"; echo; } >>"$work/m$j"
	done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
j1=$(median <"$work/j1"); j2=$(median <"$work/j2")
m1=$(median <"$work/m1"); m2=$(median <"$work/m2")
echo "8 CPU-bound shards, medians (pmeta: worker loop time from the run summary)"
printf '  %-14s -j 1 %6.2fs  -j 2 %6.2fs  speedup %.2fx\n' "pmeta run" "$j1" "$j2" "$(awk -v a="$j1" -v b="$j2" 'BEGIN { print a / b }')"
printf '  %-14s -j 1 %6.2fs  -j 2 %6.2fs  speedup %.2fx\n' "make (control)" "$m1" "$m2" "$(awk -v a="$m1" -v b="$m2" 'BEGIN { print a / b }')"
echo "  pmeta -j 1 runs: $(tr '\n' ' ' <"$work/j1") (concurrency $(tr '\n' ' ' <"$work/c1"))"
echo "  pmeta -j 2 runs: $(tr '\n' ' ' <"$work/j2") (concurrency $(tr '\n' ' ' <"$work/c2"))"
echo "  make  -j 1 runs: $(tr '\n' ' ' <"$work/m1")"
echo "  make  -j 2 runs: $(tr '\n' ' ' <"$work/m2")"
