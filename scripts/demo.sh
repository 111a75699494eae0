#!/usr/bin/env bash
# `make demo`: the main job on a fresh machine. Installs what is missing,
# builds pmeta, starts Neo4j, makes a demo workspace ($DEMO, default
# /tmp/pmeta-demo: outside this checkout) and
# runs each part of scripts/demo.d/ in order (init and migrate, import and
# plan, fork and lineage, run ...).
#
# EXECUTOR=slurm (make demo EXECUTOR=slurm) also starts a single-node Slurm
# of the demo's own (DEMO_SLURM_DIR, default build/slurm-demo; ports
# DEMO_SLURM_CTLD_PORT and DEMO_SLURM_SLURMD_PORT, 6827 and 6828) and runs
# the demo process on it (part 48); it stays up, as Neo4j does.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
EXECUTOR=${EXECUTOR:-local}
case $EXECUTOR in
local) scripts/install-deps.sh ;;
slurm) scripts/install-deps.sh --slurm ;;
*) echo "error: EXECUTOR='$EXECUTOR': local or slurm" >&2; exit 2 ;;
esac
make -s pmeta
scripts/neo4j.sh start
# The settings hold the password: read them with xtrace off (bash -x demo.sh).
{ xt=${-//[^x]/}; set +x; } 2>/dev/null
set -a
. build/neo4j/env
set +a
if [ "$EXECUTOR" = slurm ]; then
	export DEMO_SLURM_DIR=${DEMO_SLURM_DIR:-build/slurm-demo}
	export DEMO_SLURM_CTLD_PORT=${DEMO_SLURM_CTLD_PORT:-6827} DEMO_SLURM_SLURMD_PORT=${DEMO_SLURM_SLURMD_PORT:-6828}
	SLURM_DIR=$DEMO_SLURM_DIR SLURM_CTLD_PORT=$DEMO_SLURM_CTLD_PORT SLURMD_PORT=$DEMO_SLURM_SLURMD_PORT \
		scripts/slurm.sh start
	set -a
	. "$DEMO_SLURM_DIR/env"
	set +a
fi
export EXECUTOR
[[ -z $xt ]] || set -x
export PATH="$top:$PATH"
# The demo workspace is a git repository of its own, so it must not sit
# inside pmeta's checkout (pmeta would find this repository instead).
DEMO=${DEMO:-${TMPDIR:-/tmp}/pmeta-demo}
case "$DEMO/" in
"$top"/*) echo "error: DEMO='$DEMO' is inside pmeta's own repository" >&2; exit 2 ;;
esac
rm -rf "$DEMO"
mkdir -p "$DEMO"
export DEMO top
for part in scripts/demo.d/[0-9]*.sh; do
	echo
	echo "=== $(basename "$part" .sh) ==="
	(cd "$DEMO" && . "$top/$part")
done
echo
echo "demo workspace: $DEMO (Neo4j stays up: 'make neo4j-stop' stops it)"
if [ "$EXECUTOR" = slurm ]; then
	echo "the demo's Slurm stays up: 'make slurm-stop SLURM_DIR=$DEMO_SLURM_DIR" \
		"SLURM_CTLD_PORT=$DEMO_SLURM_CTLD_PORT SLURMD_PORT=$DEMO_SLURM_SLURMD_PORT' stops it"
fi
