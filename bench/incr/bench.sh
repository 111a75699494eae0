#!/usr/bin/env bash
# Benchmark of incremental steps (issue 11; prints figures, never a CI gate).
#
#   bench/incr/bench.sh [REPEATS [TASKS]]        (default 5 10000)
#
# One cycle of an 8-step chain in which nothing is new, two ways, after
# every step has processed TASKS items (bench/incr/gen.py):
#   no-op  `pmeta run p_001_v_000`: incremental steps (items = *): pmeta
#          checks each step's gap (scan + ledger), starts no script and
#          records no Run (a light record on the process);
#   full   `pmeta run p_002_v_000`: the PM2 way: pmeta starts all 8
#          scripts, one after the other, and each does its own gap check
#          (list the upstream folder, read what it did, subtract) and exits;
#          the Run and its 8 JobRuns are recorded;
#   floor  `pmeta plan p_001_v_000 --format json`: what any run costs
#          before it does anything (workspace, base.conf, one plan query);
#   loop   one more no-op cycle inside `pmeta run p_001_v_000 --every`
#          (the PM2 forever loop's place): between cycles pmeta watches the
#          dataset folders (inotify) and does not read untouched ones again.
#          Measured as (time of 21 cycles - time of 1 cycle - 20 pauses) / 20.
# The three alternate in one loop, so they see the same machine load.
# Times are whole commands (fork/exec of pmeta included); medians.
#
# Needs a Neo4j: the one of build/neo4j/env (make neo4j-start), or the env
# file named by BENCH_NEO4J_ENV. Writes under $BENCH_DIR (default: a folder
# under $TMPDIR or /tmp, outside the checkout).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
repeats=${1:-5}
tasks=${2:-10000}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/pmeta-bench-incr-$(printf %s "$top" | cksum | cut -d" " -f1)}
pmeta=$top/pmeta
set -a
. "${BENCH_NEO4J_ENV:-$top/build/neo4j/env}"
set +a
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@pmeta.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@pmeta.invalid

now() { date +%s.%N; }
# cpu FILE CMD...: runs CMD, appends its user+sys CPU seconds (with its
# children: the jobs) to FILE. On a shared machine wall time follows the
# load; CPU time much less so.
cpu() {
	local f=$1
	shift
	/usr/bin/time -f "%U %S" -o "$work/cpu.tmp" "$@"
	awk '{ printf "%.4f\n", $1 + $2 }' "$work/cpu.tmp" >>"$f"
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# pmeta incremental benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr)"
echo "# $tasks tasks, 8 steps; repeats: $repeats (medians); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

rm -rf "$work"
mkdir -p "$work"
ws=$work/ws
"$top/bench/incr/gen.py" "$ws" "$tasks" 8
cd "$ws"
git init -q -b main && git add -A && git commit -q -m bench
mkdir -p .pmeta && echo "bench-incr-$$" >.pmeta/workspace
"$pmeta" migrate >/dev/null

# Every step processes every task once, both ways.
t0=$(now); "$pmeta" run p_001_v_000 -q >"$work/setup-inc.out"; t1=$(now)
echo "# setup: incremental chain processed $tasks items a step in $(secs "$t0" "$t1") s"
t0=$(now); "$pmeta" run p_002_v_000 -q >"$work/setup-pm2.out"; t1=$(now)
echo "# setup: PM2 chain processed $tasks items a step in $(secs "$t0" "$t1") s"
# Files written in the setup are younger than 2 s when first hashed: the
# first no-op cycle hashes them again (git's racily clean rule), later ones
# trust size and mtime. Let them age, then warm up once.
sleep 3
"$pmeta" run p_001_v_000 -q >"$work/warm.out"
grep -q "up to date" "$work/warm.out" || { cat "$work/warm.out"; echo "error: the chain is not up to date" >&2; exit 1; }
"$pmeta" run p_002_v_000 -q >/dev/null

: >"$work/floor" >"$work/noop" >"$work/full" >"$work/check" >"$work/loop"
: >"$work/floor.cpu" >"$work/noop.cpu" >"$work/full.cpu"
pause=0.05
for r in $(seq "$repeats"); do
	t0=$(now); cpu "$work/floor.cpu" "$pmeta" plan p_001_v_000 --format json >/dev/null; t1=$(now)
	{ secs "$t0" "$t1"; echo; } >>"$work/floor"
	t0=$(now); cpu "$work/noop.cpu" "$pmeta" run p_001_v_000 -q >"$work/noop.out"; t1=$(now)
	{ secs "$t0" "$t1"; echo; } >>"$work/noop"
	grep -q "up to date" "$work/noop.out" || { cat "$work/noop.out"; exit 1; }
	sed -n 's/.* items checked in \([0-9.]*\)s.*/\1/p' "$work/noop.out" >>"$work/check"
	t0=$(now); "$pmeta" run p_001_v_000 -q --every $pause --cycles 1 >/dev/null; t1=$(now)
	t2=$(now); "$pmeta" run p_001_v_000 -q --every $pause --cycles 21 >"$work/loop.out"; t3=$(now)
	test "$(grep -c "up to date" "$work/loop.out")" = 21 || { cat "$work/loop.out"; exit 1; }
	awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v p=$pause \
		'BEGIN { printf "%.4f\n", ((d - c) - (b - a) - 20 * p) / 20 }' >>"$work/loop"
	t0=$(now); cpu "$work/full.cpu" "$pmeta" run p_002_v_000 -q >"$work/full.out"; t1=$(now)
	{ secs "$t0" "$t1"; echo; } >>"$work/full"
	grep -q "8 succeeded" "$work/full.out" || { cat "$work/full.out"; exit 1; }
done
floor=$(median <"$work/floor")
noop=$(median <"$work/noop")
full=$(median <"$work/full")
check=$(median <"$work/check")
loop=$(median <"$work/loop")
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-58s %9s %9s %9s\n' cycle seconds "x floor" "x full"
row() { printf '%-58s %9.3f %9.2f %9.3f\n' "$1" "$2" "$(awk -v a="$2" -v b="$floor" 'BEGIN { print a / b }')" \
	"$(awk -v a="$2" -v b="$full" 'BEGIN { print a / b }')"; }
row "floor: pmeta plan (no run)" "$floor"
row "no-op: incremental, nothing new (no script, no Run)" "$noop"
row "  (its gap check: scan + ledgers of 8 steps)" "$check"
row "loop: one more no-op cycle of pmeta run --every" "$loop"
row "full: PM2 way, 8 scripts started, each checks itself" "$full"
echo
printf '%-58s %9s\n' "CPU (user+sys of pmeta and its jobs; not Neo4j's)" seconds
printf '%-58s %9.3f\n' "floor" "$(median <"$work/floor.cpu")"
printf '%-58s %9.3f\n' "no-op" "$(median <"$work/noop.cpu")"
printf '%-58s %9.3f\n' "full" "$(median <"$work/full.cpu")"
echo
echo "CPU: no-op / full = $(awk -v a="$(median <"$work/noop.cpu")" -v b="$(median <"$work/full.cpu")" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
echo "no-op / full = $(awk -v a="$noop" -v b="$full" 'BEGIN { printf "%.1f%%", 100 * a / b }'),"\
     "loop / full = $(awk -v a="$loop" -v b="$full" 'BEGIN { printf "%.1f%%", 100 * a / b }') (target: under 10%)"
