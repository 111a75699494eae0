#!/usr/bin/env bash
# The official OpenLineage Python client (openlineage-python, from PyPI), in a
# virtual environment made once and cached like the Neo4j jars, for the tests
# that parse pmeta's OpenLineage events with the client's own classes
# (tests/t0330-openlineage.sh, tests/fixtures/openlineage_check.py).
#
#   scripts/openlineage-python.sh fetch          make the venv (once) and say where
#   scripts/openlineage-python.sh run ARGS...    run its python with ARGS
#
# Environment: OPENLINEAGE_VENV, the venv; default
# $HOME/.cache/pmeta/openlineage-python-<version>. PYTHON makes it (python3).
# Exit codes: 0 ok; 1 error; 2 usage.
set -euo pipefail

readonly OPENLINEAGE_PYTHON_VERSION=1.54.0

venv=${OPENLINEAGE_VENV:-${HOME:?HOME is not set}/.cache/pmeta/openlineage-python-$OPENLINEAGE_PYTHON_VERSION}

fetch() {
	if "$venv/bin/python" -c 'import openlineage.client.constants as c, sys; sys.exit(c.__version__ != sys.argv[1])' \
		"$OPENLINEAGE_PYTHON_VERSION" 2>/dev/null; then
		return 0
	fi
	# Made anew (an interrupted install fails the check above next time).
	rm -rf "$venv"
	"${PYTHON:-python3}" -m venv "$venv" >&2
	"$venv/bin/python" -m pip install -q --disable-pip-version-check \
		"openlineage-python==$OPENLINEAGE_PYTHON_VERSION" >&2
}

case ${1:-} in
	fetch) fetch; printf '%s\n' "$venv" ;;
	run) shift; fetch; exec "$venv/bin/python" "$@" ;;
	*)
		echo "usage: $0 fetch | run ARGS..." >&2
		exit 2
		;;
esac
