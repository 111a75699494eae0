# Part 48 (make demo EXECUTOR=slurm): the same process on a single-node Slurm.
# Every job is an sbatch (the sharded step one job array) with afterok
# dependencies; each runs the wrapper `pmeta job`, which records its start
# and end in the run folder. First detached: squeue while it runs, then
# status until it is over; then attached, with the progress of a local run.
if [ "${EXECUTOR:-local}" != slurm ]; then
	echo "(make demo EXECUTOR=slurm runs the demo process on a single-node Slurm here)"
	return 0
fi
proc=p_001_v_000

echo "--- pmeta run $proc --executor slurm --detach"
pmeta run "$proc" --executor slurm --detach | tee "$DEMO/.slurm-run"
id=$(sed -n 's/^run \([0-9TZ]*-[0-9a-f]*\) submitted.*/\1/p' "$DEMO/.slurm-run")
rm -f "$DEMO/.slurm-run"
echo
echo "--- squeue while it runs (the job names are the steps; a sharded step is one array: ID_0, ID_1)"
for _ in 1 2 3; do
	squeue -o '%.8i %.16j %.9T %.12r %N' | head -n 12
	sleep 1.5
	echo
done
echo "--- pmeta status $id, until the run is over (it reconciles from the jobs' records and squeue)"
for _ in $(seq 120); do
	state=$(pmeta status "$id" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
	case $state in succeeded|failed|aborted) break ;; esac
	sleep 1
done
pmeta status "$id"
echo
echo "--- pmeta run $proc --executor slurm (attached: the progress and summary of a local run)"
pmeta run "$proc" --executor slurm --quiet
echo
echo "--- the Slurm job and node of each JobRun, in Neo4j"
pmeta status --json | python3 -c '
import json, sys
run = json.load(sys.stdin)
for j in run["jobs"]:
    print("%-16s %-5s %-10s slurm_job=%-8s node=%s" % (j["step"], "-" if j.get("shard") is None else j["shard"],
          j["status"], j.get("slurm_job"), j.get("node")))'
echo
echo "On a real cluster: docs/slurm.md (the workspace on a shared filesystem, pmeta on the nodes; nodes never reach Neo4j)."
