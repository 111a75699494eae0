#!/usr/bin/env bash
# base.conf is validated the same way by check, import, plan and run; and a
# command template cannot let a parameter reach the shell unquoted: a
# placeholder inside "...", '...', `...` or after a backslash is refused with
# base.conf:line (exit 3) instead of quoted wrongly.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

test_expect_success 'setup: a one-step process whose parameter is shell code' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 &&
	printf "[proc_001_v_000]\nevil = \$(touch pwned)\n" >$CONF &&
	commit_workspace
'

# evil_template TEMPLATE: base.conf with this template (on line 2).
evil_template() {
	printf "interpreter = %s\ntemplate = %s\n" "$PY" "$1" >sche_t/base.conf
}

test_expect_success 'a placeholder inside double quotes: check, plan, run and import say base.conf:2, exit 3' '
	evil_template "{interpreter} {script} \"--e={evil}\"" &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "error: sche_t/base.conf:2: template: placeholder {evil} is inside double quotes" &&
	test_expect_code 3 pmeta plan $CONF 2>err &&
	test_contains err "sche_t/base.conf:2: template: placeholder {evil} is inside double quotes" &&
	test_expect_code 3 pmeta run $CONF >out 2>err &&
	test_contains err "sche_t/base.conf:2: template: placeholder {evil} is inside double quotes" &&
	! test -e pwned &&
	test_expect_code 3 pmeta import $CONF 2>err &&
	test_contains err "sche_t/base.conf:2: template: placeholder {evil} is inside double quotes" &&
	test_contains err "not imported" &&
	test_eq "$(cypher_value "MATCH (n) WHERE n:Process OR n:Step OR n:Run RETURN count(n)")" 0
'

test_expect_success 'single quotes, backquotes and a backslash are refused too' '
	evil_template "{interpreter} {script} '\''--e={evil}'\''" &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "placeholder {evil} is inside single quotes" &&
	evil_template "{interpreter} {script} \`echo {evil}\`" &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "placeholder {evil} is inside backquotes" &&
	evil_template "{interpreter} {script} \"\$(echo {evil})\"" &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "placeholder {evil} is inside double quotes" &&
	evil_template "{interpreter} {script} --e=\\{evil}" &&
	test_expect_code 3 pmeta check $CONF 2>err &&
	test_contains err "placeholder {evil} is after a backslash" &&
	! test -e pwned
'

test_expect_success 'the interpreter and literal braces may stand in quotes' '
	evil_template "\"{interpreter}\" {script} \"{{evil}}\" '\''{{x}}'\'' --e={evil}" &&
	pmeta check -q $CONF &&
	pmeta plan --format json $CONF >plan.json &&
	python3 -c "import json,sys; print(json.load(open(\"plan.json\"))[\"stages\"][0][\"jobs\"][0][\"command\"])" >cmd &&
	test_eq "$(cat cmd)" "\"$PY\" sche_t/pys/proc_001_v_000.py \"{evil}\" '\''{x}'\'' --e='\''\$(touch pwned)'\''"
'

test_expect_success 'a plan asks only for the step keys the process has; without step_keys, for all' '
	evil_template "{interpreter} {script} --e={evil}" &&
	pmeta plan --format json $CONF >plan1.json &&
	test_eq "$(cypher_value "MATCH (p:Process) RETURN p.step_keys[0] + \"|\" + size(p.step_keys)")" "evil|1" &&
	test_contains plan1.json "--e=" &&
	cypher "MATCH (p:Process) REMOVE p.step_keys" >/dev/null &&
	pmeta plan --format json $CONF >plan2.json &&
	test_cmp plan1.json plan2.json &&
	evil_template "{interpreter} {script} --e={other}" &&
	test_expect_code 3 pmeta plan --format json $CONF 2>err &&
	test_contains err "has no '\''other'\''"
'

test_expect_success 'a bare placeholder carries the value to the script as it is' '
	evil_template "{interpreter} {script} --e={evil} \"--x=1\"" &&
	pmeta run $CONF >out 2>err &&
	! test -e pwned &&
	test_contains .pmeta/runs/*/proc_001_v_000.log "args: --e=\$(touch pwned) --x=1"
'

test_expect_success 'check and import agree on a broken base.conf: exit 3, nothing imported' '
	cypher "MATCH (n) WHERE NOT n:__Neo4jMigration DETACH DELETE n" >/dev/null &&
	printf "interpreter = %s\ntempalte = x\n" "$PY" >sche_t/base.conf &&
	test_expect_code 3 pmeta check $CONF 2>err.check &&
	test_expect_code 3 pmeta import $CONF 2>err.import &&
	test_contains err.check "base.conf:2: unknown key '\''tempalte'\''" &&
	test_contains err.import "base.conf:2: unknown key '\''tempalte'\''" &&
	test_eq "$(cypher_value "MATCH (n) WHERE n:Process OR n:Step RETURN count(n)")" 0 &&
	printf "interpreter = %s\ntemplate = {interpreter} {script} --lang={lang}\n" "$PY" >sche_t/base.conf &&
	test_expect_code 3 pmeta check $CONF 2>err.check &&
	test_expect_code 3 pmeta import $CONF 2>err.import &&
	test_contains err.import "base.conf:2: template: step [proc_001_v_000] has no '\''lang'\'' for {lang}" &&
	test_eq "$(cypher_value "MATCH (n) WHERE n:Process OR n:Step RETURN count(n)")" 0 &&
	evil_template "{interpreter} {script}" &&
	pmeta import -q $CONF &&
	test_eq "$(cypher_value "MATCH (n:Step) RETURN count(n)")" 1
'

test_done
