# Sourced by tests/tNNNN-*.sh, after git's t/test-lib.sh in spirit:
#   test_expect_success 'what it checks' '<shell commands>'
# Each test body runs in a subshell inside a scratch folder; the file ends
# with test_done, which prints a summary and exits with the failure count.
# Every test file starts from an empty graph (test_reset_graph) unless it
# says otherwise, and reads the connection from build/neo4j-test/env (the
# tests' own Neo4j: `make neo4j-test-start`), or from NEO4J_URI and friends.
# A test that needs more than Neo4j names a prerequisite first, as in git:
#   test_expect_success SLURM 'what it checks' '<shell commands>'
# and is skipped, with the reason, where the prerequisite does not hold
# (SLURM: the cluster of build/slurm/env, `make slurm-start`, or SLURM_CONF;
# SLURM_DAEMONS: a cluster of a test's own can be started; BROWSER: chromium
# and tests/browser's playwright-core; OPENLINEAGE: openlineage-python).
# PMETA_TEST_REQUIRE="SLURM ..." (CI) turns such a skip into a failure.

set -u
TEST_NAME=$(basename "$0" .sh)
TEST_ROOT=$(cd "$(dirname "$0")/.." && pwd)
PMETA=${PMETA:-$TEST_ROOT/pmeta}
export PATH="$TEST_ROOT:$PATH"
# Scratch folders live outside the checkout: a workspace made by a test must
# not sit inside pmeta's own git repository. One tree per checkout.
TRASH="${TMPDIR:-/tmp}/pmeta-trash-$(printf '%s' "$TEST_ROOT" | cksum | cut -d' ' -f1)/$TEST_NAME"
test_count=0
test_failed=0
test_skipped=0

