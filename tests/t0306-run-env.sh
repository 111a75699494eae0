#!/usr/bin/env bash
# Jobs never inherit pmeta's Neo4j credentials (NEO4J_*) nor its own
# settings (PMETA_* other than the ones the runner sets): a job that prints
# its environment and fails puts no password into its log or into pmeta's
# failure summary. base.conf or a step passes a variable through by name
# (pass_env = NAME, NAME2); the summary still hides the password.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

test_expect_success 'setup: a step that prints its environment and fails' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	mkdir -p sche_t/pys &&
	printf "import os, sys\nsys.stdout.flush()\nos.system(\"env\")\nprint(\"pw:\" + os.environ.get(\"NEO4J_PASSWORD\", \"\"))\nsys.exit(3)\n" >sche_t/pys/proc_001_v_000.py &&
	printf "[proc_001_v_000]\n" >$CONF &&
	commit_workspace
'

test_expect_success 'a job printing env, then failing: no credential in its log or the summary' '
	test -n "$NEO4J_PASSWORD" &&
	test_expect_code 1 env PMETA_SECRET_TOKEN=tok-4711 PMETA_NEO4J_TIMEOUT=30 pmeta run $CONF >out 2>err &&
	log=$(ls .pmeta/runs/*/proc_001_v_000.log) &&
	test_contains "$log" "PMETA_STEP=proc_001_v_000" &&
	test_contains "$log" "PMETA_RUN_ID=" &&
	test_contains "$log" "HOME=" &&
	test_lacks "$log" "$NEO4J_PASSWORD" &&
	! grep "^NEO4J_" "$log" &&
	test_lacks "$log" "tok-4711" &&
	test_lacks "$log" "PMETA_NEO4J_TIMEOUT" &&
	test_contains out "failed: proc_001_v_000: exit 3" &&
	test_lacks out "$NEO4J_PASSWORD" &&
	test_lacks err "$NEO4J_PASSWORD"
'

test_expect_success 'base.conf pass_env passes named variables through' '
	rm -rf .pmeta/runs &&
	printf "interpreter = %s\npass_env = NEO4J_URI, MY_PLAIN, PMETA_SECRET_TOKEN\n" "$PY" >sche_t/base.conf &&
	test_expect_code 1 env MY_PLAIN=plain PMETA_SECRET_TOKEN=tok-4711 pmeta run $CONF >out 2>err &&
	log=$(ls .pmeta/runs/*/proc_001_v_000.log) &&
	test_contains "$log" "NEO4J_URI=$NEO4J_URI" &&
	test_contains "$log" "MY_PLAIN=plain" &&
	test_contains "$log" "PMETA_SECRET_TOKEN=tok-4711" &&
	test_lacks "$log" "NEO4J_PASSWORD" &&
	test_lacks "$log" "NEO4J_USERNAME"
'

test_expect_success 'a step asks for the password itself: the job gets it, the summary never shows it' '
	rm -rf .pmeta/runs &&
	printf "interpreter = %s\n" "$PY" >sche_t/base.conf &&
	printf "[proc_001_v_000]\npass_env = NEO4J_PASSWORD\n" >$CONF &&
	test_expect_code 1 pmeta run $CONF >out 2>err &&
	log=$(ls .pmeta/runs/*/proc_001_v_000.log) &&
	test_contains "$log" "NEO4J_PASSWORD=$NEO4J_PASSWORD" &&
	test_contains "$log" "pw:$NEO4J_PASSWORD" &&
	test_contains out "failed: proc_001_v_000: exit 3" &&
	test_contains out "    | pw:***" &&
	test_lacks out "$NEO4J_PASSWORD" &&
	test_lacks err "$NEO4J_PASSWORD"
'

test_expect_success 'pass_env names must be variable names: base.conf:line, exit 3' '
	printf "interpreter = %s\npass_env = OK, not-a-name\n" "$PY" >sche_t/base.conf &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "sche_t/base.conf:2: pass_env: '\''not-a-name'\'' is not a variable name" &&
	test_expect_code 3 pmeta run $CONF 2>err &&
	test_contains err "pass_env: '\''not-a-name'\'' is not a variable name" &&
	printf "interpreter = %s\n" "$PY" >sche_t/base.conf &&
	printf "[proc_001_v_000]\npass_env = 9LIVES\n" >$CONF &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "main.conf:2: pass_env: '\''9LIVES'\'' is not a variable name"
'

test_done
