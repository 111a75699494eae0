#!/usr/bin/env bash
# The registry (issue 13 item 3): import, fork and sync write each version's
# description, author, email, created/updated times and commits and the fork
# it came from; pmeta show, pmeta ls and pmeta status read them. Every field
# is checked against what git log says, through a merge of a branch (its
# author kept) and a merge that drops a branch's edit (no update).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

export GIT_CEILING_DIRECTORIES="$TEST_ROOT/build/trash"
S=sche_t

# commit_as NAME DATE MESSAGE: commits what is staged as author NAME at DATE.
commit_as() {
	GIT_AUTHOR_NAME=$1 GIT_AUTHOR_EMAIL=$(echo "$1" | tr A-Z a-z)@lab.example \
	GIT_AUTHOR_DATE="$2" GIT_COMMITTER_DATE="$2" git commit -q -m "$3"
}

# prop KEY PROP: a property of the version node of that local key, as text.
prop() {
	cypher_value 'CALL () { MATCH (v:Procedure {key: $k}) RETURN v UNION MATCH (v:Process {key: $k}) RETURN v } RETURN toString(v[$p])' \
		"{\"k\": \"ws/$1\", \"p\": \"$2\"}"
}

# seconds KEY PROP: a datetime property as seconds since the epoch.
seconds() {
	cypher_value 'CALL () { MATCH (v:Procedure {key: $k}) RETURN v UNION MATCH (v:Process {key: $k}) RETURN v } RETURN v[$p].epochSeconds' \
		"{\"k\": \"ws/$1\", \"p\": \"$2\"}"
}

test_expect_success 'setup: versions by Ana, Bo and Cy (on a branch), edits, a merge' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	git add job.py ctl.json && commit_as Root "2024-01-01T00:00:00Z" "tools" &&
	{ printf "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\"\"\"Cleans the raw table.\n\n    Drops rows without an id.\n    \"\"\"\n"; cat job.py; } >$S/pys/proc_001_v_000.py &&
	cat >$S/process_config/p_001_v_000/main.conf <<-EOF &&
	description = Nightly cleaning of the raw tables
	[proc_001_v_000]
	[proc_002_v_000]
	last_proc = proc_001_v_000
	EOF
	git add $S/pys/proc_001_v_000.py $S/process_config $S/base.conf &&
	commit_as Ana "2024-02-01T10:00:00Z" "cleaning" &&
	{ printf "# Scores the cleaned rows.\n# Second line.\n\nimport sys\n"; cat job.py; } >$S/pys/proc_002_v_000.py &&
	git add $S/pys/proc_002_v_000.py && commit_as Bo "2024-03-01T10:00:00Z" "scoring" &&
	echo "# tweak" >>$S/pys/proc_001_v_000.py &&
	git add $S/pys/proc_001_v_000.py && commit_as Bo "2024-04-01T10:00:00Z" "tweak cleaning" &&
	git checkout -q -b side &&
	cp job.py $S/pys/proc_003_v_000.py && git add $S/pys/proc_003_v_000.py &&
	commit_as Cy "2024-05-01T10:00:00Z" "a third step, on a branch" &&
	git checkout -q main &&
	printf "x\n" >notes.txt && git add notes.txt && commit_as Ana "2024-05-15T10:00:00Z" "notes" &&
	GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@lab.example GIT_AUTHOR_DATE="2024-06-01T10:00:00Z" \
		GIT_COMMITTER_DATE="2024-06-01T10:00:00Z" git merge -q --no-ff -m "merge side" side &&
	git checkout -q -b discarded &&
	echo "# not kept" >>$S/pys/proc_002_v_000.py && git add $S/pys/proc_002_v_000.py &&
	commit_as Gus "2024-06-10T10:00:00Z" "an edit the merge drops" &&
	git checkout -q main &&
	GIT_AUTHOR_NAME=Ana GIT_AUTHOR_EMAIL=ana@lab.example GIT_AUTHOR_DATE="2024-06-20T10:00:00Z" \
		GIT_COMMITTER_DATE="2024-06-20T10:00:00Z" git merge -q -s ours -m "merge, keeping ours" discarded &&
	cp job.py $S/pys/proc_009_v_000.py && git add $S/pys/proc_009_v_000.py &&
	commit_as Dee "2024-07-01T10:00:00Z" "an unused script" &&
	git rm -q $S/pys/proc_009_v_000.py && commit_as Dee "2024-07-02T10:00:00Z" "gone" &&
	cp job.py $S/pys/proc_009_v_000.py && git add $S/pys/proc_009_v_000.py &&
	commit_as Eve "2024-07-03T10:00:00Z" "back again"