# (with xtrace off: the settings hold the password)
{ test_xt=${-//[^x]/}; set +x; } 2>/dev/null
if [ -z "${NEO4J_URI:-}" ] && [ -f "$TEST_ROOT/build/neo4j-test/env" ]; then
	set -a
	. "$TEST_ROOT/build/neo4j-test/env"
	set +a
fi
[ -z "$test_xt" ] || set -x
export NEO4J_URI NEO4J_USERNAME NEO4J_PASSWORD
if [ -z "${SLURM_CONF:-}" ] && [ -f "$TEST_ROOT/build/slurm/env" ]; then
	set -a
	. "$TEST_ROOT/build/slurm/env"
	set +a
fi
export NEO4J_DATABASE=${NEO4J_DATABASE:-neo4j}
# Commits made by tests must not depend on the user's git config.
export GIT_AUTHOR_NAME="pmeta test" GIT_AUTHOR_EMAIL="test@pmeta.invalid"
export GIT_COMMITTER_NAME="pmeta test" GIT_COMMITTER_EMAIL="test@pmeta.invalid"
# A Neo4j started by a test reuses the jars fetched once for the user (the
# HOME below is a scratch one).
export NEO4J_CACHE=${NEO4J_CACHE:-${HOME:-/root}/.cache/pmeta/neo4j-$(sed -n 's/^readonly NEO4J_VERSION=//p' "$TEST_ROOT/scripts/neo4j.sh")}
# Likewise the official neo4j-migrations CLI (scripts/neo4j-migrations.sh),
# fetched with the user's HOME (Maven's cache and settings).
export NEO4J_MIGRATIONS_CACHE=${NEO4J_MIGRATIONS_CACHE:-${HOME:-/root}/.cache/pmeta/neo4j-migrations-$(sed -n 's/^readonly MIGRATIONS_VERSION=//p' "$TEST_ROOT/scripts/neo4j-migrations.sh")}
# And the official OpenLineage client's venv (scripts/openlineage-python.sh).
export OPENLINEAGE_VENV=${OPENLINEAGE_VENV:-${HOME:-/root}/.cache/pmeta/openlineage-python-$(sed -n 's/^readonly OPENLINEAGE_PYTHON_VERSION=//p' "$TEST_ROOT/scripts/openlineage-python.sh")}
TEST_USER_HOME=${HOME:-/root}
export GIT_CONFIG_NOSYSTEM=1 HOME="$TRASH/.home"

rm -rf "$TRASH"
mkdir -p "$TRASH/.home"
cd "$TRASH" || exit 1

say() { printf '%s\n' "$*"; }

test_expect_success() {
	local desc body out
	if [ $# -eq 3 ]; then
		if ! test_have_prereq "$1"; then
			test_missing "$2"
			return 0
		fi
		shift
	fi
	desc=$1 body=$2
	test_count=$((test_count + 1))
	out=$( (eval "$body") 2>&1 )
	if [ $? -eq 0 ]; then
		say "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $desc"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 40
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # skip $1 ($2)"
}

test_done() {
	local skipped=
	[ "$test_skipped" -gt 0 ] && skipped=", $test_skipped skipped"
	say "# $TEST_NAME: $((test_count - test_failed - test_skipped)) passed, $test_failed failed$skipped"
	exit "$test_failed"
}

# --- prerequisites, after git's test_have_prereq ---
# prereq_NAME prints why NAME does not hold and fails, or succeeds.

prereq_SLURM() {
	if [ -z "${SLURM_CONF:-}" ]; then
		echo "no Slurm cluster: run 'make slurm-start' (writes build/slurm/env) or set SLURM_CONF"
		return 1
	fi
	if ! command -v sinfo >/dev/null; then
		echo "no Slurm clients (sinfo): scripts/install-deps.sh --slurm"
		return 1
	fi
	if ! sinfo -h -o %a >/dev/null 2>&1; then
		echo "the Slurm cluster of SLURM_CONF=$SLURM_CONF does not answer: 'make slurm-status'"
		return 1
	fi
}

# Slurm's daemons can be started here (scripts/slurm.sh runs them as root).
prereq_SLURM_DAEMONS() {
	if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
		echo "no slurmctld or munged: scripts/install-deps.sh --slurm"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "scripts/slurm.sh runs Slurm's daemons as root"
		return 1
	fi
}

# Debian's chromium and the pinned playwright-core of tests/browser
# (`npm ci` there; .ci/run does it): the Neo4j Browser test.
prereq_BROWSER() {
	if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
		echo "no chromium at ${CHROMIUM:-/usr/bin/chromium}: scripts/install-deps.sh --browser"
		return 1
	fi
	if ! command -v node >/dev/null; then
		echo "no node (Node.js) to drive chromium"
		return 1
	fi
	if [ ! -f "$TEST_ROOT/tests/browser/node_modules/playwright-core/package.json" ]; then
		echo "no playwright-core: (cd tests/browser && npm ci)"
		return 1
	fi
}

# The official openlineage-python client (scripts/openlineage-python.sh fetch).
prereq_OPENLINEAGE() {
	if ! "$OPENLINEAGE_VENV/bin/python" -c 'import openlineage.client' 2>/dev/null; then
		echo "no openlineage-python in $OPENLINEAGE_VENV: scripts/openlineage-python.sh fetch"
		return 1
	fi
}

# test_have_prereq NAME[,NAME...]: whether every one holds (checked once
# per file); when not, test_missing_prereq and test_missing_why say why.
test_have_prereq() {
	local p ok why
	for p in $(printf '%s' "$1" | tr ',' ' '); do
		eval "ok=\${test_prereq_ok_$p:-}"
		if [ -z "$ok" ]; then
			if why=$("prereq_$p" 2>&1); then ok=yes; else ok=no; fi
			eval "test_prereq_ok_$p=\$ok test_prereq_why_$p=\$why"
		fi
		if [ "$ok" != yes ]; then
			test_missing_prereq=$p
			eval "test_missing_why=\$test_prereq_why_$p"
			return 1
		fi
	done
}

# A test whose prerequisite is missing: skipped, or failed when required.
test_missing() {
	case " ${PMETA_TEST_REQUIRE:-} " in
	*" $test_missing_prereq "*)
		test_count=$((test_count + 1))
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $1"
		say "#   $test_missing_prereq is required here (PMETA_TEST_REQUIRE): $test_missing_why"
		;;
	*)
		test_skip "$1" "missing $test_missing_prereq: $test_missing_why"
		;;
	esac
}

# --- assertions: each prints what differed and returns non-zero ---

# test_expect_code CODE CMD...: run CMD, require exit status CODE.
test_expect_code() {
	local want=$1 got
	shift
	"$@"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		return 1
	fi
}

test_cmp() {
	diff -u "$1" "$2"
}

# test_contains FILE TEXT: FILE holds the fixed string TEXT.
test_contains() {
	grep -qF -- "$2" "$1" || { echo "'$1' lacks '$2':" >&2; cat "$1" >&2; return 1; }
}

test_lacks() {
	! grep -qF -- "$2" "$1" || { echo "'$1' has '$2':" >&2; cat "$1" >&2; return 1; }
}

test_eq() {
	[ "$1" = "$2" ] || { echo "expected '$2', got '$1'" >&2; return 1; }
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# json_valid SCHEMA FILE...: the files match docs/schema/SCHEMA.schema.json
# (tests/validate-json.py, python's jsonschema: Debian's python3-jsonschema,
# scripts/install-deps.sh). The first python3 that has jsonschema runs it.
json_valid() {
	local py
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import jsonschema' 2>/dev/null; then
			"$py" "$TEST_ROOT/tests/validate-json.py" "$@"
			return
		fi
	done
	echo "no python3 with jsonschema: scripts/install-deps.sh installs python3-jsonschema" >&2
	return 1
}

# --- Neo4j from the shell, for setting up and checking the graph ---
# The password goes to curl through a config on stdin, never argv.

# cypher QUERY [PARAMS_JSON] [DB]: prints the reply's JSON; fails on errors.
cypher() {
	local q=$1 params=${2:-'{}'} db=${3:-$NEO4J_DATABASE} body reply
	body=$(python3 -c 'import json,sys; print(json.dumps({"statements":[{"statement":sys.argv[1],"parameters":json.loads(sys.argv[2])}]}))' "$q" "$params") || return 1
	reply=$( { set +x; } 2>/dev/null; printf 'user = "%s:%s"\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD" |
		curl -sS -K - -H 'Content-Type: application/json' --data-binary "$body" \
			"$NEO4J_URI/db/$db/tx/commit") || return 1
	printf '%s\n' "$reply"
	printf '%s' "$reply" | python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(1 if r.get("errors") else 0)' ||
		{ echo "cypher failed: $reply" >&2; return 1; }
}

# cypher_value QUERY [PARAMS_JSON]: the first column of the first row.
cypher_value() {
	cypher "$@" | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]["data"]; print(r[0]["row"][0] if r else "")'
}

# The whole graph as counts: "nodes rels".
graph_counts() {
	printf '%s %s\n' "$(cypher_value 'MATCH (n) RETURN count(n)')" \
		"$(cypher_value 'MATCH ()-[r]->() RETURN count(r)')"
}

# An empty graph: no nodes, no constraints, no indexes (migrations undone).
test_reset_graph() {
	local name
	cypher 'MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS' >/dev/null || return 1
	for name in $(cypher 'SHOW CONSTRAINTS YIELD name RETURN name' |
			python3 -c 'import json,sys; [print(d["row"][0]) for d in json.load(sys.stdin)["results"][0]["data"]]'); do
		cypher "DROP CONSTRAINT \`$name\` IF EXISTS" >/dev/null || return 1
	done
	for name in $(cypher "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name" |
			python3 -c 'import json,sys; [print(d["row"][0]) for d in json.load(sys.stdin)["results"][0]["data"]]'); do
		cypher "DROP INDEX \`$name\` IF EXISTS" >/dev/null || return 1
	done
}

# gate_hold: prints the URL of an open transaction that holds the write lock
# of a (:MigrationGate) node; a query that writes the gate (say, a migration
# `MATCH (g:MigrationGate) SET g.x = 1`) waits until gate_release URL rolls it
# back, holding the migration lock all along. Neo4j ends the transaction by
# itself when idle for long (server.http.transaction_idle_timeout).
gate_hold() {
	cypher 'MERGE (:MigrationGate {id: 1})' >/dev/null || return 1
	printf 'user = "%s:%s"\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD" |
		curl -sS -K - -D - -o /dev/null -H 'Content-Type: application/json' \
			--data-binary '{"statements":[{"statement":"MATCH (g:MigrationGate) SET g.held = true"}]}' \
			"$NEO4J_URI/db/$NEO4J_DATABASE/tx" | tr -d '\r' | sed -n 's/^[Ll]ocation: *//p'
}

gate_release() {
	printf 'user = "%s:%s"\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD" |
		curl -sS -K - -X DELETE "$1" >/dev/null
}

# A fresh git workspace in the current folder, with one commit, whose
# identity (the first part of its graph keys) is ${1:-ws}: written as pmeta
# writes it (.pmeta/workspace, .pmeta/ in info/exclude), so that keys in
# tests are known in advance.
test_git_workspace() {
	git init -q -b main . && git commit -q --allow-empty -m 'empty workspace' &&
	test_workspace_name "${1:-ws}"
}

# test_workspace_name NAME: the workspace around the current folder is NAME.
test_workspace_name() {
	local top
	top=$(git rev-parse --show-toplevel) || return 1
	mkdir -p "$top/.pmeta" && printf '%s\n' "$1" >"$top/.pmeta/workspace" &&
	{ grep -qx '/.pmeta/' "$(git rev-parse --path-format=absolute --git-common-dir)/info/exclude" 2>/dev/null ||
	  printf '/.pmeta/\n' >>"$(git rev-parse --path-format=absolute --git-common-dir)/info/exclude"; }
}

if [ -z "${NEO4J_URI:-}" ]; then
	echo "error: no Neo4j configured: run 'make neo4j-test-start' (writes build/neo4j-test/env) or set NEO4J_URI" >&2
	exit 1
fi
