#!/usr/bin/env bash
# Provenance per job (issue 8 item 1): a JobRun records the git blob of the
# script that really ran (hashed when the job started), dirty when it was
# not HEAD's, and HEAD's commit; the Run records the config it ran (its
# hash, and its text once per hash in a ConfigText), host, user and pmeta's
# version. Old run ids (21 characters) are still read everywhere.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

P1=sche_t/pys/proc_001_v_000.py
P2=sche_t/pys/proc_002_v_000.py

jq_py() { $PY -c "import json, sys; d = json.load(open(sys.argv[1])); $2" "$1"; }

test_expect_success 'setup: a workspace with two steps, committed and imported' '
	test_reset_graph &&
	pmeta migrate >/dev/null &&
	run_workspace &&
	add_procs proc_001_v_000 proc_002_v_000 &&
	printf "[proc_001_v_000]\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n" >$CONF &&
	commit_workspace &&
	pmeta import $CONF >/dev/null
'

test_expect_success 'a committed run: HEAD blobs, not dirty, HEAD commit; the Run says who ran what' '
	pmeta run $CONF >out &&
	id=$(run_id_of out) && echo $id >run1.id &&
	test_eq "$(job_prop $id proc_001_v_000 - blob)" "$(git rev-parse HEAD:$P1)" &&
	test_eq "$(job_prop $id proc_001_v_000 - dirty)" False &&
	test_eq "$(job_prop $id proc_002_v_000 - commit)" "$(git rev-parse HEAD)" &&
	test_eq "$(run_prop $id config_hash)" "$(git hash-object $CONF)" &&
	test_eq "$(run_prop $id host)" "$(hostname)" &&
	test_eq "$(run_prop $id user)" "$(id -un)" &&
	test_eq "$(run_prop $id pmeta_version)" "$(pmeta version | sed -n "s/^pmeta //p")" &&
	test_eq "$(run_prop $id njobs)" 2
'

test_expect_success 'an edited, uncommitted script: the blob of its bytes, dirty, the HEAD it differs from' '
	printf "# tuned, not committed\n" >>$P2 &&
	pmeta run $CONF >out &&
	id=$(run_id_of out) && echo $id >run2.id &&
	test_eq "$(job_prop $id proc_002_v_000 - blob)" "$(git hash-object $P2)" &&
	test "$(job_prop $id proc_002_v_000 - blob)" != "$(git rev-parse HEAD:$P2)" &&
	test_eq "$(job_prop $id proc_002_v_000 - dirty)" True &&
	test_eq "$(job_prop $id proc_002_v_000 - commit)" "$(git rev-parse HEAD)" &&
	test_eq "$(job_prop $id proc_001_v_000 - dirty)" False
'

test_expect_success 'pmeta status shows the procedure and a short blob per job, * when dirty' '
	id=$(cat run2.id) &&
	pmeta status $id >out &&
	cat out &&
	short1=$(git rev-parse HEAD:$P1 | cut -c1-7) &&
	short2=$(git hash-object $P2 | cut -c1-7) &&
	grep -E "^proc_001_v_000 .* proc_001_v_000 +$short1 +\.pmeta/" out &&
	grep -E "^proc_002_v_000 .* proc_002_v_000 +$short2\* +\.pmeta/" out &&
	test_contains out "* dirty: the script differed from HEAD" &&
	test_contains out "config    $CONF  $(git hash-object $CONF | cut -c1-12)" &&
	test_contains out "by        $(id -un)@$(hostname), pmeta " &&
	pmeta status $id --json >st.json &&
	jq_py st.json "j = d[\"jobs\"][1]; assert (j[\"dirty\"], j[\"blob\"]) == (True, \"$(git hash-object $P2)\"), j"
'

test_expect_success 'edited and committed, run with --only: the new blob, not the one of the last import' '
	sed -i "1i print(\"proc_002 version two\")" $P2 &&
	git commit -qam "proc_002: version two" &&
	pmeta run $CONF --only proc_002_v_000 >out &&
	id=$(run_id_of out) &&
	test_contains .pmeta/runs/$id/proc_002_v_000.log "proc_002 version two" &&
	test_eq "$(job_prop $id proc_002_v_000 - blob)" "$(git rev-parse HEAD:$P2)" &&
	test_eq "$(job_prop $id proc_002_v_000 - dirty)" False &&
	test_eq "$(job_prop $id proc_002_v_000 - commit)" "$(git rev-parse HEAD)" &&
	imported=$(cypher_value "MATCH (p:Procedure {key: \"ws/sche_t/proc_002_v_000\"}) RETURN p.blob") &&
	test "$imported" != "$(git rev-parse HEAD:$P2)"