'

test_expect_success 'import: the process and its procedures, as git log says' '
	pmeta import $CONF >out &&
	P=$S/pys/proc_001_v_000.py &&
	test_eq "$(prop $S/proc_001_v_000 description)" "Cleans the raw table.

Drops rows without an id." &&
	test_eq "$(prop $S/proc_001_v_000 author)" "$(git log --diff-filter=A --format=%an -- $P)" &&
	test_eq "$(prop $S/proc_001_v_000 author_email)" "$(git log --diff-filter=A --format=%ae -- $P)" &&
	test_eq "$(prop $S/proc_001_v_000 created_commit)" "$(git log --diff-filter=A --format=%H -- $P)" &&
	test_eq "$(seconds $S/proc_001_v_000 created_at)" "$(git log --diff-filter=A --format=%at -- $P)" &&
	test_eq "$(prop $S/proc_001_v_000 updated_commit)" "$(git log -1 --format=%H -- $P)" &&
	test_eq "$(seconds $S/proc_001_v_000 updated_at)" "$(git log -1 --format=%at -- $P)" &&
	test_eq "$(prop $S/proc_001_v_000 author)" Ana &&
	test_eq "$(git log -1 --format=%an -- $P)" Bo &&
	test_eq "$(prop $S/proc_002_v_000 description)" "Scores the cleaned rows.
