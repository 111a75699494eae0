#!/usr/bin/env bash
# pmeta run --executor slurm on the project's real single-node Slurm
# (`make slurm-start`): one sbatch per job, a job array per sharded step,
# afterok dependencies, the job wrapper (`pmeta job`) recording each attempt
# in the run folder; failures cancel dependents, retries resubmit, timeouts,
# --detach then status, cancel, SIGINT, --resume, and Neo4j lost mid-run.
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-run.sh"

# slurm_ids ID: the Slurm job ids pmeta submitted for run ID, one a line.
slurm_ids() {
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["id"])' ".pmeta/runs/$1/slurm/submitted.jsonl"
}

# none_queued ID: Slurm lists no job of run ID as queued or running.
none_queued() {
	local ids
	ids=$(slurm_ids "$1" | paste -sd, -) || return 1
	squeue -h -r -t all -j "$ids" -o "%i %T" >queue.out 2>/dev/null
	if grep -v -E " (COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY)$" queue.out | grep .; then
		echo "jobs of run $1 still in the queue" >&2
		return 1
	fi
}

# status_of ID: the run's status as pmeta status sees it now.
status_of() {
	pmeta status "$1" --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'
}

# wait_done ID: until pmeta status says run ID is over (90 s at most).
wait_done() {
	local i s
	for i in $(seq 180); do
		s=$(status_of "$1")
		case $s in succeeded|failed|aborted) return 0 ;; esac
		sleep 0.5
	done
	echo "run $1 still '$s' after 90 s" >&2
	pmeta status "$1" >&2
	return 1
}

# jobrun ID STEP SHARD: "status attempts slurm_job node" of a JobRun in the graph.
jobrun() {
	cypher 'MATCH (j:JobRun {key: $k}) RETURN [j.status, toString(j.attempts), j.slurm_job, j.node]' \
		"{\"k\": \"ws/$1/$2/$3\"}" |
	python3 -c 'import json, sys; r = json.load(sys.stdin)["results"][0]["data"]; print(" ".join(str(x) for x in r[0]["row"][0]) if r else "")'
}

# ran_on_slurm ID STEP [SHARD]: the JobRun names a Slurm job (an array task
# "N_k" for a shard) and the node.
ran_on_slurm() {
	local got
	got=$(jobrun "$1" "$2" "${3:--}") || return 1
	case "${3:--}:$got" in
	-:"succeeded "*" "[0-9]*" localhost") return 0 ;;
	[0-9]*:"succeeded "*" "[0-9]*_${3:-}" localhost") return 0 ;;
	esac
	echo "JobRun $2/${3:--} of $1: '$got'" >&2
	return 1
}

# A PM2-shaped process (like the demo's): a, b in 3 shards, c and d read b,
# e merges what c and d wrote in b/predict, f is an independent branch that
# dumps its environment.
test_expect_success SLURM 'setup: a PM2-shaped process' '
	test_reset_graph &&
	run_workspace &&
	pmeta migrate >/dev/null &&
	add_procs proc_001_v_000 proc_002_v_000 proc_003_v_000 proc_004_v_000 proc_005_v_000 &&
	cat >sche_t/pys/proc_006_v_000.py <<-\EOF &&
	import json, os
	with open(os.path.join(os.environ["PMETA_WORKSPACE"], "env.json"), "w") as f:
	    json.dump(dict(os.environ), f)
	EOF
	cat > $CONF <<-EOF &&
	[proc_001_v_000]

	[proc_002_v_000]
	last_proc = proc_001_v_000
	max_shard = 3

	[proc_003_v_000]
	last_proc = proc_002_v_000

	[proc_004_v_000]
	last_proc = proc_002_v_000

	[proc_005_v_000]
	last_proc1 = proc_002_v_000
	last_proc1_amend = predict

	[proc_006_v_000]
	pass_env = PMETA_T0325_TOKEN
	EOF
	echo "{\"proc_001_v_000\": {\"sleep\": 0.5}}" >ctl.json &&
	commit_workspace &&
	pmeta import $CONF >/dev/null
'

