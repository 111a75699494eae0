#!/usr/bin/env bash
# pmeta init: git workspace, Neo4j check, migrations.
. "$(dirname "$0")/lib.sh"

test_reset_graph || exit 1

test_expect_success 'init makes a git repository and migrates' '
	mkdir ws && cd ws &&
	pmeta init >out &&
	test_contains out "initialised git workspace in ." &&
	test_contains out "applied migration 0001 graph constraints" &&
	test -d .git &&
	test_eq "$(git symbolic-ref HEAD)" refs/heads/main &&
	test_eq "$(cypher_value "MATCH (m:__Neo4jMigration {version: \"0001\"}) RETURN count(m)")" 1
'

test_expect_success 'init again changes nothing' '
	cd ws &&
	before=$(graph_counts) &&
	pmeta init >out &&
	test_contains out "already in a git workspace" &&
	test_eq "$(graph_counts)" "$before"
'

test_expect_success 'init inside a subfolder of a workspace does not nest a repository' '
	cd ws && mkdir -p sub/deeper && cd sub/deeper &&
	pmeta init >out &&
	test_contains out "already in a git workspace" &&
	test ! -e .git
'

test_expect_success 'init with Neo4j down touches nothing (exit 4)' '
	mkdir ws2 && cd ws2 &&
	test_expect_code 4 env NEO4J_URI=http://127.0.0.1:1 pmeta init 2>err &&
	test_contains err "cannot reach Neo4j at http://127.0.0.1:1" &&
	test ! -e .git
'

test_expect_success 'init of a named folder creates it' '
	pmeta init newws >out &&
	test -d newws/.git
'

test_done
