#!/usr/bin/env bash
# Benchmark of the registry's history walk (prints figures; never a CI gate).
#
#   bench/registry/bench.sh [REPEATS [COMMITS [SCRIPTS [PROCESSES]]]]   (default 5 1000 200 20)
#
# On a workspace of COMMITS commits (bench/registry/gen.py: SCRIPTS scripts
# and PROCESSES process folders in two schedules, edited over the history,
# merges of side branches), times, alternated in one loop:
#
#   floor   git log --raw --no-renames: one walk of the history with every
#           commit's changes, the work git itself does for the same facts
#   pmeta   pmeta sync --dry-run: the fork walk and the registry walk (one
#           walk for all versions, vcs/origin.c), without Neo4j
#   naive   per version, git log --diff-filter=A and git log -1 (what asking
#           git file by file costs: two walks per version)
#
# Each figure is one whole process (or the whole naive loop), median of
# REPEATS, and a ratio to the floor of the same loop. When build/neo4j/env
# (or NEO4J_URI) names a Neo4j, it then checks that `pmeta sync` wrote, for
# every version, the author, email, created and updated commits and times
# that the naive loop read from git.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
repeats=${1:-5}
commits=${2:-1000}
scripts=${3:-200}
procs=${4:-20}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/pmeta-bench-registry-$(printf %s "$top" | cksum | cut -d" " -f1)}
pmeta=$top/pmeta
export GIT_CONFIG_NOSYSTEM=1

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

dir=$work/ws
rm -rf "$work"
mkdir -p "$work"
python3 "$top/bench/registry/gen.py" "$commits" "$scripts" "$procs" "$dir" >/dev/null
cd "$dir"
mkdir -p .pmeta && echo bench-registry >.pmeta/workspace && echo /.pmeta/ >>.git/info/exclude
versions=$( (ls sche_*/pys/*.py; ls -d sche_*/process_config/*/) | sed 's:/$::')
nversions=$(printf '%s\n' "$versions" | wc -l)

naive() {
	local v
	for v in $versions; do
		git log -1 --diff-filter=A --format='%H %ae %at' -- "$v"
		git log -1 --format='%H %at' -- "$v"
	done
}

echo "# registry walk benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr)"
echo "# $commits commits, $nversions versions ($scripts scripts, $procs process folders); repeats: $repeats (medians)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$work/floor" >"$work/pmeta" >"$work/naive"
for r in $(seq "$repeats"); do
	t0=$(now); git log --raw --no-renames --format='%H %an %ae %at' >/dev/null; t1=$(now)
	secs "$t0" "$t1" >>"$work/floor"; echo >>"$work/floor"
	t0=$(now); "$pmeta" sync --dry-run >"$work/out"; t1=$(now)
	secs "$t0" "$t1" >>"$work/pmeta"; echo >>"$work/pmeta"
	t0=$(now); naive >"$work/naive.out"; t1=$(now)
	secs "$t0" "$t1" >>"$work/naive"; echo >>"$work/naive"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep '^registry:' "$work/out"
floor=$(median <"$work/floor")
printf '%-44s %10s %10s\n' measure seconds "x floor"
for kind in floor pmeta naive; do
	v=$(median <"$work/$kind")
	case $kind in
	floor) label="git log --raw (one walk, git's own)" ;;
	pmeta) label="pmeta sync --dry-run (fork + registry walks)" ;;
	naive) label="git log per version ($((2 * nversions)) walks)" ;;
	esac
	printf '%-44s %10.3f %10.2f\n' "$label" "$v" "$(awk -v v="$v" -v f="$floor" 'BEGIN { print v / f }')"
done

# The facts pmeta writes, against git's per-file answers.
if [ -z "${NEO4J_URI:-}" ] && [ -f "$top/build/neo4j/env" ]; then
	set -a; . "$top/build/neo4j/env"; set +a
fi
if [ -n "${NEO4J_URI:-}" ]; then
	"$pmeta" sync >/dev/null
	"$pmeta" ls --format json >"$work/ls.json"
	python3 - "$work/ls.json" "$work/naive.out" $versions <<-\PY
	import json, sys
	rows = {r["path"]: r for r in json.load(open(sys.argv[1]))}
	lines = open(sys.argv[2]).read().split("\n")
	bad = 0
	for i, path in enumerate(sys.argv[3:]):
	    created, updated = lines[2 * i].split(), lines[2 * i + 1].split()
	    r = rows[path]
	    if path.count("/") == 2 and path.split("/")[1] == "process_config":
	        pass
	    want = [created[0], created[1], updated[0]]
	    got = [r["created_commit"], r["author_email"], r["updated_commit"]]
	    if want != got:
	        bad += 1
	        print("differs:", path, got, "git:", want)
	print("facts checked against git log: %d of %d versions agree" % (len(sys.argv) - 3 - bad, len(sys.argv) - 3))
	PY
fi
