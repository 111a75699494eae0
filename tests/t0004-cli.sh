#!/usr/bin/env bash
# The command line: help for every verb, version, usage errors.
. "$(dirname "$0")/lib.sh"

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

test_expect_success 'every listed verb answers -h and --help with its usage, exit 0' '
	pmeta help >out &&
	for verb in $(sed -n "s/^   \([a-z]*\) .*/\1/p" out); do
		pmeta $verb -h >h || { echo "$verb -h failed" ; return 1 ; }
		grep -q "^usage: pmeta" h || { echo "$verb -h: no usage" ; return 1 ; }
		pmeta $verb --help >h2 && test_cmp h h2 || return 1
		pmeta help $verb >h3 && test_cmp h h3 || return 1
	done
'

test_expect_success 'an unknown verb or option is a usage error (exit 2)' '
	test_expect_code 2 pmeta frobnicate 2>err &&
	test_contains err "'\''frobnicate'\'' is not a pmeta verb" &&
	test_expect_code 2 pmeta --frob 2>err &&
	test_contains err "unknown option" &&
	test_expect_code 2 pmeta help frobnicate
'

test_done
