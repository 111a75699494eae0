#!/usr/bin/env bash
# Runs a command with a Neo4j to talk to: the one NEO4J_URI names, else the
# project's instance in $NEO4J_DIR (the Makefile passes build/neo4j-test for
# the tests), which is started for the command and stopped after it when it
# was not running before.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
started=
if [ -z "${NEO4J_URI:-}" ]; then
	if ! "$top/scripts/neo4j.sh" status >/dev/null 2>&1; then
		"$top/scripts/neo4j.sh" start || exit 1
		started=1
	fi
fi
"$@"
rc=$?
if [ -n "$started" ]; then
	"$top/scripts/neo4j.sh" stop >/dev/null || true
fi
exit $rc
