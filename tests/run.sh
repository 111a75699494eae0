#!/usr/bin/env bash
# Runs every test: the C unit tests (cmocka), then the end-to-end shell tests
# (tests/tNNNN-*.sh) against the real Neo4j of build/neo4j-test/env (or
# NEO4J_URI and friends when set: the tests wipe that graph). Ends with one
# line "N passed, N failed" (", N skipped" after it when tests lacked a
# prerequisite, such as a Slurm cluster). Usage: tests/run.sh [PATTERN...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0
skipped=0
# The live unit tests and the shell tests read the connection from here.
{ xt=${-//[^x]/}; set +x; } 2>/dev/null  # the settings hold the password
if [ -z "${NEO4J_URI:-}" ] && [ -f build/neo4j-test/env ]; then
	set -a
	. build/neo4j-test/env
	set +a
fi
[ -z "$xt" ] || set -x
failures=()

patterns=("$@")
selected() {
	[ ${#patterns[@]} -eq 0 ] && return 0
	local p
	for p in "${patterns[@]}"; do
		case "$1" in *"$p"*) return 0 ;; esac
	done
	return 1
}

for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	selected "$t" || continue
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^\[  (FAILED|  OK  |PASSED)' | grep -v '^\[       OK' || true
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		printf '%s\n' "$out" | tail -n 20
	fi
	[ "$f" -gt 0 ] && { failures+=("$t"); printf '%s\n' "$out" | grep -E '^\[  (FAILED|ERROR)' ; }
	echo "# $(basename "$t"): $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
done

for t in tests/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	selected "$t" || continue
	out=$(bash "$t" 2>&1)
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep '^ok ' | grep -vc '^ok [0-9]* # skip ' || true)
	f=$(printf '%s\n' "$out" | grep -c '^not ok ' || true)
	skipped=$((skipped + $(printf '%s\n' "$out" | grep -c '^ok [0-9]* # skip ' || true)))
	if ! printf '%s\n' "$out" | grep -q "^# $(basename "$t" .sh): "; then
		# The file died before test_done: count that as a failure.
		f=$((f + 1))
	fi
	[ "$f" -gt 0 ] && failures+=("$t")
	passed=$((passed + p))
	failed=$((failed + f))
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "# failed in: ${failures[*]}"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
