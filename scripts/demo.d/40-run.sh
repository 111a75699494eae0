# Part 4: run the demo process on this machine, look at the records, break
# one step, rerun what failed with --resume.
# (20-import-plan.sh made and imported sche_001 with process p_001_v_000.)
proc=p_001_v_000
conf=sche_001/process_config/$proc/main.conf

if [ ! -f "$conf" ]; then
	# Alone (without part 2), make a small process: a, then b, then 2 shards of c.
	echo "(no $conf from part 2: making a small 3-step process)"
	mkdir -p "$(dirname "$conf")" sche_001/pys
	[ -f sche_001/base.conf ] || echo 'interpreter = python3' >sche_001/base.conf
	for p in proc_001_v_000 proc_002_v_000 proc_003_v_000; do
		[ -f "sche_001/pys/$p.py" ] || printf '%s\n' 'import os, time' \
			'time.sleep(0.3)' \
			'print("step", os.environ["PMETA_STEP"], "shard", os.environ.get("PMETA_SHARD", "-"))' \
			>"sche_001/pys/$p.py"
	done
	printf '%s\n' '[proc_001_v_000]' '' '[proc_002_v_000]' 'last_proc = proc_001_v_000' '' \
		'[proc_003_v_000]' 'last_proc = proc_002_v_000' 'max_shard = 2' >"$conf"
	git add sche_001
	git commit -q -m 'demo: a small process to run'
	pmeta import "$conf"
fi

echo "--- pmeta run $proc -j 2"
pmeta run "$proc" -j 2
echo
echo "--- pmeta status (the run, job by job, from Neo4j)"
pmeta status

# Break one step that others depend on: the first job of the second stage.
broken=$(pmeta plan "$proc" --format json | python3 -c '
import json, sys
plan = json.load(sys.stdin)
stages = plan["stages"]
print((stages[1] if len(stages) > 1 else stages[0])["jobs"][0]["step"])')
script=sche_001/pys/$broken.py
echo
echo "--- breaking $broken: its script now exits 1 (committed)"
cp "$script" "$DEMO/.saved-script"
{ echo 'import sys; sys.exit("demo: broken on purpose")'; cat "$DEMO/.saved-script"; } > "$script"
git commit -q -m "demo: break $broken" -- "$script"
pmeta run "$proc" -j 2 || echo "(pmeta run exited $?: $broken failed, what depends on it was skipped)"
failed_run=$(pmeta runs "$proc" -n 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
pmeta status "$failed_run"

echo
echo "--- fixing $broken, then: pmeta run --resume $failed_run --dry-run, and for real"
cp "$DEMO/.saved-script" "$script"
rm -f "$DEMO/.saved-script"
git commit -q -m "demo: fix $broken" -- "$script"
pmeta run --resume "$failed_run" --dry-run
pmeta run --resume "$failed_run" -j 2
pmeta status
echo
echo "--- pmeta runs sche_001/$proc"
pmeta runs "sche_001/$proc"
echo
echo "In Neo4j Browser: MATCH (r:Run)-[:HAS_JOB]->(j:JobRun)-[:OF]->(s:Step) RETURN r, j, s"