test_expect_success SLURM 'the process runs on Slurm in its order, the shards as one array' '
	rm -f trace &&
	PMETA_T0325_TOKEN=t0k3n pmeta run $CONF --executor slurm >out 2>err &&
	cat out &&
	id=$(run_id_of out) && echo $id >ok.id &&
	test_contains out "8 jobs, on Slurm" &&
	test_contains out "run $id succeeded: 8 succeeded, 0 failed, 0 skipped, 0 aborted (of 8)" &&
	before proc_001_v_000 proc_002_v_000 &&
	before proc_002_v_000 proc_003_v_000 &&
	before proc_002_v_000 proc_004_v_000 &&
	before proc_003_v_000 proc_005_v_000 &&
	before proc_004_v_000 proc_005_v_000 &&
	test "$(grep -c "^end proc_002_v_000" trace)" = 3 &&
	python3 - .pmeta/runs/$id/slurm/submitted.jsonl <<-\EOF
	import json, sys
	subs = [json.loads(l) for l in open(sys.argv[1])]
	assert len(subs) == 6, subs
	arrays = [s for s in subs if s["array"]]
	assert len(arrays) == 1 and [j["task"] for j in arrays[0]["jobs"]] == [0, 1, 2], subs
	EOF
'

test_expect_success SLURM 'JobRuns as a local run has them, with the Slurm job and node' '
	id=$(cat ok.id) &&
	test_eq "$(run_prop $id executor)" slurm &&
	test_eq "$(run_prop $id status)" succeeded &&
	ran_on_slurm $id proc_001_v_000 &&
	ran_on_slurm $id proc_002_v_000 0 &&
	ran_on_slurm $id proc_002_v_000 2 &&
	ran_on_slurm $id proc_005_v_000 &&
	array=$(jobrun $id proc_002_v_000 0 | cut -d" " -f3) &&
	test_eq "$(jobrun $id proc_002_v_000 1 | cut -d" " -f3)" "${array%_0}_1" &&
	test_eq "$(job_prop $id proc_002_v_000 1 exit_code)" 0 &&
	test_eq "$(job_prop $id proc_002_v_000 1 log)" ".pmeta/runs/$id/proc_002_v_000.1.log"
'

test_expect_success SLURM 'a job gets the environment of a local job, without pmeta secrets' '
	id=$(cat ok.id) &&
	test_contains .pmeta/runs/$id/proc_002_v_000.1.log "env: $id proc_002_v_000 1 3 p_001_v_000 $PWD $PWD True" &&
	test_contains .pmeta/runs/$id/proc_002_v_000.1.log "args: --sname=sche_t --prname=001 --pr_version=000 --shard=1 --max_shard=3" &&
	python3 - "$id" "$PWD" <<-\EOF
	import json, sys
	env = json.load(open("env.json"))
	assert env["PMETA_RUN_ID"] == sys.argv[1] and env["PMETA_STEP"] == "proc_006_v_000", env
	assert env["PMETA_WORKSPACE"] == sys.argv[2] and env["PMETA_ATTEMPT"] == "1", env
	assert "SLURM_JOB_ID" in env, env
	leaked = [k for k in env if k.startswith("NEO4J_")]
	assert not leaked, leaked
	assert env.get("PMETA_T0325_TOKEN") == "t0k3n", "pass_env did not reach the job"
	EOF
'

test_expect_success SLURM 'a Slurm job records what it ran: blob, dirty and commit, as a local one' '
	id=$(cat ok.id) &&
	test_eq "$(job_prop $id proc_001_v_000 - blob)" "$(git rev-parse HEAD:sche_t/pys/proc_001_v_000.py)" &&
	test_eq "$(job_prop $id proc_002_v_000 2 blob)" "$(git rev-parse HEAD:sche_t/pys/proc_002_v_000.py)" &&
	test_eq "$(job_prop $id proc_001_v_000 - dirty)" False &&
	test_eq "$(job_prop $id proc_001_v_000 - commit)" "$(git rev-parse HEAD)"
'

test_expect_success SLURM 'status shows the run the same way, with Slurm jobs' '
	id=$(cat ok.id) &&
	pmeta status $id >status.out &&
	cat status.out &&
	test_contains status.out "run       $id  succeeded" &&
	test_contains status.out "executor  slurm" &&
	grep "^proc_002_v_000 *1 *succeeded .*_1@localhost" status.out
'