Second line." &&
	test_eq "$(prop $S/proc_002_v_000 author)" Bo &&
	test_eq "$(prop $S/p_001_v_000 description)" "Nightly cleaning of the raw tables" &&
	test_eq "$(prop $S/p_001_v_000 author)" Ana &&
	test_eq "$(prop $S/p_001_v_000 created_commit)" "$(git log --format=%H -- $S/process_config/p_001_v_000 | tail -1)" &&
	test_eq "$(cypher_value "MATCH (v:Procedure {key: \"ws/$S/proc_001_v_000\"}) RETURN valueType(v.created_at)")" "ZONED DATETIME NOT NULL"
'

test_expect_success 'import again sets nothing: unchanged, and with --force the registry sets nothing' '
	pmeta import $CONF >out &&
	test_contains out "unchanged since its last import: nothing written" &&
	pmeta import --force $CONF >out &&
	test_contains out "0 nodes and 0 relationships created, 0 nodes and 0 relationships deleted, 0 properties set"
'

test_expect_success 'fork: the new version is the forker'\''s, from its source' '
	GIT_AUTHOR_NAME=Fay GIT_AUTHOR_EMAIL=fay@lab.example pmeta fork proc_001_v_000 -m "stricter ids" >/dev/null &&
	F=$S/pys/proc_001_v_001.py &&
	test_eq "$(prop $S/proc_001_v_001 author)" Fay &&
	test_eq "$(prop $S/proc_001_v_001 author_email)" fay@lab.example &&
	test_eq "$(prop $S/proc_001_v_001 forked_from)" proc_001_v_000 &&
	test_eq "$(prop $S/proc_001_v_001 created_commit)" "$(git log --diff-filter=A --format=%H -- $F)" &&
	test_eq "$(prop $S/proc_001_v_001 description)" "$(prop $S/proc_001_v_000 description)"
'

test_expect_success 'sync: every version on disk; a branch keeps its author; a file added again is new' '
	pmeta sync >out &&
	test_eq "$(prop $S/proc_002_v_000 updated_commit)" "$(git log -1 --format=%H -- $S/pys/proc_002_v_000.py)" &&
	test_eq "$(prop $S/proc_002_v_000 author)" Bo &&
	test_contains out "registry: 5 procedure and 1 process version(s), 6 in the history" &&
	test_eq "$(prop $S/proc_003_v_000 author)" Cy &&
	test_eq "$(prop $S/proc_003_v_000 created_commit)" "$(git log --diff-filter=A --format=%H -- $S/pys/proc_003_v_000.py)" &&
	test_eq "$(prop $S/proc_009_v_000 author)" Eve &&
	test_eq "$(prop $S/proc_009_v_000 created_commit)" "$(git log -1 --diff-filter=A --format=%H -- $S/pys/proc_009_v_000.py)" &&
	test_eq "$(prop $S/proc_009_v_000 blob)" "$(git rev-parse HEAD:$S/pys/proc_009_v_000.py)" &&
	pmeta sync >out &&
	test_contains out "; 0 properties set"
'

test_expect_success 'sync: a script never committed is listed, without author' '
	cp job.py $S/pys/proc_010_v_000.py &&
	pmeta sync >out &&
	test_contains out "registry: 6 procedure and 1 process version(s), 6 in the history" &&
	test_eq "$(cypher_value "MATCH (v:Procedure {key: \"ws/$S/proc_010_v_000\"}) RETURN v.author IS NULL AND v.created_at IS NULL AND v.blob IS NOT NULL")" True &&
	rm $S/pys/proc_010_v_000.py
'

test_expect_success 'ls: newest first, every field as git log says' '
	pmeta ls --format json >ls.json &&
	python3 - ls.json <<-\EOF
	import json, subprocess, sys
	rows = json.load(open(sys.argv[1]))
	names = [r["name"] for r in rows]
	assert names[0] == "proc_010_v_000", names            # never committed: first
	assert names[1:] == ["proc_001_v_001", "proc_009_v_000", "proc_003_v_000", "proc_002_v_000",
	                     "proc_001_v_000", "p_001_v_000"], names
	def git(*a):
	    return subprocess.check_output(["git"] + list(a)).decode().strip()
	for r in rows[1:]:
	    path = r["path"]
	    created = git("log", "-1", "--diff-filter=A", "--format=%H %an %ae %aI", "--", path).split()
	    if r["kind"] == "process":
	        created = git("log", "--reverse", "--format=%H %an %ae %aI", "--", path).split("\n")[0].split()
	    updated = git("log", "-1", "--format=%H %aI", "--", path).split()
	    assert [r["created_commit"], r["author"], r["author_email"]] == created[:3], (r, created)
	    assert r["created_at"] == created[3].replace("+00:00", "Z"), (r, created)
	    assert [r["updated_commit"], r["updated_at"]] == [updated[0], updated[1].replace("+00:00", "Z")], (r, updated)
	assert [r["forked_from"] for r in rows if r["name"] == "proc_001_v_001"] == ["proc_001_v_000"]
	assert [r["description"] for r in rows if r["name"] == "proc_002_v_000"] == ["Scores the cleaned rows.\nSecond line."]
	EOF
'

test_expect_success 'ls: filters by author (name or email), family, schedule; the table' '
	pmeta ls --author bo --format json >bo.json &&
	python3 -c "
import json
assert [r[\"name\"] for r in json.load(open(\"bo.json\"))] == [\"proc_002_v_000\"]
" &&
	pmeta ls --author ana@LAB.example --format json >ana.json &&
	python3 -c "
import json
assert [r[\"name\"] for r in json.load(open(\"ana.json\"))] == [\"proc_001_v_000\", \"p_001_v_000\"]
" &&
	pmeta ls --family proc_001 >out &&
	test_eq "$(sed -n 1p out | tr -s " ")" "NAME KIND SCHEDULE AUTHOR CREATED FORKED FROM DESCRIPTION" &&
	test_eq "$(sed -n 2p out | tr -s " ")" "proc_001_v_001 procedure sche_t Fay $(prop $S/proc_001_v_001 created_at) proc_001_v_000 Cleans the raw table." &&
	test_eq "$(sed -n 3p out | tr -s " ")" "proc_001_v_000 procedure sche_t Ana 2024-02-01T10:00:00Z - Cleans the raw table." &&
	test_eq "$(tail -n1 out)" "2 versions" &&
	pmeta ls --schedule nowhere >out && test_eq "$(tail -n1 out)" "0 versions" &&
	json_valid ls ls.json bo.json ana.json
'

test_expect_success 'show: the card of a procedure, after a run' '
	pmeta run p_001_v_000 -q >run.out 2>&1 &&
	id=$(run_id_of run.out) &&
	pmeta show proc_001_v_000 >out &&
	test_eq "$(sed -n 1p out)" "procedure sche_t/proc_001_v_000" &&
	test_contains out "  description  Cleans the raw table." &&
	test_contains out "               Drops rows without an id." &&
	test_contains out "  author       Ana <ana@lab.example>" &&
	test_contains out "  created      2024-02-01T10:00:00Z  commit $(git log --diff-filter=A --format=%h --abbrev=12 -- $S/pys/proc_001_v_000.py)" &&
	test_contains out "  updated      2024-04-01T10:00:00Z  commit $(git log -1 --format=%h --abbrev=12 -- $S/pys/proc_001_v_000.py)" &&
	test_contains out "  blob         $(git rev-parse HEAD:$S/pys/proc_001_v_000.py)" &&
	test_contains out "  forks        proc_001_v_001 (patch)" &&
	test_contains out "  used by      p_001_v_000, step proc_001_v_000" &&
	test_contains out "  last runs    $id  succeeded  step proc_001_v_000" &&
	pmeta show --format json sche_t/proc_001_v_001 >card.json &&
	python3 -c "
import json
c = json.load(open(\"card.json\"))
assert c[\"kind\"] == \"procedure\" and c[\"version\"][\"author\"] == \"Fay\", c
assert [f[\"name\"] for f in c[\"forked_from\"]] == [\"proc_001_v_000\"], c
assert c[\"runs\"] == [] and c[\"used_by\"] == [], c
" &&
	pmeta show --format json proc_001_v_000 >card0.json &&
	json_valid show card.json card0.json &&
	python3 -c "
import json
c = json.load(open(\"card0.json\"))
assert [(r[\"run\"], r[\"status\"], r[\"step\"]) for r in c[\"runs\"]] == [(\"$id\", \"succeeded\", \"proc_001_v_000\")], c
assert c[\"runs\"][0][\"started_at\"].endswith(\"Z\") and len(c[\"runs\"][0][\"started_at\"]) == 24, c
"
'

test_expect_success 'show: a process card; -n limits the runs' '
	pmeta run p_001_v_000 -q >/dev/null 2>&1 &&
	pmeta show p_001_v_000 -n 1 >out &&
	test_eq "$(sed -n 1p out)" "process sche_t/p_001_v_000" &&
	test_contains out "  description  Nightly cleaning of the raw tables" &&
	test_contains out "  config       sche_t/process_config/p_001_v_000/main.conf" &&
	test_contains out "  steps        proc_001_v_000 runs proc_001_v_000" &&
	test_eq "$(grep -c succeeded out)" 1 &&
	pmeta show p_001_v_000 -n 1 --format json >pcard.json &&
	json_valid show pcard.json
'

test_expect_success 'status: who wrote each version that ran' '
	pmeta status >out &&
	test_contains out "VERSION" &&
	test_contains out "proc_001_v_000                       $(git rev-parse --short=12 HEAD:$S/pys/proc_001_v_000.py) Ana <ana@lab.example>, created 2024-02-01T10:00:00Z" &&
	test_contains out "proc_002_v_000                       $(git rev-parse --short=12 HEAD:$S/pys/proc_002_v_000.py) Bo <bo@lab.example>" &&
	pmeta status --json >st.json &&
	json_valid status st.json &&
	python3 -c "
import json
s = json.load(open(\"st.json\"))
assert {v[\"name\"]: v[\"author\"] for v in s[\"versions\"]} == {\"proc_001_v_000\": \"Ana\", \"proc_002_v_000\": \"Bo\"}, s[\"versions\"]
"
'

test_expect_success 'show and ls: unknown names, usage' '
	test_expect_code 1 pmeta show proc_404_v_000 2>err &&
	test_contains err "no version '\''proc_404_v_000'\''" &&
	test_expect_code 2 pmeta show 2>err &&
	test_expect_code 2 pmeta ls --format yaml 2>err &&
	test_expect_code 2 pmeta ls extra 2>err &&
	pmeta show -h >out && test_contains out "usage: pmeta show" &&
	pmeta ls -h >out && test_contains out "usage: pmeta ls"
'

test_expect_success 'import and sync: nothing of the schedule committed yet' '
	mkdir fresh && (
		cd fresh && run_workspace && test_workspace_name fresh &&
		git add job.py && git commit -q -m tools &&
		add_procs proc_001_v_000 &&
		printf "[proc_001_v_000]\n" >$CONF &&
		pmeta import $CONF >out &&
		pmeta sync >out &&
		test_contains out "registry: 1 procedure and 1 process version(s)"
	) &&
	test_eq "$(cypher_value "MATCH (v:Procedure {key: \"fresh/$S/proc_001_v_000\"}) RETURN v.author IS NULL AND v.created_at IS NULL AND v.blob IS NOT NULL")" True
'

test_done
