#!/usr/bin/env python3
"""Fork and lineage benchmarks for pmeta (issue 4). Prints figures; never fails on them.

  bench/fork/bench.py [--runs 50]

Needs ./pmeta built and a Neo4j (NEO4J_* in the environment, else build/neo4j/env).
Touches only graph nodes of workspace 'bench-fork' (removed before and after),
and a scratch folder under build/bench/fork.

1. fork latency: `pmeta fork` (one process per fork: Neo4j check, libgit2 commit with
   compare-and-swap, index update, graph write), median of N, against the floor:
   the real git binary committing one new file (`cp` + `git add` + `git commit`).
   Both in a small workspace and in one of 5,000 files.
2. lineage of a 1,000-deep fork chain (from the leaf up, from the root down) and of
   a version with 1,000 direct forks, in tree and json formats.
3. sync of 1,000 fork commits (history written by git fast-import).
"""
import json, os, shutil, statistics, subprocess, sys, time, urllib.request, base64

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PMETA = os.path.join(TOP, "pmeta")
RUNS = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 50
SCRATCH = os.path.join(TOP, "build", "bench", "fork")


def load_env():
    if os.environ.get("NEO4J_URI"):
        return
    path = os.path.join(TOP, "build", "neo4j", "env")
    for line in open(path):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            os.environ[k] = v


def cypher(query, params=None):
    body = json.dumps({"statements": [{"statement": query, "parameters": params or {}}]}).encode()
    req = urllib.request.Request(
        "%s/db/%s/tx/commit" % (os.environ["NEO4J_URI"], os.environ.get("NEO4J_DATABASE", "neo4j")),
        data=body, headers={"Content-Type": "application/json"})
    tok = base64.b64encode(("%s:%s" % (os.environ["NEO4J_USERNAME"], os.environ["NEO4J_PASSWORD"])).encode())
    req.add_header("Authorization", "Basic " + tok.decode())
    reply = json.load(urllib.request.urlopen(req))
    if reply.get("errors"):
        raise RuntimeError(reply["errors"])
    return reply["results"][0]


WS = "bench-fork"  # the workspace's identity, so keys are known: bench-fork/bench_fork/...


def clean_graph():
    cypher("MATCH (n) WHERE n.workspace = $ws "
           "CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS", {"ws": WS})


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, **kw)


def timed(cmd, cwd, shell=False):
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, shell=shell, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000.0


def summary(ms):
    ms = sorted(ms)
    return "median %6.1f ms  p90 %6.1f ms  min %6.1f ms  (n=%d)" % (
        statistics.median(ms), ms[int(0.9 * (len(ms) - 1))], ms[0], len(ms))


def workspace(path, nfiles):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(os.path.join(path, "bench_fork", "pys"))
    run(["git", "init", "-q", "-b", "main"], path)
    # The identity as `pmeta init --workspace` writes it (.pmeta/ is untracked).
    os.makedirs(os.path.join(path, ".pmeta"))
    with open(os.path.join(path, ".pmeta", "workspace"), "w") as f:
        f.write(WS + "\n")
    with open(os.path.join(path, ".git", "info", "exclude"), "a") as f:
        f.write("/.pmeta/\n")
    with open(os.path.join(path, "bench_fork", "pys", "proc_1_v_000.py"), "w") as f:
        f.write("print('bench')\n" * 40)
    for i in range(nfiles):
        d = os.path.join(path, "data", "d%02d" % (i % 50))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%05d.txt" % i), "w") as f:
            f.write("file %d\n" % i)
    run(["git", "add", "."], path)
    run(["git", "commit", "-q", "-m", "base"], path)


def bench_fork(nfiles):
    ws = os.path.join(SCRATCH, "ws%d" % nfiles)
    workspace(ws, nfiles)
    fork = [timed([PMETA, "fork", "proc_1_v_000", "--to", "proc_%d_v_000" % (1000 + i)], ws)
            for i in range(RUNS)]
    src = os.path.join("bench_fork", "pys", "proc_1_v_000.py")
    git = []
    for i in range(RUNS):
        dst = os.path.join("bench_fork", "pys", "proc_%d_v_001.py" % (1000 + i))
        git.append(timed("cp %s %s && git add %s && git commit -q -m 'copy %d'" % (src, dst, dst, i), ws, shell=True))
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ws, capture_output=True, text=True).stdout
    fsck = subprocess.run(["git", "fsck", "--strict"], cwd=ws, capture_output=True).returncode
    print("fork, workspace of %d files:" % (nfiles + 1))
    print("  pmeta fork --to          " + summary(fork))
    print("  git add + git commit     " + summary(git))
    print("  (after: git status %s, git fsck exit %d)" % ("clean" if not status else "NOT clean", fsck))
    return statistics.median(fork), statistics.median(git)


