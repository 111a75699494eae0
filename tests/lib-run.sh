# Helpers for the `pmeta run` tests (t03NN), sourced after tests/lib.sh.
#
# run_workspace: a git workspace with schedule sche_t whose procedures all
# run one small Python program (job.py). What a step does comes from
# ctl.json in the workspace, keyed by step name:
#   {"proc_001_v_000": {"sleep": 1, "exit": 3, "fail_times": 1,
#                       "spawn": "sleep 300", "say": "text",
#                       "wait_file": "go"}}   (waits up to 120 s for ./go)
# Every job appends "start|end STEP SHARD TIME PGID" to ./trace.

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

run_workspace() {
	test_git_workspace || return 1
	mkdir -p sche_t/pys sche_t/process_config/p_001_v_000 || return 1
	printf 'interpreter = %s\n' "$PY" > sche_t/base.conf
	cat > job.py <<'EOF'
import json, os, sys, time
ws = os.environ.get("PMETA_WORKSPACE", ".")
step = os.environ.get("PMETA_STEP", "?")
shard = os.environ.get("PMETA_SHARD", "-")
try:
    with open(os.path.join(ws, "ctl.json")) as f:
        ctl = json.load(f).get(step, {})
except FileNotFoundError:
    ctl = {}
def trace(what):
    with open(os.path.join(ws, "trace"), "a") as f:
        f.write("%s %s %s %.6f %d\n" % (what, step, shard, time.time(), os.getpgrp()))
trace("start")
print("args:", " ".join(sys.argv[1:]))
print("env:", os.environ.get("PMETA_RUN_ID"), step, shard,
      os.environ.get("PMETA_MAX_SHARD", "-"), os.environ.get("PMETA_PROCESS"),
      os.environ.get("PMETA_WORKSPACE"), os.getcwd(), sys.stdin.read() == "")
if ctl.get("say"):
    print(ctl["say"])
n = ctl.get("fail_times", 0)
if n:
    mark = os.path.join(ws, "attempts.%s.%s" % (step, shard))
    with open(mark, "a") as f:
        f.write("x")
    if os.path.getsize(mark) <= n:
        print("failing on purpose, attempt", os.path.getsize(mark))
        sys.exit(1)
if ctl.get("spawn"):
    os.system(ctl["spawn"] + " >/dev/null 2>&1 &")
time.sleep(ctl.get("sleep", 0))
if ctl.get("wait_file"):
    for _ in range(1200):
        if os.path.exists(os.path.join(ws, ctl["wait_file"])):
            break
        time.sleep(0.1)
trace("end")
sys.exit(ctl.get("exit", 0))
EOF
	echo '{}' > ctl.json
}

# add_procs NAME...: the scripts of these procedures (copies of job.py).
add_procs() {
	local p
	for p in "$@"; do
		cp job.py "sche_t/pys/$p.py" || return 1
	done
}

CONF=sche_t/process_config/p_001_v_000/main.conf

# commit_workspace: commit scripts and config (blob ids exist then).
commit_workspace() {
	git add -A sche_t job.py && git commit -q -m "${1:-workspace}"
}

# run_id_of FILE: the run id printed by `pmeta run` ("run ID: ...").
# wait_for N PATTERN: until the trace has N lines matching PATTERN (20 s max).
wait_for() {
	local i
	for i in $(seq 200); do
		[ -f trace ] && [ "$(grep -c "$2" trace)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1 x '$2'" >&2
	return 1
}

run_id_of() {
	sed -n 's/^run \([0-9TZ]*-[0-9a-f]*\): .*/\1/p' "$1" | head -n1
}

# trace_time WHAT STEP [SHARD]: the time of the first (start) or last (end) line.
trace_time() {
	awk -v w="$1" -v s="$2" -v h="${3:-}" '$1 == w && $2 == s && (h == "" || $3 == h) { t = $4; if (w == "start" && !seen) { print t; seen = 1; exit } } END { if (w == "end" && t != "") print t }' trace
}

# before A B: every end of step A is before every start of step B.
before() {
	local a_end b_start
	a_end=$(awk -v s="$1" '$1 == "end" && $2 == s { if ($4 > m) m = $4 } END { print m }' trace)
	b_start=$(awk -v s="$2" 'BEGIN { m = 1e18 } $1 == "start" && $2 == s { if ($4 < m) m = $4 } END { print m }' trace)
	[ -n "$a_end" ] && [ -n "$b_start" ] || { echo "no trace of $1 or $2" >&2; cat trace >&2; return 1; }
	awk -v a="$a_end" -v b="$b_start" 'BEGIN { exit !(a <= b) }' ||
		{ echo "$2 started at $b_start before $1 ended at $a_end" >&2; return 1; }
}

# run_prop ID PROP: a property of the Run node.
run_prop() {
	cypher_value 'MATCH (r:Run {id: $id}) RETURN r[$p]' "{\"id\": \"$1\", \"p\": \"$2\"}"
}

# job_prop ID STEP SHARD PROP: a property of one JobRun ("-" = not sharded).
job_prop() {
	cypher_value 'MATCH (j:JobRun {key: $k}) RETURN j[$p]' "{\"k\": \"ws/$1/$2/$3\", \"p\": \"$4\"}"
}

# no_group_left PGID...: no process is left in any of these process groups.
no_group_left() {
	local g left=0
	for g in "$@"; do
		if ps -eo pgid=,pid=,stat=,args= | awk -v g="$g" '$1 == g && $3 !~ /^Z/' | grep .; then
			left=1
		fi
	done
	return $left
}
