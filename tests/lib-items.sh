# Helpers for the incremental-step tests (t034N), sourced after tests/lib.sh
# and tests/lib-run.sh.
#
# items_workspace: a git workspace with schedule sche_t whose procedures all
# run items_job.py. Every start appends "STEP SHARD NITEMS" to ./starts, and
# the items the job got (one path a line, then "--") to ./got.STEP.SHARD.
# What a step does comes from ctl.json, keyed by step name:
#   {"proc_001_v_000": {"out": "sche_t/proc_001_v_000",  copy each item there as NAME.out
#                       "done": 2,                       name the first 2 in PMETA_DONE
#                       "exit": 1,                       exit status
#                       "wait_file": "go"}}              wait (120 s max) for ./go

items_workspace() {
	test_git_workspace || return 1
	mkdir -p sche_t/pys sche_t/process_config/p_001_v_000 || return 1
	printf 'interpreter = %s\n' "$PY" > sche_t/base.conf
	cat > items_job.py <<'EOF'
import json, os, shutil, sys, time
ws = os.environ["PMETA_WORKSPACE"]
step = os.environ.get("PMETA_STEP", "?")
shard = os.environ.get("PMETA_SHARD", "-")
try:
    with open(os.path.join(ws, "ctl.json")) as f:
        ctl = json.load(f).get(step, {})
except FileNotFoundError:
    ctl = {}
items = None
if os.environ.get("PMETA_ITEMS"):
    with open(os.environ["PMETA_ITEMS"]) as f:
        items = [l for l in f.read().split("\n") if l]
with open(os.path.join(ws, "starts"), "a") as f:
    f.write("%s %s %s\n" % (step, shard, "-" if items is None else len(items)))
with open(os.path.join(ws, "got.%s.%s" % (step, shard)), "a") as f:
    f.write("".join(i + "\n" for i in items or []) + "--\n")
print("args:", " ".join(sys.argv[1:]))
print("items file:", os.environ.get("PMETA_ITEMS"), "done file:", os.environ.get("PMETA_DONE"))
if ctl.get("wait_file"):
    for _ in range(1200):
        if os.path.exists(os.path.join(ws, ctl["wait_file"])):
            break
        time.sleep(0.1)
if ctl.get("out"):
    os.makedirs(ctl["out"], exist_ok=True)
    for i in items or []:
        shutil.copy(i, os.path.join(ctl["out"], os.path.basename(i) + ".out"))
if "done" in ctl:
    with open(os.environ["PMETA_DONE"], "w") as f:
        f.write("".join(i + "\n" for i in (items or [])[:ctl["done"]]))
sys.exit(ctl.get("exit", 0))
EOF
	echo '{}' > ctl.json
}

# commit_items: commit scripts and configs (blob ids exist then).
commit_items() {
	git add -A sche_t items_job.py && git commit -q -m "${1:-workspace}"
}

# items_procs NAME...: the scripts of these procedures (copies of items_job.py).
items_procs() {
	local p
	for p in "$@"; do
		cp items_job.py "sche_t/pys/$p.py" || return 1
	done
}

# add_items DATASET N [FIRST]: N files DATASET/item_K.txt (K from FIRST, default 1).
add_items() {
	local d=sche_t/$1 k first=${3:-1}
	mkdir -p "$d" || return 1
	for k in $(seq "$first" $((first + $2 - 1))); do
		printf 'task %s\n' "$k" > "$d/item_$(printf %03d "$k").txt" || return 1
	done
}

# starts_of STEP: the NITEMS of every start of STEP, in order, space separated.
starts_of() {
	[ -f starts ] || { echo; return 0; }
	awk -v s="$1" '$1 == s { printf "%s%s", sep, $3; sep = " " } END { print "" }' starts
}

# last_got STEP [SHARD]: the items of STEP's last start, sorted, one a line.
last_got() {
	awk '/^--$/ { last = cur; cur = ""; next } { cur = cur $0 "\n" } END { printf "%s", last }' \
		"got.$1.${2:--}" | sort
}

# nruns: how many Run nodes the graph holds.
nruns() {
	cypher_value 'MATCH (r:Run) RETURN count(r)'
}
