#!/usr/bin/env bash
# `make demo`: the main job on a fresh machine. Installs what is missing,
# builds pmeta, starts Neo4j, makes a demo workspace under build/demo and
# runs each part of scripts/demo.d/ in order (init and migrate, import and
# plan, fork and lineage, run ...).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
make -s pmeta
scripts/neo4j.sh start
set -a
. build/neo4j/env
set +a
export PATH="$top:$PATH"
DEMO=${DEMO:-$top/build/demo}
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
