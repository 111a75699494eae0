#!/usr/bin/env bash
# `make demo`: the main job on a fresh machine. Installs what is missing,
# builds pmeta, starts Neo4j, makes a demo workspace ($DEMO, default
# /tmp/pmeta-demo: outside this checkout) and
# runs each part of scripts/demo.d/ in order (init and migrate, import and
# plan, fork and lineage, run ...).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
make -s pmeta
scripts/neo4j.sh start
# The settings hold the password: read them with xtrace off (bash -x demo.sh).
{ xt=${-//[^x]/}; set +x; } 2>/dev/null
set -a
. build/neo4j/env
set +a
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