def bench_lineage():
    # A 1,000-deep chain and a star of 1,000 direct forks, written straight to the graph.
    # Keys as graph/keys.c makes them: <workspace>/<schedule>/<name>.
    p = {"ws": WS, "prefix": WS + "/bench_fork/"}
    cypher("UNWIND range(0, 1000) AS i CREATE (:Procedure {key: $prefix + 'proc_' + (10000 + i) + '_v_000', "
           "name: 'proc_' + (10000 + i) + '_v_000', schedule: 'bench_fork', workspace: $ws, chain: i})", p)
    cypher("MATCH (a:Procedure {schedule: 'bench_fork', workspace: $ws}) WHERE a.chain > 0 "
           "MATCH (b:Procedure {key: $prefix + 'proc_' + (10000 + a.chain - 1) + '_v_000'}) "
           "CREATE (a)-[:FORKED_FROM {bump: 'to', commit: 'c', at: datetime('2026-01-01T00:00:00Z')}]->(b)", p)
    cypher("CREATE (:Procedure {key: $prefix + 'proc_2_v_000', name: 'proc_2_v_000', schedule: 'bench_fork', "
           "workspace: $ws})", p)
    cypher("MATCH (r:Procedure {key: $prefix + 'proc_2_v_000'}) UNWIND range(1, 1000) AS i "
           "CREATE (:Procedure {key: $prefix + 'proc_' + (20000 + i) + '_v_000', name: 'proc_' + (20000 + i) + '_v_000', "
           "schedule: 'bench_fork', workspace: $ws})-[:FORKED_FROM {bump: 'to', commit: 'c', "
           "at: datetime('2026-01-01T00:00:00Z')}]->(r)", p)
    ws = os.path.join(SCRATCH, "ws0")  # a workspace of identity WS (bench_fork ran there)
    cases = [
        ("chain of 1,000: leaf, --up", ["bench_fork/proc_11000_v_000", "--up"]),
        ("chain of 1,000: root, --down", ["bench_fork/proc_10000_v_000", "--down"]),
        ("chain of 1,000: middle, both", ["bench_fork/proc_10500_v_000"]),
        ("1,000 direct forks: root", ["bench_fork/proc_2_v_000"]),
        ("1,000 direct forks: one fork", ["bench_fork/proc_20500_v_000"]),
    ]
    print("lineage (one pmeta process each, usage lookups included):")
    worst = 0.0
    for label, args in cases:
        for fmt in ("tree", "json"):
            ms = [timed([PMETA, "lineage"] + args + ["--format", fmt], ws) for _ in range(min(RUNS, 20))]
            worst = max(worst, statistics.median(ms))
            print("  %-32s %-4s %s" % (label, fmt, summary(ms)))
    return worst


def bench_sync():
    ws = os.path.join(SCRATCH, "sync")
    workspace(ws, 0)
    head = subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=ws).decode().strip()
    blob = subprocess.check_output(["git", "rev-parse", "HEAD:bench_fork/pys/proc_1_v_000.py"], cwd=ws).decode().strip()
    lines, prev = [], "proc_1_v_000"
    for i in range(1, 1001):
        name = "proc_%d_v_000" % (i + 1)
        msg = ("fork %s from %s (to)\n\nPmeta-Fork: %s\nPmeta-Forked-From: %s\nPmeta-Source-Blob: %s\n"
               "Pmeta-Bump: to\nPmeta-Kind: procedure\nPmeta-Schedule: bench_fork_sync\n") % (name, prev, name, prev, blob)
        lines += ["commit refs/heads/main", "committer b <b@x> %d +0000" % (1700000000 + i),
                  "data %d" % len(msg.encode()), msg]
        if i == 1:
            lines.append("from %s" % head)
        lines += ["M 100644 %s bench_fork/pys/%s.py" % (blob, name), ""]
        prev = name
    subprocess.run(["git", "fast-import", "--quiet"], cwd=ws, input="\n".join(lines).encode(), check=True)
    run(["git", "reset", "-q", "--hard"], ws)
    first = timed([PMETA, "sync"], ws)
    again = [timed([PMETA, "sync"], ws) for _ in range(5)]
    print("sync of 1,000 fork commits:")
    print("  first (creates 1,001 nodes, 1,000 edges)  %.1f ms" % first)
    print("  again (no-op)            " + summary(again))


def main():
    load_env()
    os.makedirs(SCRATCH, exist_ok=True)
    os.environ.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@pmeta.invalid",
                      GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@pmeta.invalid",
                      GIT_CONFIG_NOSYSTEM="1", HOME=SCRATCH)
    clean_graph()
    try:
        print("machine: %s, %d cores; %s" % (os.uname().sysname, os.cpu_count(),
              subprocess.check_output(["git", "--version"]).decode().strip()))
        bench_fork(0)
        bench_fork(5000)
        bench_lineage()
        bench_sync()
    finally:
        clean_graph()


if __name__ == "__main__":
    main()
