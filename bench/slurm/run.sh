#!/usr/bin/env bash
# Benchmark of `pmeta run --executor slurm` against the floor: a plain shell
# script that submits the same DAG with `sbatch --dependency` and waits for
# it (prints figures; never a CI gate).
#
#   bench/slurm/run.sh [REPEATS [LAYERS WIDTH SHARDS SECONDS]]   (default 3; 10 20 1 0.5)
#
# The plan: LAYERS x WIDTH steps (x SHARDS jobs each), every step after two
# of the layer before; each job sleeps SECONDS (bench/slurm/gen.py). Each
# repeat runs the floor and pmeta one after the other on an idle queue, so
# both see the same machine; the ratios are taken within one repeat.
#
# Figures (seconds):
#   submit  floor: its sbatch calls; pmeta: from its start to its last sbatch
#           (plan from Neo4j, spec files, sbatch calls; submitted.jsonl)
#   e2e     floor: from its start until squeue lists none of its jobs;
#           pmeta: the whole `pmeta run` (it notices the last end, records
#           the run in Neo4j and exits)
#
# Needs a Neo4j: NEO4J_* (default: build/neo4j/env, make neo4j-start), and a Slurm cluster:
# SLURM_CONF, else the one of $BENCH_SLURM_DIR/env (default build/slurm).
# Workspaces go under $BENCH_DIR (default under $TMPDIR or /tmp).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
repeats=${1:-3}
layers=${2:-10} width=${3:-20} shards=${4:-1} seconds=${5:-0.5}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/pmeta-bench-slurm-$(printf %s "$top" | cksum | cut -d" " -f1)}
pmeta=$top/pmeta
set -a
if [ -z "${NEO4J_URI:-}" ]; then
	. "$top/build/neo4j/env"
fi
if [ -z "${SLURM_CONF:-}" ]; then
	. "$top/${BENCH_SLURM_DIR:-build/slurm}/env"
fi
set +a
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@pmeta.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@pmeta.invalid

now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
idle() {  # until the cluster runs nothing
	while [ -n "$(squeue -h -o %i)" ]; do sleep 0.5; done
}

dir=$work/dag
rm -rf "$dir"
"$top/bench/slurm/gen.py" "$dir" --layers "$layers" --width "$width" --shards "$shards" --seconds "$seconds"
(cd "$dir" && git init -q -b main && git add -A && git commit -q -m bench && "$pmeta" init --workspace bench >/dev/null 2>&1 &&
	"$pmeta" import sche_b/process_config/p_001_v_000/main.conf >/dev/null)
jobs=$((layers * width * shards))
cpus=$(sinfo -h -o %c | head -n 1)

echo "# pmeta on Slurm, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -sr), node CPUs $cpus"
echo "# plan: $layers layers x $width steps x $shards shard(s) = $jobs jobs of 'sleep $seconds'; repeats: $repeats"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-6s %12s %12s %12s %12s %9s %9s\n' repeat "floor submit" "pmeta submit" "floor e2e" "pmeta e2e" "e2e x" "submit x"
: >"$work/ratios"
for r in $(seq "$repeats"); do
	idle
	read -r fs fe < <("$dir/floor.sh")
	idle
	t0=$(now_ms)
	(cd "$dir" && "$pmeta" run p_001_v_000 --executor slurm -q >"$work/pmeta.out" 2>&1) ||
		{ cat "$work/pmeta.out"; exit 1; }
	t1=$(now_ms)
	id=$(sed -n 's/^run \([0-9TZ]*-[0-9a-f]*\): .*/\1/p' "$work/pmeta.out" | head -n 1)
	last=$(tail -n 1 "$dir/.pmeta/runs/$id/slurm/submitted.jsonl" | python3 -c 'import json, sys; print(json.load(sys.stdin)["at_ms"])')
	ps=$(awk -v a="$t0" -v b="$last" 'BEGIN { printf "%.3f", (b - a) / 1000 }')
	pe=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1000 }')
	ex=$(awk -v a="$pe" -v b="$fe" 'BEGIN { printf "%.3f", a / b }')
	sx=$(awk -v a="$ps" -v b="$fs" 'BEGIN { printf "%.3f", a / b }')
	printf '%-6s %12s %12s %12s %12s %9s %9s\n' "$r" "$fs" "$ps" "$fe" "$pe" "$ex" "$sx"
	echo "$ex $sx" >>"$work/ratios"
	grep -q "succeeded: $jobs succeeded" "$work/pmeta.out" || { echo "pmeta's run did not succeed:"; tail -n 3 "$work/pmeta.out"; exit 1; }
done
echo
echo "median e2e ratio (pmeta / floor): $(cut -d' ' -f1 "$work/ratios" | median)x;" \
	"median submit ratio: $(cut -d' ' -f2 "$work/ratios" | median)x"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
