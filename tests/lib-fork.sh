# Helpers for the fork and lineage tests (t02xx), sourced after tests/lib.sh.

# git must never find the pmeta repository above the trash folder.
export GIT_CEILING_DIRECTORIES="$TEST_ROOT/build/trash"

# A workspace with one schedule: two procedures and a process, committed,
# and the graph schema migrated.
fork_workspace() {
	test_git_workspace &&
	mkdir -p sche_001/pys sche_001/process_config/p_002_v_000 &&
	printf 'print("proc 4")\n' >sche_001/pys/proc_004_v_000.py &&
	printf 'print("proc 5")\n' >sche_001/pys/proc_005_v_000.py &&
	printf '[proc_004_v_000]\nlast_proc = schema_input\n\n[proc_005_v_000]\nlast_proc = proc_004_v_000\n' \
		>sche_001/process_config/p_002_v_000/main.conf &&
	printf '/*\n!/sche_*\n!/notes.txt\n' >.git/info/exclude &&
	git add . && git commit -q -m 'schedule 1' &&
	pmeta migrate >/dev/null
}

# The whole graph, sorted, one line per node and per relationship.
graph_dump() {
	cypher 'MATCH (n) WHERE NOT n:__Neo4jMigration RETURN labels(n) AS l, properties(n) AS p' |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]["data"]; [print(x) for x in sorted(json.dumps(d["row"], sort_keys=True) for d in r)]' &&
	cypher 'MATCH (a)-[r]->(b) WHERE NOT a:__Neo4jMigration RETURN coalesce(a.key, a.name), type(r), coalesce(b.key, b.name), properties(r)' |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]["data"]; [print(x) for x in sorted(json.dumps(d["row"], sort_keys=True) for d in r)]'
}

# Removes every node but the migration records, keeps the schema.
graph_wipe() {
	cypher 'MATCH (n) WHERE NOT n:__Neo4jMigration DETACH DELETE n' >/dev/null
}

# git's own view of a commit's trailer: trailer_of REV KEY
trailer_of() {
	git log -1 --format="%(trailers:key=$2,valueonly)" "$1" | sed '/^$/d'
}

# "nodes relationships" of pmeta's own graph (migration records left out).
lineage_counts() {
	printf '%s %s\n' "$(cypher_value 'MATCH (n) WHERE NOT n:__Neo4jMigration RETURN count(n)')" \
		"$(cypher_value 'MATCH (a)-[r]->() WHERE NOT a:__Neo4jMigration RETURN count(r)')"
}
