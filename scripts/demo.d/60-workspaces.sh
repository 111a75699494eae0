# Part 6: workspaces share one Neo4j; the graph's values are typed; an edit
# never deletes history (docs/graph.md).
# (The parts before made and ran sche_001/p_001_v_000 in this workspace.)
conf=sche_001/process_config/p_001_v_000/main.conf
second="$DEMO-second"

# cypher QUERY: the rows of a read query, one per line (the password goes to
# curl through a config on stdin, never argv).
cypher() {
	python3 -c 'import json,sys; print(json.dumps({"statements":[{"statement":sys.argv[1]}]}))' "$1" |
	curl -sS -K <(printf 'user = "%s:%s"\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD") \
		-H 'Content-Type: application/json' --data-binary @- "$NEO4J_URI/db/$NEO4J_DATABASE/tx/commit" |
	python3 -c 'import json,sys; r=json.load(sys.stdin); [print(*d["row"], sep="  ") for d in r["results"][0]["data"]] if not r["errors"] else sys.exit(r["errors"])'
}

if [ ! -f "$conf" ]; then
	echo "(no $conf: run the whole demo, 'make demo', for this part)"
	return 0
fi
echo "--- this workspace is '$(cat .pmeta/workspace)' (.pmeta/workspace); its keys start with it"
cypher "MATCH (p:Process {name: 'p_001_v_000'}) RETURN p.key, p.workspace"

echo
echo "--- a clone is a workspace of its own: same schedule, same process names"
rm -rf "$second"
git clone -q . "$second"
(
	cd "$second"
	pmeta init --workspace demo-second
	pmeta import "$conf"
	echo "\$ pmeta runs   (in the clone: none yet, the first workspace's runs are not its own)"
	pmeta runs
	echo "\$ pmeta runs --all-workspaces -n 4"
	pmeta runs --all-workspaces -n 4
)
cypher "MATCH (p:Process {name: 'p_001_v_000'}) RETURN p.key, COUNT { (p)-[:HAS_STEP]->() } AS steps"

echo
echo "--- typed values: numbers, booleans and datetimes answer typed queries"
echo "\$ MATCH (s:Step) WHERE s.max_shard > 1 RETURN s.key, s.max_shard"
cypher "MATCH (s:Step) WHERE s.max_shard > 1 RETURN s.key, s.max_shard"
echo "\$ MATCH (r:Run) WHERE r.started_at > datetime() - duration('P1D') RETURN r.key, r.status, r.started_at"
cypher "MATCH (r:Run) WHERE r.started_at > datetime() - duration('P1D') RETURN r.key, r.status, r.started_at ORDER BY r.id"

echo
echo "--- history: proc_008_v_000 leaves the config; its runs stay linked, and it is not planned"
python3 - "$conf" <<'EOF'
import sys
text = open(sys.argv[1]).read()
start = text.index("[proc_008_v_000]")
end = text.find("\n[", start + 1)
open(sys.argv[1], "w").write(text[:start] + (text[end + 1:] if end >= 0 else ""))
EOF
git commit -q -m "demo: drop the cleanup step" -- "$conf"
pmeta import "$conf"
pmeta plan p_001_v_000 | tail -n 1
cypher "MATCH (:Process {name: 'p_001_v_000', workspace: '$(cat .pmeta/workspace)'})-[h:HAD_STEP]->(s:Step)
        RETURN s.name, h.retired_at, COUNT { (:JobRun)-[:OF]->(s) } AS past_jobs"
echo "(put the section back and 'pmeta import': the same step returns, its runs still linked)"
