# Part 8: only what is new. Tasks arrive in a folder; an incremental chain
# (items = *.json) hands each step only what it has not processed; a cycle
# with nothing new starts no script and records no run; a periodic chain;
# pmeta items says which run and procedure version processed a task.
# (docs/items.md)
s=sche_inc
conf=$s/process_config/p_001_v_000/main.conf
mkdir -p "$s/pys" "$(dirname "$conf")" "$s/inbox"
echo 'interpreter = python3' >"$s/base.conf"
cat >"$s/pys/score_v_000.py" <<'EOF'
import json, os
# An incremental step: pmeta did the gap check; PMETA_ITEMS lists the new tasks.
out = os.path.join("sche_inc", os.environ["PMETA_STEP"])
os.makedirs(out, exist_ok=True)
for path in open(os.environ["PMETA_ITEMS"]).read().split():
    task = json.load(open(path))
    json.dump({"task": task["id"], "score": len(task["text"])},
              open(os.path.join(out, os.path.basename(path)), "w"))
    print("scored", path)
EOF
cat >"$s/pys/report_v_000.py" <<'EOF'
import os
items = open(os.environ["PMETA_ITEMS"]).read().split()
print("reporting on", len(items), "new scores:", " ".join(os.path.basename(p) for p in items))
EOF
cat >"$conf" <<'EOF'
[score]
procedure = score_v_000
last_proc = inbox
items = *.json
batch = 3

[report]
procedure = report_v_000
last_proc = score
items = *.json
EOF
task() { printf '{"id": %d, "text": "%s"}\n' "$1" "$2" >"$s/inbox/task_$1.json"; }
git add "$s" && git commit -q -m 'demo: an incremental chain'
pmeta import "$conf" >/dev/null

echo "--- 4 tasks arrive; batch = 3: the first run takes 3, --drain goes on until none is left"
for i in 1 2 3 4; do task $i "task number $i"; done
pmeta run "$conf" --drain -q
echo
echo "--- nothing new: no script starts, no run is recorded (a light record on the process)"
pmeta run "$conf"
echo
echo "--- a new patch of the scoring procedure; task 2 changes and task 5 arrives"
pmeta fork score_v_000 --patch -m "demo: score differently" >/dev/null
echo '# (this patch scores differently)' >>"$s/pys/score_v_001.py"
git commit -q -m 'demo: score_v_001 scores differently' -- "$s/pys/score_v_001.py"
task 2 "task number 2, edited"
task 5 "task number 5"
pmeta items score --pending
pmeta run "$conf" --latest-patch -q
echo
echo "--- which runs and procedure versions touched task_2.json (both versions of score)"
pmeta items --item task_2.json
echo
echo "--- a periodic chain: every 2s, 3 cycles; a task arrives between two, the next cycle takes it"
( sleep 2.5; task 6 "task number 6" ) &
pmeta run "$conf" --every 2s --cycles 3 -q
wait
echo
echo "--- one run at a time: a second pmeta run of a running process is refused"
echo 'import time; time.sleep(3)' >"$s/pys/slow_v_000.py"
mkdir -p "$s/process_config/p_002_v_000"
printf '[slow]\nprocedure = slow_v_000\n' >"$s/process_config/p_002_v_000/main.conf"
git add "$s" && git commit -q -m 'demo: a slow process'
pmeta run "$s/p_002_v_000" -q >/dev/null &
sleep 1.5
pmeta run "$s/p_002_v_000" -q || echo "(exit $?: refused; 'pmeta run --wait' would wait)"
wait
echo
echo "In Neo4j Browser, cypher/items_touched.cypher (:param name => 'task_2.json') shows the same."