test_expect_success SLURM 'a failing step cancels its dependents; the independent branch runs' '
	echo "{\"proc_003_v_000\": {\"exit\": 3}}" >ctl.json &&
	rm -f trace &&
	test_expect_code 1 pmeta run $CONF --executor slurm >out 2>err &&
	cat out &&
	id=$(run_id_of out) && echo $id >failed.id &&
	test_contains out "run $id failed: 6 succeeded, 1 failed, 1 skipped, 0 aborted (of 8)" &&
	test_contains out "failed: proc_003_v_000: exit 3" &&
	test_contains out "skipped   proc_005_v_000 after failed proc_003_v_000" &&
	! grep "^start proc_005_v_000" trace &&
	grep "^end proc_004_v_000" trace &&
	grep "^end proc_006_v_000" trace || test -e env.json &&
	test_eq "$(job_prop $id proc_005_v_000 - status)" skipped &&
	test_eq "$(job_prop $id proc_005_v_000 - skipped_after)" "ws/$id/proc_003_v_000/-" &&
	test_eq "$(job_prop $id proc_003_v_000 - exit_code)" 3 &&
	none_queued $id
'

test_expect_success SLURM '--resume of the failed Slurm run reruns what failed, on Slurm' '
	failed=$(cat failed.id) &&
	echo "{}" >ctl.json &&
	rm -f trace &&
	pmeta run --resume $failed >out 2>err &&
	cat out &&
	id=$(run_id_of out) &&
	test_contains out "2 jobs, on Slurm, --resume $failed" &&
	test_contains out "run $id succeeded: 2 succeeded, 0 failed, 0 skipped, 0 aborted, 6 reused (of 8)" &&
	test "$(grep -c "^start" trace)" = 2 &&
	before proc_003_v_000 proc_005_v_000 &&
	test_eq "$(run_prop $id resume_of)" $failed &&
	ran_on_slurm $id proc_005_v_000
'

test_expect_success SLURM '--only and --from select jobs of a Slurm run as of a local one' '
	rm -f trace &&
	pmeta run $CONF --executor slurm --only proc_003_v_000 >out 2>err &&
	cat out &&
	test_contains out "1 jobs, on Slurm, --only proc_003_v_000" &&
	test "$(grep -c "^start" trace)" = 1 &&
	grep "^start proc_003_v_000" trace &&
	rm -f trace &&
	pmeta run $CONF --executor slurm --from proc_004_v_000 >out 2>err &&
	cat out &&
	test_contains out "2 jobs, on Slurm, --from proc_004_v_000" &&
	test "$(grep -c "^start" trace)" = 2 &&
	before proc_004_v_000 proc_005_v_000
'

