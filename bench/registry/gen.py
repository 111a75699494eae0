#!/usr/bin/env python3
"""A workspace with a long history, for bench/registry/bench.sh.

    gen.py COMMITS SCRIPTS PROCESSES DIR

Writes DIR as a git repository (through git fast-import) with two
schedules: SCRIPTS procedure scripts and PROCESSES process folders, created
over the first commits, then edited; one commit in three touches only an
unrelated notes file, one in 50 is a merge of a short side branch.
Authors rotate among five people. Deterministic (seeded).
"""
import os
import random
import subprocess
import sys

commits, nscripts, nprocs, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(13)
authors = ["Ana", "Bo", "Cy", "Dee", "Eve"]
files = []
for i in range(nscripts):
    files.append("sche_%03d/pys/proc_%03d_v_000.py" % (1 + i % 2, i))
for i in range(nprocs):
    files.append("sche_%03d/process_config/p_%03d_v_000/main.conf" % (1 + i % 2, i))
os.makedirs(out, exist_ok=True)
subprocess.check_call(["git", "init", "-q", "-b", "main", out])
fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=out, stdin=subprocess.PIPE)
w = fi.stdin.write
mark = 0
t = 1700000000
made = 0
main_head = None


def content(path, rev):
    if path.endswith(".py"):
        return '"""%s, revision %d."""\nprint(%d)\n' % (os.path.basename(path), rev, rev)
    return "# %s, revision %d\n[proc_%03d_v_000]\n" % (path, rev, rev % max(nscripts, 1))


def commit(branch, author, message, changes, parents):
    global mark, t
    mark += 1
    t += 60
    w(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark))
    w(b"author %s <%s@lab.example> %d +0000\n" % (author.encode(), author.lower().encode(), t))
    w(b"committer %s <%s@lab.example> %d +0000\n" % (author.encode(), author.lower().encode(), t))
    msg = message.encode()
    w(b"data %d\n%s\n" % (len(msg), msg))
    for i, p in enumerate(parents):
        w(b"%s :%d\n" % (b"from" if i == 0 else b"merge", p))
    for path, data in changes:
        d = data.encode()
        w(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(d), d))
    w(b"\n")
    return mark


rev = 0
n = 0
while n < commits:
    author = authors[n % len(authors)]
    parents = [main_head] if main_head else []
    if made < len(files):
        batch = files[made:made + max(1, len(files) // max(commits // 4, 1))]
        made += len(batch)
        rev += 1
        main_head = commit("main", author, "add %d versions" % len(batch),
                           [(p, content(p, rev)) for p in batch], parents)
        n += 1
    elif n % 50 == 0 and main_head and n + 2 <= commits:
        rev += 1
        p = rng.choice(files[:made])
        side = commit("side%d" % n, authors[(n + 1) % 5], "edit on a branch", [(p, content(p, rev))], [main_head])
        rev += 1
        main_head = commit("main", author, "notes", [("notes.txt", "rev %d\n" % rev)], [main_head])
        main_head = commit("main", author, "merge", [], [main_head, side])
        n += 3
    elif n % 3 == 0:
        rev += 1
        main_head = commit("main", author, "notes", [("notes.txt", "rev %d\n" % rev)], parents)
        n += 1
    else:
        rev += 1
        picked = rng.sample(files[:made], rng.randint(1, 3))
        main_head = commit("main", author, "edit", [(p, content(p, rev)) for p in picked], parents)
        n += 1
fi.stdin.close()
if fi.wait():
    sys.exit("git fast-import failed")
subprocess.check_call(["git", "reset", "-q", "--hard", "main"], cwd=out)
print("%s: %d commits, %d versions" % (out, int(subprocess.check_output(
    ["git", "rev-list", "--count", "HEAD"], cwd=out)), len(files)))
