#!/usr/bin/env bash
# Bad input is refused, not dropped (issue 8 item 5): an empty or
# comments-only config, and a config or base.conf that is not UTF-8 (in a
# value, a key, a section name, a dataset name), are exit 3 with file:line
# from check, import, plan and run, and the graph does not change (nodes
# and relationships counted before and after).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

GOOD='[proc_001_v_000]
[proc_002_v_000]
last_proc = proc_001_v_000
threshold = 0.5
'

# refused FILE:LINE TEXT: every verb that reads the config says FILE:LINE and
# TEXT on stderr, exits 3, and writes nothing.
refused() {
	local where=$1 text=$2 before verb
	before=$(graph_counts) &&
	for verb in check import plan run; do
		test_expect_code 3 pmeta $verb $CONF >out 2>err || { cat out err; return 1; }
		test_contains err "$where: $text" || return 1
		test_eq "$(graph_counts)" "$before" || { echo "pmeta $verb changed the graph" >&2; return 1; }
	done &&
	! ls .pmeta/runs/* >/dev/null 2>&1
}

test_expect_success 'setup: a workspace whose process is in the graph' '
	test_reset_graph &&
	pmeta migrate >/dev/null &&
	run_workspace &&
	add_procs proc_001_v_000 proc_002_v_000 &&
	printf "%s" "$GOOD" >$CONF &&
	commit_workspace &&
	pmeta import $CONF >/dev/null &&
	test_eq "$(cypher_value "MATCH (:Process {key: \"ws/sche_t/p_001_v_000\"})-[:HAS_STEP]->(s) RETURN count(s)")" 2
'

test_expect_success 'an empty config is exit 3 with file:line, and its steps stay' '
	: >$CONF &&
	refused "$CONF:1" "the config defines no step" &&
	test_eq "$(cypher_value "MATCH (:Process {key: \"ws/sche_t/p_001_v_000\"})-[:HAS_STEP]->(s) RETURN count(s)")" 2
'

test_expect_success 'a comments-only config is exit 3 with file:line' '
	printf "# nothing yet\n; still nothing\n\n" >$CONF &&
	refused "$CONF:1" "the config defines no step"
'

test_expect_success 'an empty config of a process the graph does not have writes nothing either' '
	mkdir -p sche_t/process_config/p_002_v_000 &&
	: >sche_t/process_config/p_002_v_000/main.conf &&
	before=$(graph_counts) &&
	test_expect_code 3 pmeta import sche_t/process_config/p_002_v_000/main.conf 2>err &&
	test_contains err "sche_t/process_config/p_002_v_000/main.conf:1: the config defines no step" &&
	test_eq "$(graph_counts)" "$before" &&
	rm -r sche_t/process_config/p_002_v_000
'

test_expect_success 'invalid UTF-8 in a value' '
	printf "%s" "$GOOD" | sed "s/threshold = 0.5/threshold = caf\xe9/" >$CONF &&
	refused "$CONF:4" "invalid UTF-8: byte 0xe9 at column 16"
'

test_expect_success 'invalid UTF-8 in a key' '
	printf "%s" "$GOOD" | sed "s/threshold/thr\xffshold/" >$CONF &&
	refused "$CONF:4" "invalid UTF-8: byte 0xff at column 4"
'

test_expect_success 'invalid UTF-8 in a section name' '
	printf "%s" "$GOOD" | sed "s/^\[proc_002_v_000\]/[proc_002_v_000\xc3]/" >$CONF &&
	refused "$CONF:2" "invalid UTF-8: byte 0xc3 at column 16"
'

test_expect_success 'invalid UTF-8 in a dataset name (a READS edge that would vanish)' '
	printf "%s" "$GOOD" | sed "s/last_proc = proc_001_v_000/last_proc = proc_001_v_000\/pr\xe8d/" >$CONF &&
	refused "$CONF:3" "invalid UTF-8: byte 0xe8 at column 30"
'

test_expect_success 'invalid UTF-8 in base.conf' '
	printf "%s" "$GOOD" >$CONF &&
	cp sche_t/base.conf base.good &&
	printf "# interpr\xe8te\n" >>sche_t/base.conf &&
	refused "sche_t/base.conf:2" "invalid UTF-8: byte 0xe8 at column 10" &&
	cp base.good sche_t/base.conf
'

test_expect_success 'the good config still imports and runs afterwards' '
	printf "%s" "$GOOD" >$CONF &&
	pmeta check $CONF >out &&
	test_contains out "ok: 2 steps" &&
	pmeta run $CONF >out 2>err &&
	test_contains out "2 succeeded"
'

test_done