'

test_expect_success 'a reused job keeps the blob of the run it comes from' '
	echo "{\"proc_002_v_000\": {\"exit\": 3}}" >ctl.json &&
	test_expect_code 1 pmeta run $CONF >out &&
	failed=$(run_id_of out) &&
	echo "{}" >ctl.json &&
	pmeta run --resume $failed >out &&
	id=$(run_id_of out) &&
	test_eq "$(job_prop $id proc_001_v_000 - reused_from)" $failed &&
	test_eq "$(job_prop $id proc_001_v_000 - blob)" "$(job_prop $failed proc_001_v_000 - blob)"
'

test_expect_success 'a config changed between two runs: both texts stay retrievable from their runs' '
	id1=$(cat run1.id) &&
	printf "[proc_001_v_000]\nthreshold = 0.5\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n" >$CONF &&
	pmeta run $CONF >out &&
	id3=$(run_id_of out) && echo $id3 >run3.id &&
	test_eq "$(run_prop $id3 config_hash)" "$(git hash-object $CONF)" &&
	cypher_value "MATCH (:Run {id: \$id})-[:USED_CONFIG]->(c:ConfigText) RETURN c.text" "{\"id\": \"$id1\"}" >text1 &&
	cypher_value "MATCH (:Run {id: \$id})-[:USED_CONFIG]->(c:ConfigText) RETURN c.text" "{\"id\": \"$id3\"}" >text3 &&
	printf "[proc_001_v_000]\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n\n" >want1 &&
	printf "[proc_001_v_000]\nthreshold = 0.5\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n\n" >want3 &&
	test_cmp want1 text1 &&
	test_cmp want3 text3 &&
	pmeta status $id1 --config >c1 &&
	printf "[proc_001_v_000]\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n" >w1 &&
	test_cmp w1 c1 &&
	pmeta status $id3 --config >c3 &&
	test_cmp $CONF c3
'

test_expect_success 'a config text is kept once per hash, per workspace' '
	pmeta run $CONF >out &&
	test_eq "$(cypher_value "MATCH (c:ConfigText {workspace: \"ws\"}) RETURN count(c)")" 2 &&
	test_eq "$(cypher_value "MATCH (c:ConfigText) RETURN c.key ORDER BY c.key LIMIT 1" | cut -d/ -f1)" ws &&
	test_eq "$(cypher_value "MATCH (r:Run)-[:USED_CONFIG]->(:ConfigText {hash: \$h}) RETURN count(r)" "{\"h\": \"$(git hash-object $CONF)\"}")" 2
'

test_expect_success 'a run kept in the journal only brings its config text with it (runs --sync)' '
	printf "[proc_001_v_000]\nthreshold = 0.75\n[proc_002_v_000]\nlast_proc = proc_001_v_000\n" >$CONF &&
	pmeta run $CONF --no-record >out &&
	id=$(run_id_of out) &&
	NEO4J_URI=http://127.0.0.1:1 pmeta status $id --config >c 2>err &&
	test_cmp $CONF c &&
	test_contains err "showing the local journal" &&
	pmeta runs --sync >out &&
	test_contains out "1 run written" &&
	test_eq "$(cypher_value "MATCH (:Run {id: \$id})-[:USED_CONFIG]->(c:ConfigText) RETURN c.hash" "{\"id\": \"$id\"}")" "$(git hash-object $CONF)"
'

test_expect_success 'run ids have 64 random bits and still sort by start time' '
	ls .pmeta/runs >ids &&
	test "$(wc -l <ids)" -ge 6 &&
	! grep -vE "^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{19}$" ids &&
	sort ids >sorted && test_cmp sorted ids &&
	test_eq "$(tail -n1 ids)" "$(pmeta runs --json | $PY -c "import json,sys; print(json.load(sys.stdin)[0][\"id\"])")"
'

test_expect_success 'an id of an earlier release (21 characters) is read by status, --resume and sync' '
	new=$(cat run1.id) &&
	old=20200101T000000Z-0a1b &&
	mkdir .pmeta/runs/$old &&
	sed "s/$new/$old/g" .pmeta/runs/$new/journal.jsonl >.pmeta/runs/$old/journal.jsonl &&
	pmeta runs --sync >out &&
	test_contains out "1 run written" &&
	pmeta status $old >out &&
	test_contains out "run       $old  succeeded" &&
	pmeta run --resume $old --dry-run >out &&
	test_contains out "reused from $old" &&
	test_eq "$(run_prop $old key)" ws/$old &&
	test_eq "$(cypher_value "MATCH (:Run {id: \"$old\"})-[:HAS_JOB]->(j) RETURN count(j)")" 2
'

test_done
