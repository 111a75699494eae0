#!/usr/bin/env python3
"""A layered plan for the Slurm benchmark, and the plain sbatch script that
submits the same DAG (the floor).

    gen.py DIR [--layers 10] [--width 20] [--shards 1] [--seconds 0.5]

DIR becomes a workspace with schedule sche_b: LAYERS x WIDTH steps (each
with SHARDS shards when SHARDS > 1, so LAYERS x WIDTH x SHARDS jobs), every
step of layer k > 0 running after two steps of layer k-1 (after = ...).
Every procedure is a /bin/sh script that sleeps SECONDS.

DIR/floor.sh submits the same jobs with the same commands, one sbatch per
step (an array of SHARDS tasks for a sharded step), each with
--dependency=afterok: on its predecessors' job ids, then waits until squeue
lists none of them (polling every 0.2 s). It prints the seconds its
submissions took and the seconds to the end.
"""
import argparse
import os
import shlex

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--layers", type=int, default=10)
ap.add_argument("--width", type=int, default=20)
ap.add_argument("--shards", type=int, default=1)
ap.add_argument("--seconds", type=float, default=0.5)
a = ap.parse_args()

sched = os.path.join(a.dir, "sche_b")
os.makedirs(os.path.join(sched, "pys"), exist_ok=True)
os.makedirs(os.path.join(sched, "process_config", "p_001_v_000"), exist_ok=True)
with open(os.path.join(sched, "base.conf"), "w") as f:
    f.write("interpreter = /bin/sh\n")

steps = []   # (name, [predecessor names])
for layer in range(a.layers):
    for i in range(a.width):
        name = "b%02d%03d_v_000" % (layer, i)
        after = []
        if layer:
            prev = ["b%02d%03d_v_000" % (layer - 1, j) for j in range(a.width)]
            after = sorted({prev[i], prev[(i + 1) % a.width]})
        steps.append((name, after))
        with open(os.path.join(sched, "pys", name + ".py"), "w") as f:
            f.write("sleep %s\n" % a.seconds)

with open(os.path.join(sched, "process_config", "p_001_v_000", "main.conf"), "w") as f:
    for name, after in steps:
        f.write("[%s]\n" % name)
        if after:
            f.write("after = %s\n" % ", ".join(after))
        if a.shards > 1:
            f.write("max_shard = %d\n" % a.shards)
        f.write("\n")

# The command pmeta's default template makes: {interpreter} ./{script}
# --sname=... --prname=... --pr_version=... [--shard=i --max_shard=n].
def command(name):
    cmd = "/bin/sh ./sche_b/pys/%s.py --sname=sche_b --prname=001 --pr_version=000" % name
    if a.shards > 1:
        cmd += " --shard=$SLURM_ARRAY_TASK_ID --max_shard=%d" % a.shards
    return cmd

with open(os.path.join(a.dir, "floor.sh"), "w") as f:
    f.write("#!/bin/sh\n# The floor: the same DAG submitted with plain sbatch --dependency.\n")
    f.write("set -e\ncd \"$(dirname \"$0\")\"\n")
    f.write("t0=$(date +%s.%N)\n")
    for name, after in steps:
        var = "j_" + name
        opts = "--parsable --chdir=\"$PWD\" --output=/dev/null --job-name=%s" % name
        if a.shards > 1:
            opts += " --array=0-%d" % (a.shards - 1)
        if after:
            opts += " --dependency=afterok:" + ":".join("$j_" + p for p in after)
        f.write("%s=$(sbatch %s --wrap %s)\n" % (var, opts, shlex.quote(command(name))))
        f.write("ids=\"${ids:+$ids,}$%s\"\n" % var)
    f.write("t1=$(date +%s.%N)\n")
    f.write("while [ -n \"$(squeue -h -j \"$ids\" -o %i 2>/dev/null)\" ]; do sleep 0.2; done\n")
    f.write("t2=$(date +%s.%N)\n")
    f.write("awk -v a=\"$t0\" -v b=\"$t1\" -v c=\"$t2\" 'BEGIN { printf \"%.3f %.3f\\n\", b - a, c - a }'\n")
os.chmod(os.path.join(a.dir, "floor.sh"), 0o755)
