#!/usr/bin/env bash
# pmeta check: offline validation of process configs, every problem with
# its file:line, the golden error cases of tests/plan/, base.conf.
. "$(dirname "$0")/lib.sh"

CASES="$TEST_ROOT/tests/plan"
C=sche_001/process_config/p_001_v_000/main.conf

test_expect_success 'setup: a workspace' '
	test_git_workspace
'
mkdir -p sche_001/process_config/p_001_v_000 sche_001/pys

# Neo4j must not be needed: point the client at a closed port.
offline() { NEO4J_URI=http://127.0.0.1:9 "$@"; }

for dir in "$CASES"/*/; do
	name=$(basename "$dir")
	if [ -f "$dir/expected.err" ]; then
		test_expect_success "golden $name: exit 3, every error with file:line" "
			cp '$dir/main.conf' $C &&
			test_expect_code 3 offline pmeta check -q $C 2>err &&
			test_cmp '$dir/expected.err' err
		"
	else
		test_expect_success "golden $name: valid" "
			cp '$dir/main.conf' $C &&
			offline pmeta check -q $C 2>err >out &&
			test_eq \"\$(cat err out)\" ''
		"
	fi
done

test_expect_success 'the 3-cycle is named in execution order with each line' '
	cp "$CASES/cycle3/main.conf" $C &&
	test_expect_code 3 pmeta check $C 2>err &&
	test_contains err "error: $C:2: cycle: proc_001_v_000 -> proc_002_v_000 -> proc_003_v_000 -> proc_001_v_000" &&
	test_contains err "$C:6: [proc_002_v_000] runs after [proc_001_v_000]: after = proc_001_v_000" &&
	test_contains err "$C:3: [proc_001_v_000] runs after [proc_003_v_000]: reads '\''proc_003_v_000'\''"
'

test_expect_success 'a valid config: summary on stdout, missing scripts are warnings' '
	cp "$CASES/amend/main.conf" $C &&
	touch sche_001/pys/proc_001_v_000.py &&
	pmeta check $C >out 2>err &&
	test_contains out "$C: ok: 4 steps, 3 stages, 4 jobs, 1 external inputs" &&
	test_contains err "warning: $C:7: no script '\''sche_001/pys/proc_002_v_000.py'\'' for step [proc_002_v_000]" &&
	test_lacks err "proc_001_v_000.py"
'

test_expect_success '-q prints nothing for a valid config' '
	pmeta check -q $C >out 2>err &&
	test_eq "$(cat out err)" ""
'

test_expect_success 'a line longer than inih allows is an error, not a silent cut' '
	{ printf "[proc_001_v_000]\nk = "; head -c 250 /dev/zero | tr "\\0" x; printf "\n"; } >$C &&
	test_expect_code 3 pmeta check $C 2>err &&
	test_contains err "error: $C:2: line longer than 199 bytes"
'

test_expect_success 'a section name longer than inih keeps is an error' '
	printf "[%s]\n" "$(head -c 60 /dev/zero | tr "\\0" a)" >$C &&
	test_expect_code 3 pmeta check $C 2>err &&
	test_contains err "$C:1: section name" &&
	test_contains err "is longer than 49 bytes"
'

test_expect_success '# after a value is kept in the value, with a warning' '
	printf "[proc_001_v_000]\nmode = fast # not a comment\n" >$C &&
	pmeta check $C 2>err &&
	test_contains err "warning: $C:2: '\''#'\'' after a value is not a comment"
'

test_expect_success 'several configs: the worst outcome is the exit code' '
	cp "$CASES/diamond/main.conf" $C &&
	mkdir -p sche_001/process_config/p_002_v_000 &&
	cp "$CASES/cycle3/main.conf" sche_001/process_config/p_002_v_000/main.conf &&
	test_expect_code 3 pmeta check -q $C sche_001/process_config/p_002_v_000/main.conf 2>err &&
	test_contains err "p_002_v_000/main.conf:2: cycle:"
'

test_expect_success 'a config outside <schedule>/process_config/<process>/ is refused' '
	cp "$CASES/diamond/main.conf" elsewhere.conf &&
	test_expect_code 3 pmeta check elsewhere.conf 2>err &&
	test_contains err "error: elsewhere.conf: not where a process config lives"
'

test_expect_success 'a missing config: exit 1' '
	test_expect_code 1 pmeta check sche_001/process_config/p_404_v_000/main.conf 2>err &&
	test_contains err "cannot read"
'

test_expect_success 'usage: no config is exit 2, --help exit 0' '
	test_expect_code 2 pmeta check 2>err &&
	test_contains err "usage: pmeta check" &&
	pmeta check --help >out &&
	test_contains out "usage: pmeta check" &&
	test_expect_code 2 pmeta check --bogus $C 2>err
'

test_expect_success 'base.conf: an unknown key names base.conf:line' '
	cp "$CASES/diamond/main.conf" $C &&
	printf "interpreter = python3\ntempalte = x\n" >sche_001/base.conf &&
	test_expect_code 3 pmeta check $C 2>err &&
	test_contains err "error: $TRASH/sche_001/base.conf:2: unknown key '\''tempalte'\''"
'

test_expect_success 'base.conf: a placeholder no step has is an error with its line' '
	printf "# settings\ninterpreter = python3\ntemplate = {interpreter} {script} --lang={lang}\n" >sche_001/base.conf &&
	test_expect_code 3 pmeta check $C 2>err &&
	test_contains err "sche_001/base.conf:3: template: step [proc_001_v_000] has no '\''lang'\'' for {lang}"
'

test_expect_success 'base.conf: step parameters fill the template' '
	printf "[proc_001_v_000]\nlang = en\n[proc_002_v_000]\nlang = fr ja\nlast_proc = proc_001_v_000\n" >$C &&
	pmeta check $C >out 2>/dev/null &&
	test_contains out "ok: 2 steps, 2 stages"
'
test_expect_success 'base.conf: sections belong to other tools, even repeated ones' '
	printf "interpreter = python3\n[runner]\njobs = 4\n[runner]\nx = 1\n" >sche_001/base.conf &&
	pmeta check -q $C
'
rm -f sche_001/base.conf

test_done