test_expect_success SLURM 'a job whose wrapper dies without a word is noticed through squeue' '
	echo "{\"proc_001_v_000\": {\"wait_file\": \"never\"}}" >ctl.json &&
	rm -f trace &&
	{ pmeta run $CONF --executor slurm >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	wrapper=$(ps -eo pid=,args= | awk -v d="$PWD/.pmeta/runs/$id" "\$3 == \"job\" && \$4 == d && \$5 == \"proc_001_v_000\" { print \$1 }") &&
	test -n "$wrapper" &&
	kill -KILL $wrapper &&
	{ wait $pid; rc=$?; } &&
	cat out &&
	test "$rc" = 1 &&
	test_contains out "failed: proc_001_v_000: killed by SIGKILL" &&
	test_eq "$(job_prop $id proc_001_v_000 - reason)" "slurm: FAILED without the job'"'"'s end record" &&
	test_eq "$(job_prop $id proc_002_v_000 0 status)" skipped &&
	none_queued $id &&
	echo "{}" >ctl.json &&
	: the job itself may outlive its wrapper: let it end &&
	touch never && sleep 1 && rm -f never
'

test_expect_success SLURM 'a retry resubmits the job, and its dependents wait for it' '
	sed -i "/^\[proc_003_v_000\]/a retries = 1" $CONF &&
	echo "{\"proc_003_v_000\": {\"fail_times\": 1}}" >ctl.json &&
	rm -f trace attempts.* &&
	pmeta run $CONF --executor slurm >out 2>err &&
	cat out &&
	id=$(run_id_of out) &&
	test_contains out "retry     proc_003_v_000: attempt 1 exited 1" &&
	test_contains out "run $id succeeded: 8 succeeded" &&
	test "$(grep -c "^start proc_003_v_000" trace)" = 2 &&
	before proc_003_v_000 proc_005_v_000 &&
	test_eq "$(job_prop $id proc_003_v_000 - attempts)" 2 &&
	python3 - .pmeta/runs/$id/slurm/submitted.jsonl "$(job_prop $id proc_003_v_000 - slurm_job)" <<-\EOF
	import json, sys
	subs = [json.loads(l) for l in open(sys.argv[1])]
	c = [s for s in subs if any(j["index"] == 5 for j in s["jobs"])]
	assert [s["attempt"] for s in c] == [1, 2], c
	# The retry is a new Slurm job, recorded on the JobRun.
	assert c[1]["id"] == sys.argv[2] and c[0]["id"] != c[1]["id"], (c, sys.argv[2])
	EOF
'

test_expect_success SLURM 'a timeout stops the job on time; --time is set for Slurm' '
	sed -i -e "/^retries = 1/d" -e "/^\[proc_004_v_000\]/a timeout = 2" $CONF &&
	echo "{\"proc_004_v_000\": {\"sleep\": 60}}" >ctl.json &&
	t0=$(date +%s) &&
	test_expect_code 1 pmeta run $CONF --executor slurm --grace 1 >out 2>err &&
	t1=$(date +%s) &&
	cat out &&
	id=$(run_id_of out) &&
	test $((t1 - t0)) -lt 30 &&
	test_contains out "timeout   proc_004_v_000 after 2s: SIGTERM to its process group" &&
	test_contains out "failed: proc_004_v_000: timed out after 2s" &&
	test_eq "$(job_prop $id proc_004_v_000 - timed_out)" True &&
	test_eq "$(job_prop $id proc_005_v_000 - status)" skipped &&
	job=$(job_prop $id proc_004_v_000 - slurm_job) &&
	scontrol -o show job $job | grep "TimeLimit=00:02:00" &&
	sed -i "/^timeout = 2/d" $CONF
'

test_expect_success SLURM '--detach returns at once; status follows the run to its end' '
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go\"}}" >ctl.json &&
	rm -f go trace &&
	t0=$(date +%s) &&
	pmeta run $CONF --executor slurm --detach >out 2>err &&
	t1=$(date +%s) &&
	cat out &&
	test $((t1 - t0)) -lt 20 &&
	id=$(run_id_of out) &&
	test_contains out "run $id submitted to Slurm (8 jobs)" &&
	test_eq "$(status_of $id)" running &&
	pmeta status $id >status.out &&
	grep -E "^proc_002_v_000 +0 +pending" status.out &&
	test_expect_code 1 pmeta run --resume $id 2>err &&
	test_contains err "run $id is still in progress" &&
	touch go &&
	wait_done $id &&
	test_eq "$(status_of $id)" succeeded &&
	test_eq "$(run_prop $id status)" succeeded &&
	test_eq "$(run_prop $id detached)" True &&
	ran_on_slurm $id proc_002_v_000 1 &&
	ran_on_slurm $id proc_005_v_000 &&
	before proc_003_v_000 proc_005_v_000 &&
	! test -e .pmeta/runs/$id/slurm/open
'

test_expect_success SLURM 'a detached run retries in place, and fails for good when out of retries' '
	sed -i -e "/^\[proc_003_v_000\]/a retries = 1" $CONF &&
	echo "{\"proc_003_v_000\": {\"fail_times\": 1}, \"proc_004_v_000\": {\"exit\": 4}}" >ctl.json &&
	rm -f attempts.* &&
	pmeta run $CONF --executor slurm --detach >out 2>err &&
	id=$(run_id_of out) &&
	wait_done $id &&
	pmeta status $id >status.out &&
	cat status.out &&
	test_eq "$(status_of $id)" failed &&
	grep -E "^proc_003_v_000 +- +succeeded +0 +2 " status.out &&
	grep -E "^proc_004_v_000 +- +failed +4 +1 " status.out &&
	grep -E "^proc_005_v_000 +- +skipped " status.out &&
	test_eq "$(job_prop $id proc_005_v_000 - skipped_after)" "ws/$id/proc_004_v_000/-" &&
	test "$(grep -c "\"index\":6," .pmeta/runs/$id/slurm/submitted.jsonl)" = 1 &&
	sed -i "/^retries = 1/d" $CONF
'

