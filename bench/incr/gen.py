#!/usr/bin/env python3
"""Workspace for bench/incr/bench.sh: one 8-step chain twice over.

  gen.py DIR [TASKS [STEPS]]     (default 10000 tasks, 8 steps)

sche_b/process_config/p_001_v_000: the incremental way. Step k runs
inc_00k_v_000.py, reads the dataset of step k-1 (the first reads `tasks`)
with `items = *`: pmeta hands it what it has not processed (PMETA_ITEMS)
and does not start it when nothing is new.

sche_b/process_config/p_002_v_000: the PM2 way, the same chain with
pm2_00k_v_000.py: no `items`; `run_mode = auto` and `per_handle_task_num`
are read by the script itself, which does its own gap check every time it
is started (list the upstream folder, read its own list of what it did,
subtract, take at most per_handle_task_num, exit when nothing is left).

Both copy each task to their own dataset folder (one small file a task).
"""
import os
import sys

INC = r'''import os
# The incremental way: pmeta did the gap check; do the work.
out = os.path.join("sche_b", os.environ["PMETA_STEP"])
os.makedirs(out, exist_ok=True)
with open(os.environ["PMETA_ITEMS"]) as f:
    items = [l for l in f.read().split("\n") if l]
for path in items:
    with open(path) as src, open(os.path.join(out, os.path.basename(path)), "w") as dst:
        dst.write(src.read())
'''

PM2 = r'''import configparser, os
# The PM2 way: every start does its own gap check.
step = os.environ["PMETA_STEP"]
cfg = configparser.ConfigParser()
cfg.read(os.path.join("sche_b", "process_config", os.environ["PMETA_PROCESS"], "main.conf"))
sec = cfg[step]
upstream = os.path.join("sche_b", sec["last_proc"])
limit = int(sec.get("per_handle_task_num", "100"))
mode = sec.get("run_mode", "auto")
out = os.path.join("sche_b", step)
os.makedirs(out, exist_ok=True)
ledger = os.path.join(out, ".processed")
done = set()
if os.path.exists(ledger):
    with open(ledger) as f:
        done = set(f.read().split("\n"))
todo = sorted(n for n in os.listdir(upstream) if not n.startswith(".") and n not in done)
if not todo and mode == "auto":
    raise SystemExit(0)
todo = todo[:limit]
for name in todo:
    with open(os.path.join(upstream, name)) as src, open(os.path.join(out, name), "w") as dst:
        dst.write(src.read())
with open(ledger, "a") as f:
    f.write("".join(n + "\n" for n in todo))
'''


def main():
    root = sys.argv[1]
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    s = os.path.join(root, "sche_b")
    os.makedirs(os.path.join(s, "pys"), exist_ok=True)
    os.makedirs(os.path.join(s, "tasks"), exist_ok=True)
    with open(os.path.join(s, "base.conf"), "w") as f:
        f.write("interpreter = python3\n")
    inc, pm2 = [], []
    for k in range(1, steps + 1):
        for kind, body in (("inc", INC), ("pm2", PM2)):
            with open(os.path.join(s, "pys", "%s_%03d_v_000.py" % (kind, k)), "w") as f:
                f.write(body)
        prev = "tasks" if k == 1 else None
        inc.append("[inc_%03d_v_000]\nlast_proc = %s\nitems = *\n" %
                   (k, prev or "inc_%03d_v_000" % (k - 1)))
        pm2.append("[pm2_%03d_v_000]\nlast_proc = %s\nrun_mode = auto\nper_handle_task_num = %d\n" %
                   (k, prev or "pm2_%03d_v_000" % (k - 1), tasks))
    for name, sections in (("p_001_v_000", inc), ("p_002_v_000", pm2)):
        d = os.path.join(s, "process_config", name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "main.conf"), "w") as f:
            f.write("\n".join(sections))
    for t in range(tasks):
        with open(os.path.join(s, "tasks", "task_%06d.json" % t), "w") as f:
            f.write('{"task": %d}\n' % t)


if __name__ == "__main__":
    main()
