# Part 4b: the same process run again with OpenLineage events written to a
# file (one JSON RunEvent a line; a URL such as Marquez's would get them
# POSTed); one job's COMPLETE event, as a lineage consumer reads it.
# (Runs after 40-run.sh: the process of part 2, or its small stand-in.)
proc=p_001_v_000
echo "--- pmeta run $proc -j 2 --quiet --openlineage openlineage.jsonl"
pmeta run "$proc" -j 2 --quiet --openlineage openlineage.jsonl | tail -n 1
echo "$(wc -l <openlineage.jsonl) events in openlineage.jsonl: $(python3 -c '
import collections, json, sys
print(dict(collections.Counter(json.loads(l)["eventType"] for l in open(sys.argv[1]))))' openlineage.jsonl)"
echo "--- the first COMPLETE of a step (namespace = workspace, name = schedule/process/step):"
python3 - openlineage.jsonl <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["eventType"] == "COMPLETE" and e["job"]["name"].count("/") == 2:
        print(json.dumps(e, indent=1))
        break
EOF
rm -f openlineage.jsonl