test_expect_success SLURM 'cancel of a detached run scancels its jobs; the run is aborted' '
	echo "{\"proc_001_v_000\": {\"wait_file\": \"never\"}}" >ctl.json &&
	rm -f trace env.json &&
	pmeta run $CONF --executor slurm --detach >out 2>err &&
	id=$(run_id_of out) &&
	wait_for 1 "^start proc_001_v_000" &&
	for i in $(seq 100); do test -e env.json && break; sleep 0.1; done &&
	pmeta cancel $id >cancel.out 2>&1 &&
	cat cancel.out &&
	test_contains cancel.out "run $id: 6 Slurm jobs cancelled" &&
	test_contains cancel.out "run $id aborted: 1 succeeded, 0 failed, 0 skipped, 7 aborted" &&
	none_queued $id &&
	test_eq "$(run_prop $id status)" aborted &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" aborted &&
	test_eq "$(job_prop $id proc_005_v_000 - status)" aborted &&
	test_expect_code 1 pmeta cancel $id 2>again.err &&
	test_contains again.err "run $id has already ended (aborted)"
'

test_expect_success SLURM 'cancel of an attached Slurm run stops it through its pmeta' '
	rm -f trace &&
	{ pmeta run $CONF --executor slurm >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	pmeta cancel $id >cancel.out 2>&1 &&
	{ wait $pid; rc=$?; } &&
	cat out cancel.out &&
	test "$rc" = 1 &&
	test_contains cancel.out "SIGTERM sent to its pmeta (pid $pid)" &&
	test_contains out "interrupted by SIGTERM" &&
	test_contains cancel.out "run $id aborted" &&
	none_queued $id &&
	test_eq "$(run_prop $id interrupted_by)" SIGTERM &&
	test_eq "$(job_prop $id proc_001_v_000 - status)" aborted &&
	test_eq "$(job_prop $id proc_001_v_000 - signal)" SIGTERM
'

test_expect_success SLURM 'SIGINT on an attached run cancels its jobs: none is left in squeue' '
	rm -f trace &&
	{ pmeta run $CONF --executor slurm >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	cat out &&
	test "$rc" = 1 &&
	id=$(run_id_of out) &&
	test_contains out "interrupted by SIGINT" &&
	grep "run $id aborted: [01] succeeded, 0 failed, 0 skipped, [78] aborted (of 8)" out &&
	none_queued $id &&
	test_eq "$(run_prop $id status)" aborted &&
	! test -e .pmeta/runs/$id/slurm/open
'

# A TCP proxy in front of the tests' Neo4j: killing it takes Neo4j away
# from pmeta mid-run while the server itself stays up for the checks.
test_expect_success SLURM 'Neo4j lost during a Slurm run: records arrive after sync' '
	port=$(free_port) &&
	upstream=${NEO4J_URI#http://} &&
	cat >proxy.py <<-\EOF &&
	import asyncio, sys
	host, port = sys.argv[2].rsplit(":", 1)
	async def pipe(r, w):
	    try:
	        while data := await r.read(65536):
	            w.write(data)
	            await w.drain()
	    finally:
	        w.close()
	async def handle(r, w):
	    ur, uw = await asyncio.open_connection(host, int(port))
	    await asyncio.gather(pipe(r, uw), pipe(ur, w), return_exceptions=True)
	async def main():
	    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
	    print("ready", flush=True)
	    await server.serve_forever()
	asyncio.run(main())
	EOF
	{ python3 proxy.py $port "$upstream" >proxy.out 2>&1 & } &&
	proxy=$! &&
	for i in $(seq 50); do grep -q ready proxy.out && break; sleep 0.1; done &&
	echo "{\"proc_001_v_000\": {\"wait_file\": \"go\"}}" >ctl.json &&
	rm -f go trace &&
	{ NEO4J_URI=http://127.0.0.1:$port pmeta run $CONF --executor slurm >out 2>err & } &&
	pid=$! &&
	wait_for 1 "^start proc_001_v_000" &&
	id=$(run_id_of out) &&
	sleep 0.5 &&
	kill $proxy &&
	touch go &&
	{ wait $pid; rc=$?; } &&
	cat out err &&
	test "$rc" = 0 &&
	test_contains out "run $id succeeded: 8 succeeded" &&
	test_contains err "pmeta runs --sync" &&
	test "$(run_prop $id status)" != succeeded &&
	pmeta runs --sync >sync.out &&
	test_contains sync.out "1 run written" &&
	test_eq "$(run_prop $id status)" succeeded &&
	ran_on_slurm $id proc_005_v_000
'

test_expect_success SLURM 'Slurm settings reach sbatch; a bad one is refused before anything runs' '
	cat >>sche_t/base.conf <<-EOF &&
	slurm_extra = --comment=pmeta-t0325 --nice=5
	EOF
	sed -i "/^\[proc_006_v_000\]/a slurm_cpus = 2\nslurm_mem = 100M" $CONF &&
	echo "{}" >ctl.json &&
	pmeta run $CONF --executor slurm >out 2>err &&
	id=$(run_id_of out) &&
	job=$(job_prop $id proc_006_v_000 - slurm_job) &&
	scontrol -o show job $job >job.out &&
	test_contains job.out "Comment=pmeta-t0325" &&
	test_contains job.out "NumCPUs=2" &&
	test_contains job.out "MinMemoryNode=100M" &&
	test_contains job.out "Nice=5" &&
	sed -i "/^\[proc_006_v_000\]/a slurm_partition = nosuchpartition" $CONF &&
	test_expect_code 1 pmeta run $CONF --executor slurm >out 2>err &&
	cat out err &&
	test_contains err "sbatch refused step [proc_006_v_000]" &&
	id=$(run_id_of out) &&
	test_eq "$(run_prop $id status)" aborted &&
	none_queued $id &&
	sed -i "/^slurm_partition/d" $CONF
'

test_expect_success SLURM 'priority = N reaches Slurm as nice: the highest priority gets 0' '
	sed -i "/^slurm_extra/d" sche_t/base.conf &&
	sed -i "/^\[proc_003_v_000\]/a priority = 5" $CONF &&
	sed -i "/^\[proc_004_v_000\]/a priority = -2" $CONF &&
	echo "{}" >ctl.json &&
	pmeta run $CONF --executor slurm >out 2>err &&
	id=$(run_id_of out) &&
	for p in proc_003_v_000:0 proc_004_v_000:7 proc_006_v_000:5; do
		scontrol -o show job $(job_prop $id ${p%%:*} - slurm_job) >job.out &&
		test_contains job.out "Nice=${p#*:} " || return 1
	done &&
	sed -i "/^priority = /d" $CONF
'

test_expect_success 'Slurm keys are checked with their file and line' '
	mkdir -p sche_k/pys sche_k/process_config/p_001_v_000 &&
	cp job.py sche_k/pys/proc_001_v_000.py &&
	printf "[proc_001_v_000]\nslurm_extra = --qos=\"high\"\nslurm_cpus = many\nslurm_partiton = x\nexecutor = slurm\n" \
		>sche_k/process_config/p_001_v_000/main.conf &&
	test_expect_code 3 pmeta check sche_k/process_config/p_001_v_000/main.conf 2>err &&
	cat err &&
	test_contains err "main.conf:2: slurm_extra = --qos=\"high\": quotes, backslashes" &&
	test_contains err "main.conf:3: slurm_cpus = many: '"'"'many'"'"' is not a number of CPUs" &&
	test_contains err "main.conf:4: unknown Slurm setting '"'"'slurm_partiton'"'"'" &&
	test_contains err "main.conf:5: executor = slurm: a step cannot choose its executor" &&
	printf "[proc_001_v_000]\nslurm_extra = --dependency=afterok:1 -H --wrap=x\n" \
		>sche_k/process_config/p_001_v_000/main.conf &&
	test_expect_code 3 pmeta check sche_k/process_config/p_001_v_000/main.conf 2>err &&
	test_contains err "'"'"'--dependency=afterok:1'"'"' is not allowed (--dependency: pmeta gives every job its dependencies)" &&
	printf "[proc_001_v_000]\nslurm_extra = --qos high\n" >sche_k/process_config/p_001_v_000/main.conf &&
	test_expect_code 3 pmeta check sche_k/process_config/p_001_v_000/main.conf 2>err &&
	test_contains err "'"'"'high'"'"' is not an sbatch option: give each option with its value attached" &&
	printf "executor = cluster\nslurm_mem = lots\n" >sche_k/base.conf &&
	printf "[proc_001_v_000]\n" >sche_k/process_config/p_001_v_000/main.conf &&
	test_expect_code 3 pmeta plan sche_k/process_config/p_001_v_000/main.conf 2>err &&
	cat err &&
	test_contains err "base.conf:1: executor = cluster: '"'"'cluster'"'"' is not an executor (local or slurm)" &&
	test_contains err "base.conf:2: slurm_mem = lots"
'

test_expect_success '--detach needs the Slurm executor' '
	test_expect_code 2 pmeta run $CONF --detach 2>err &&
	test_contains err "--detach needs the slurm executor" &&
	test_expect_code 2 pmeta run $CONF --executor cluster 2>err &&
	test_contains err "'"'"'cluster'"'"' is not an executor"
'

test_done
