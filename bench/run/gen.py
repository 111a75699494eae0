#!/usr/bin/env python3
"""Generates a `pmeta run` benchmark workspace.

    gen.py dag N OUT_DIR     N trivial steps (command `true`) in a layered DAG
    gen.py cpu SHARDS WORK OUT_DIR
                             one step of SHARDS CPU-bound shards, each WORK
                             million loop iterations of Python

dag: process p_00D_v_000 (D = digits of N-1); layer L has 16 steps and 8 datasets; step j of layer L writes dataset
d_L_(j mod 8) and reads one or two datasets of layer L-1, so a step waits for
2 to 4 steps of the layer before. base.conf sets `template = true`, so every
job is `/bin/sh -c true`. Beside it, a Makefile of the same DAG (one .PHONY
target per step, prerequisites = the steps it waits for, recipe `true`) for
GNU make -j. Deterministic: the same N gives the same workspace.
"""
import os
import random
import sys

WIDTH = 16


def dag(n, out):
    rnd = random.Random(n)
    # One process per size (p_003_v_000 for 1,000, p_004_v_000 for 10,000),
    # so runs of both sizes can share a graph without re-importing.
    conf_dir = os.path.join(out, "sche_001", "process_config", "p_%03d_v_000" % len(str(n - 1)))
    os.makedirs(conf_dir, exist_ok=True)
    with open(os.path.join(out, "sche_001", "base.conf"), "w") as f:
        f.write("template = true\n")
    writers, conf, make, names = {}, [], [], []
    for i in range(n):
        layer, j = divmod(i, WIDTH)
        name = "proc_%06d_v_000" % i
        names.append(name)
        ds = "d_%d_%d" % (layer, j % 8)
        conf.append("[%s]" % name)
        deps = []
        if layer > 0:
            for k, p in enumerate(rnd.sample(range(8), rnd.choice((1, 2))), 1):
                src = "d_%d_%d" % (layer - 1, p)
                conf.append("last_proc%d = %s" % (k, src))
                deps.extend(writers.get(src, []))
        conf.append("cur_proc_to = %s" % ds)
        conf.append("")
        writers.setdefault(ds, []).append(name)
        make.append("%s:%s\n\ttrue\n" % (name, "".join(" " + d for d in deps)))
    with open(os.path.join(conf_dir, "main.conf"), "w") as f:
        f.write("\n".join(conf))
    with open(os.path.join(out, "Makefile"), "w") as f:
        f.write(".PHONY: all %s\nall: %s\n\n" % (" ".join(names), " ".join(names)))
        f.write("\n".join(make))


def cpu(shards, work, out):
    conf_dir = os.path.join(out, "sche_001", "process_config", "p_002_v_000")
    os.makedirs(conf_dir, exist_ok=True)
    os.makedirs(os.path.join(out, "sche_001", "pys"), exist_ok=True)
    with open(os.path.join(out, "sche_001", "base.conf"), "w") as f:
        f.write("interpreter = /usr/bin/python3\n")
    with open(os.path.join(conf_dir, "main.conf"), "w") as f:
        f.write("[proc_001_v_000]\nmax_shard = %d\n" % shards)
    with open(os.path.join(out, "sche_001", "pys", "proc_001_v_000.py"), "w") as f:
        f.write("s = 0\nfor i in range(%d):\n    s += i * i\n" % (work * 1000000))
    # The same shards for GNU make (the control: what the machine allows).
    with open(os.path.join(out, "Makefile"), "w") as f:
        names = ["shard%d" % k for k in range(shards)]
        f.write(".PHONY: all %s\nall: %s\n" % (" ".join(names), " ".join(names)))
        for k in range(shards):
            f.write("shard%d:\n\t/usr/bin/python3 ./sche_001/pys/proc_001_v_000.py"
                    " --shard=%d --max_shard=%d\n" % (k, k, shards))


def main():
    a = sys.argv[1:]
    if a and a[0] == "dag" and len(a) == 3:
        dag(int(a[1]), a[2])
    elif a and a[0] == "cpu" and len(a) == 4:
        cpu(int(a[1]), int(a[2]), a[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
