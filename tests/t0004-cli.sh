#!/usr/bin/env bash
# The command line: help for every verb, version, usage errors, and every
# option of every verb in every spelling. The verbs and their options come
# from pmeta itself ('pmeta help --list-verbs', 'pmeta VERB --list-options',
# both printed from the tables the parser reads), so a new verb or option is
# covered here without touching this file.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

test_expect_success 'pmeta --version and pmeta version' '
	pmeta --version >out && grep -E "^pmeta [0-9]+\.[0-9]+\.[0-9]+ " out &&
	pmeta version >out2 && test_cmp out out2
'

test_expect_success 'pmeta help lists the verbs; no verb is a usage error' '
	pmeta help >out &&
	test_contains out "usage: pmeta" &&
	test_contains out "Exit codes:" &&
	test_expect_code 2 pmeta 2>err &&
	test_contains err "usage: pmeta"
'

test_expect_success 'help --list-verbs lists every verb of the overview, and more only when hidden' '
	pmeta help --list-verbs >verbs &&
	test "$(wc -l <verbs)" -ge 16 &&
	pmeta help | sed -n "s/^   \([a-z]*\) .*/\1/p" >listed &&
	for verb in $(cat listed); do
		grep -qx "$verb" verbs || { echo "$verb is in the overview, not in --list-verbs"; return 1; }
	done
'

test_expect_success 'every verb answers -h and --help with its usage, exit 0' '
	for verb in $(pmeta help --list-verbs); do
		pmeta $verb -h >h || { echo "$verb -h failed" ; return 1 ; }
		grep -q "^usage: pmeta" h || { echo "$verb -h: no usage" ; return 1 ; }
		pmeta $verb --help >h2 && test_cmp h h2 || return 1
		pmeta help $verb >h3 && test_cmp h h3 || return 1
		awk -v v=$verb "length > 80 { print v \": line longer than 80: \" \$0; bad = 1 } END { exit bad }" h ||
			return 1
	done
'

test_expect_success 'an unknown verb or option is a usage error (exit 2)' '
	test_expect_code 2 pmeta frobnicate 2>err &&
	test_contains err "'\''frobnicate'\'' is not a pmeta verb" &&
	test_expect_code 2 pmeta --frob 2>err &&
	test_contains err "unknown option" &&
	test_expect_code 2 pmeta help frobnicate
'

test_expect_success 'the option list and the synopsis of every usage match the table' '
	for verb in $(pmeta help --list-verbs); do
		pmeta $verb -h >h && pmeta $verb --list-options >opts || return 1
		while read -r long short kind argh hidden; do
			[ -z "$hidden" ] || continue
			if [ "$long" != - ]; then
				grep -qE -- "^    (-., )?$long( |$)" h ||
					{ echo "$verb: $long is not in the option list:"; cat h; return 1; }
			else
				grep -qE -- "^    $short( |,|$)" h ||
					{ echo "$verb: $short is not in the option list:"; cat h; return 1; }
			fi
		done <opts
		# every option the synopsis names is one the verb takes
		sed "/^$/,\$d" h | grep -oE -- "(^|[[ |])--?[a-z][a-z-]*" | sed "s/^[[ |]//" |
		while read -r o; do
			grep -qE -- "(^| )$o " opts ||
				{ echo "$verb: the synopsis names $o, which is not in the table"; exit 1; }
		done || return 1
	done
'

# --- every option of every verb, in every spelling ---------------------------

# A workspace with a process, its import, a fork and a finished run, so that
# the verbs below do real work (and print the same thing twice).
test_expect_success 'a workspace with a process, a fork and a run' '
	test_reset_graph &&
	run_workspace &&
	add_procs proc_001_v_000 proc_002_v_000 &&
	printf "[proc_001_v_000]\nlast_proc = schema_input\n\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n" >$CONF &&
	commit_workspace &&
	pmeta migrate >/dev/null &&
	pmeta import -q $CONF &&
	pmeta fork proc_001_v_000 -m "for the cli test" >/dev/null &&
	pmeta run p_001_v_000 -q >/dev/null
'

# The arguments a verb gets beside the option under test.
base_args() {
	case "$1" in
	check|import|plan) echo "$CONF" ;;
	run) echo "p_001_v_000 --dry-run" ;;
	fork) echo "proc_999_v_000" ;;      # no such version: nothing is forked
	lineage|log) echo "proc_001_v_000" ;;
	diff) echo "proc_001_v_000 proc_001_v_001" ;;
	*) ;;
	esac
}

# A value that the option accepts (any word otherwise).
sample_value() {
	case "$1 $2" in
	*" --format") echo json ;;
	*" --run-mode") echo auto ;;
	"run --from" | "run --to" | "run --only") echo proc_002_v_000 ;;
	"run --resume") echo last ;;
	"fork --to") echo proc_999_v_001 ;;
	*) echo 1 ;;
	esac
}

# outcome FILE VERB ARGS...: exit code, stdout and stderr of pmeta VERB ARGS.
outcome() {
	local f=$1 rc
	shift
	pmeta "$@" >"$f.out" 2>"$f.err"
	rc=$?
	{ echo "exit $rc"; cat "$f.out"; echo "--- stderr"; cat "$f.err"; } >"$f"
}

# same A B WHAT: the outcomes A and B are the same.
same() {
	diff -u "$1" "$2" >/dev/null ||
		{ echo "$3: different outcomes:"; diff -u "$1" "$2" | head -n 30; return 1; }
}

