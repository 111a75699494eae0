#!/usr/bin/env bash
# Neo4j Browser (5.24.0, as the tests' Neo4j serves it) in Debian's chromium,
# driven by playwright-core (tests/browser/lineage.js): the link of
# `pmeta lineage NAME --format url` logs in to this Neo4j, runs the lineage
# query it carries, takes cypher/pmeta.grass with `:style`, and every node
# is drawn with its whole caption, versions told apart. The query raises no
# warning in the Browser either. PMETA_SCREENSHOTS=1 saves the picture as
# docs/img/lineage-browser.png.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-clients.sh"

test_reset_graph

test_expect_success BROWSER 'setup: a lineage with forks, processes, steps and datasets' '
	clients_workspace
'

test_expect_success BROWSER 'the lineage link, run and styled in the Browser, draws every caption whole' '
	shot= &&
	if [ -n "${PMETA_SCREENSHOTS:-}" ]; then shot=$TEST_ROOT/docs/img/lineage-browser.png; fi &&
	url=$(pmeta lineage proc_004_v_000 --format url) &&
	case "$url" in "$NEO4J_URI/browser/?"*"dbms=bolt%3A%2F%2Fneo4j%40"*) ;; *) echo "link: $url"; false ;; esac &&
	timeout 150 node "$TEST_ROOT/tests/browser/lineage.js" "$url" "$TEST_ROOT/cypher/pmeta.grass" $shot >page.json &&
	python3 - page.json <<-\EOF
	import json, sys
	page = json.load(open(sys.argv[1]))
	drawn = page["captions"]
	want = sorted(["proc_004 v_000", "proc_004 v_001", "proc_004 v_010",   # the procedures
	               "p_002 v_000", "p_002 v_001",                           # the processes using them
	               "proc_004 v_000", "proc_004 v_001",                     # their steps
	               "proc_001 v_000", "proc_004 v_000", "proc_004 v_001"])  # datasets read and written
	assert not [c for c in drawn if "\u2026" in c], "cut captions: %r" % drawn
	assert drawn == want, "drawn %r, expected %r" % (drawn, want)
	assert page["nodes"] == len(want), page
	assert page["warnings"] == 0, "the Browser shows a warning for the query: %r" % page
	print("chromium", page["browser"], "drew", len(drawn), "captions whole")
	EOF
'

test_done
