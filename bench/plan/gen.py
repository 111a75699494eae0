#!/usr/bin/env python3
"""Generates a benchmark workspace: one process of N steps, a layered DAG.

    gen.py N OUT_DIR [--width W] [--schedule NAME] [--snakefile]

Layer L has W steps (default 16) and 8 datasets d_L_0..d_L_7; step j of
layer L writes d_L_(j mod 8) (cur_proc_to), so each dataset has W/8 writers,
and reads one or two datasets of the layer before (last_proc1/2), so a step
waits for up to 4 steps (fan-in <= 4 with W = 16). Beside the config it
writes an equivalent Makefile (one target per step, prerequisites = the
steps it waits for, recipe = the command pmeta would print) for `make -n`.
With --snakefile, also a Snakefile of the same DAG for `snakemake -n`, the
way one writes a generated DAG for Snakemake: one wildcard rule whose output
is a marker file o/<step> and whose inputs (a function over a dict of the
steps each waits for) are the markers of those steps, and a first rule `all`
asking for every marker. (One explicit rule per step instead took 1005 s and
641 MB for 10,000 steps: Snakemake matches every file against every rule.)
Deterministic: the same N gives the same workspace.
"""
import os
import random
import sys


def main():
    args = sys.argv[1:]
    width, sched, snake = 16, "sche_001", False
    if "--snakefile" in args:
        args.remove("--snakefile")
        snake = True
    if "--width" in args:
        i = args.index("--width")
        width = int(args[i + 1])
        del args[i:i + 2]
    if "--schedule" in args:
        i = args.index("--schedule")
        sched = args[i + 1]
        del args[i:i + 2]
    n, out = int(args[0]), args[1]
    rnd = random.Random(n)
    conf_dir = os.path.join(out, sched, "process_config", "p_001_v_000")
    os.makedirs(conf_dir, exist_ok=True)
    os.makedirs(os.path.join(out, sched, "pys"), exist_ok=True)
    writers = {}          # dataset -> [step names]
    conf, make, deps_of = [], [], {}
    names = []
    for i in range(n):
        layer, j = divmod(i, width)
        name = "proc_%06d_v_000" % i
        names.append(name)
        ds = "d_%d_%d" % (layer, j % 8)
        conf.append("[%s]" % name)
        deps = []
        if layer > 0:
            picks = rnd.sample(range(8), rnd.choice((1, 2)))
            for k, p in enumerate(picks, 1):
                src = "d_%d_%d" % (layer - 1, p)
                conf.append("last_proc%d = %s" % (k, src))
                deps.extend(writers.get(src, []))
        conf.append("cur_proc_to = %s" % ds)
        conf.append("")
        writers.setdefault(ds, []).append(name)
        cmd = ("python ./%s/pys/%s.py --sname=%s --prname=001 --pr_version=000" % (sched, name, sched))
        make.append("%s:%s\n\t%s\n" % (name, "".join(" " + d for d in deps), cmd))
        deps_of[name] = deps
    with open(os.path.join(conf_dir, "main.conf"), "w") as f:
        f.write("\n".join(conf))
    with open(os.path.join(out, "Makefile"), "w") as f:
        f.write(".PHONY: all %s\nall: %s\n\n" % (" ".join(names), " ".join(names)))
        f.write("\n".join(make))
    if snake:
        with open(os.path.join(out, "Snakefile"), "w") as f:
            f.write("DEPS = {\n")
            f.write("".join("    %r: %r,\n" % (x, deps_of[x]) for x in names))
            f.write("}\n\n")
            f.write("wildcard_constraints:\n    step = r\"proc_[0-9]+_v_[0-9]+\"\n\n")
            f.write("rule all:\n    input: [\"o/\" + s for s in DEPS]\n\n")
            f.write("rule step:\n"
                    "    input: lambda wc: [\"o/\" + d for d in DEPS[wc.step]]\n"
                    "    output: \"o/{step}\"\n"
                    "    shell: \"python ./%s/pys/{wildcards.step}.py --sname=%s --prname=001 --pr_version=000\"\n"
                    % (sched, sched))


if __name__ == "__main__":
    main()