# parsed FILE WHAT: the parser took the option (whatever the verb made of it).
parsed() {
	! grep -qE "^error: (unknown option|option '.*' (needs a value|takes no value|needs a whole number))" "$1.err" ||
		{ echo "$2: not parsed:"; cat "$1.err"; return 1; }
}

# usage_error FILE TEXT WHAT: exit 2, stderr starts with "error: TEXT" and has the usage.
usage_error() {
	head -n1 "$1" | grep -qx "exit 2" && head -n1 "$1.err" | grep -qF "error: $2" &&
		grep -q "^usage: pmeta" "$1.err" ||
		{ echo "$3: not a usage error with '\''error: $2'\'':"; cat "$1"; return 1; }
}

check_verb_options() {
	local verb=$1 base long short kind argh v flags=""
	base=$(base_args "$verb")
	pmeta "$verb" --list-options >opts || return 1
	outcome u "$verb" $base --no-such-option &&
	usage_error u "unknown option '--no-such-option'" "$verb --no-such-option" || return 1
	if ! grep -q " -Z " opts; then
		outcome u "$verb" $base -Z && usage_error u "unknown option '-Z'" "$verb -Z" || return 1
	fi
	while read -r long short kind argh hidden; do
		if [ "$kind" = flag ]; then
			if [ "$long" != - ]; then
				outcome a "$verb" $base "$long" && parsed a "$verb $long" &&
				outcome b "$verb" $base "$long=1" &&
				usage_error b "option '$long' takes no value" "$verb $long=1" || return 1
			fi
			if [ "$short" != - ]; then
				flags="$flags${short#-}"
				outcome c "$verb" $base "$short" && parsed c "$verb $short" &&
				outcome d "$verb" $base "$short=1" &&
				usage_error d "option '$short' takes no value" "$verb $short=1" || return 1
				if [ "$long" != - ]; then
					same a c "$verb $long and $short" || return 1
				fi
			fi
			continue
		fi
		v=$(sample_value "$verb" "$long")
		if [ "$long" != - ]; then
			outcome a "$verb" $base "$long" "$v" && parsed a "$verb $long $v" &&
			outcome b "$verb" $base "$long=$v" && same a b "$verb $long $v, $long=$v" &&
			outcome m "$verb" $base "$long" &&
			usage_error m "option '$long' needs a value" "$verb $long (no value)" || return 1
		fi
		if [ "$short" != - ]; then
			outcome c "$verb" $base "$short" "$v" && parsed c "$verb $short $v" &&
			outcome d "$verb" $base "$short$v" && same c d "$verb $short $v, $short$v" &&
			outcome e "$verb" $base "$short=$v" && same c e "$verb $short $v, $short=$v" &&
			outcome m "$verb" $base "$short" &&
			usage_error m "option '$short' needs a value" "$verb $short (no value)" || return 1
			if [ "$long" != - ]; then
				# the option is named as spelled in an error, so compare exit and stdout
				cmp -s a.out c.out && [ "$(head -n1 a)" = "$(head -n1 c)" ] ||
					{ echo "$verb $long and $short differ:"; cat a c; return 1; }
			fi
		fi
		if [ "$kind" = list ]; then
			outcome a "$verb" $base "$long" "$v" "$long" "$v" &&
			outcome b "$verb" $base "$long=$v" "$long=$v" && same a b "$verb $long twice" || return 1
		fi
	done <opts
	# bundled short flags mean the same as the flags one by one
	if [ ${#flags} -ge 2 ]; then
		outcome a "$verb" $base "-$flags" &&
		outcome b "$verb" $base $(printf -- "-%s " $(echo "$flags" | fold -w1)) &&
		same a b "$verb -$flags" || return 1
	fi
	# -- ends the options: what follows is an argument (and with Neo4j out of
	# reach, no verb gets to write anything, such as init a folder "-Z")
	NEO4J_URI=ftp://127.0.0.1:1 outcome a "$verb" -- --no-such-option &&
	! grep -q "unknown option" a.err || { echo "$verb -- --no-such-option:"; cat a; return 1; }
}

for verb in $(pmeta help --list-verbs); do
	test_expect_success "every option of '$verb': each spelling gives the same outcome" \
		"check_verb_options $verb"
done

test_expect_success 'the spellings of issue 9 that used to be unknown options' '
	outcome a run p_001_v_000 --dry-run --run-mode=auto && parsed a "--run-mode=auto" &&
	test_contains a "--run_mode=auto" &&
	outcome a run p_001_v_000 --dry-run --from=proc_002_v_000 && parsed a "--from=" &&
	outcome b run p_001_v_000 --dry-run --from proc_002_v_000 && same a b "--from" &&
	outcome a runs -n=1 && parsed a "-n=1" &&
	outcome b runs -n 1 && same a b "-n=1 and -n 1" &&
	test "$(grep -c "^20" a.out)" = 1
'

test_expect_success 'value options take the next word as it is, even when it starts with -' '
	outcome a lineage proc_001_v_000 --depth -1 &&
	usage_error a "option '\''--depth'\'' needs a whole number of at least 0, not '\''-1'\''" "--depth -1" &&
	outcome a run p_001_v_000 -j 0 &&
	usage_error a "option '\''-j'\'' needs a whole number from 1 to 4096, not '\''0'\''" "-j 0" &&
	outcome a run p_001_v_000 --grace=0 &&
	usage_error a "option '\''--grace'\'': needs seconds" "--grace=0"
'

test_done
