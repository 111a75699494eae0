#!/usr/bin/env python3
"""The write floor of an import: what the barest Cypher pays for the same graph.

    floor.py OUT_FILE PROCESS_KEY [BATCH]

Reads the process PROCESS_KEY that `pmeta import` has just written (its
steps, the procedures they run and the datasets they touch, every property
and edge), then writes a copy of it under labels no index or constraint
covers (FloorProcess, FloorStep, FloorProcedure, FloorDataset) with the
simplest statements Neo4j has: `UNWIND $rows CREATE ... SET n = props`,
edges by internal id, BATCH rows a transaction (default 10000, pmeta's),
procedures, then datasets, then steps, then the steps' AFTER edges. No
index entries, no lookup by key, no uniqueness check, no draft, no
comparison with what exists: about what any import of that graph through
the HTTP API pays Neo4j, less the index entries pmeta's labels carry. The
copy is deleted afterwards.

Appends "<write seconds> 0 <status>" to OUT_FILE (bench/scale/timed.py's
format; the read and the clean-up are not timed) and prints the phases.
Neo4j's address and credentials come from NEO4J_URI, NEO4J_USERNAME,
NEO4J_PASSWORD (NEO4J_DATABASE, default neo4j).
"""
import base64
import json
import os
import sys
import time
import urllib.request


def client():
    uri = os.environ["NEO4J_URI"].rstrip("/")
    db = os.environ.get("NEO4J_DATABASE") or "neo4j"
    auth = base64.b64encode(("%s:%s" % (os.environ["NEO4J_USERNAME"],
                                        os.environ["NEO4J_PASSWORD"])).encode()).decode()

    def query(statement, **params):
        body = json.dumps({"statements": [{"statement": statement, "parameters": params}]})
        req = urllib.request.Request("%s/db/%s/tx/commit" % (uri, db), data=body.encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": "Basic " + auth})
        with urllib.request.urlopen(req, timeout=3600) as r:
            out = json.loads(r.read())
        if out.get("errors"):
            raise SystemExit("floor.py: %s" % out["errors"][0].get("message"))
        return [d["row"] for d in out["results"][0]["data"]]
    return query


def batches(rows, n):
    for i in range(0, len(rows), n):
        yield rows[i:i + n]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, process = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    q = client()

    # What pmeta wrote, as plain rows (not timed).
    steps = q("""MATCH (:Process {key: $p})-[:HAS_STEP]->(s:Step)-[:RUNS]->(pr:Procedure)
                 RETURN s.key, properties(s), pr.key,
                        [(s)-[:READS]->(d) | d.key], [(s)-[:WRITES]->(d) | d.key],
                        [(s)-[:DELETES]->(d) | d.key], [(s)-[:AFTER]->(a) | a.key]
                 ORDER BY s.order""", p=process)
    procs = q("""MATCH (:Process {key: $p})-[:HAS_STEP]->()-[:RUNS]->(pr:Procedure)
                 WITH DISTINCT pr RETURN pr.key, properties(pr)""", p=process)
    datasets = q("""MATCH (:Process {key: $p})-[:HAS_STEP]->()-[:READS|WRITES|DELETES]->(d:Dataset)
                    WITH DISTINCT d RETURN d.key, properties(d)""", p=process)
    if not steps:
        sys.exit("floor.py: %s has no steps in the graph (import it first)" % process)
    q("MATCH (n) WHERE n:FloorProcess OR n:FloorStep OR n:FloorProcedure OR n:FloorDataset "
      "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS")

    ids = {"FloorProcedure": {}, "FloorDataset": {}, "FloorStep": {}}
    phases = []
    t0 = time.monotonic()

    def nodes(label, rows):
        t = time.monotonic()
        for b in batches(rows, batch):
            made = q("UNWIND $rows AS r CREATE (n:%s) SET n = r[1] RETURN r[0], id(n)" % label,
                     rows=b)
            ids[label].update((k, i) for k, i in made)
        phases.append("%d %s %.2f s" % (len(rows), label, time.monotonic() - t))

    nodes("FloorProcedure", procs)
    nodes("FloorDataset", datasets)
    pid, did, sid = ids["FloorProcedure"], ids["FloorDataset"], ids["FloorStep"]
    t = time.monotonic()
    [[proc_id]] = q("CREATE (p:FloorProcess {key: $p}) RETURN id(p)", p=process)
    rels = 0
    for b in batches(steps, batch):
        rows = [[k, props, pid[pr], [did[d] for d in rd], [did[d] for d in wr],
                 [did[d] for d in dl]]
                for k, props, pr, rd, wr, dl, after in b]
        rels += sum(2 + len(rd) + len(wr) + len(dl) + len(after) for _, _, _, rd, wr, dl, after in b)
        made = q("""MATCH (p) WHERE id(p) = $process
                    UNWIND $rows AS r
                    MATCH (pr) WHERE id(pr) = r[2]
                    CALL (r) {
                      UNWIND [i IN r[3] | [0, i]] + [i IN r[4] | [1, i]] + [i IN r[5] | [2, i]] AS io
                      MATCH (d) WHERE id(d) = io[1]
                      RETURN collect([io[0], d]) AS io
                    }
                    CREATE (p)-[:HAS_STEP]->(s:FloorStep)-[:RUNS]->(pr)
                    SET s = r[1]
                    FOREACH (d IN [x IN io WHERE x[0] = 0 | x[1]] | CREATE (s)-[:READS]->(d))
                    FOREACH (d IN [x IN io WHERE x[0] = 1 | x[1]] | CREATE (s)-[:WRITES]->(d))
                    FOREACH (d IN [x IN io WHERE x[0] = 2 | x[1]] | CREATE (s)-[:DELETES]->(d))
                    RETURN r[0], id(s)""", process=proc_id, rows=rows)
        sid.update((k, i) for k, i in made)
    # AFTER edges once every step exists (a step may run after a later one).
    for b in batches([[sid[k], [sid[a] for a in after]] for k, *_, after in steps if after], batch):
        q("""UNWIND $rows AS r
             MATCH (s) WHERE id(s) = r[0]
             UNWIND r[1] AS i
             MATCH (a) WHERE id(a) = i
             CREATE (s)-[:AFTER]->(a)""", rows=b)
    phases.append("%d FloorStep, %d edges %.2f s" % (len(steps), rels, time.monotonic() - t))
    wall = time.monotonic() - t0

    q("MATCH (n) WHERE n:FloorProcess OR n:FloorStep OR n:FloorProcedure OR n:FloorDataset "
      "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS")
    with open(out, "a") as f:
        f.write("%.4f 0 0\n" % wall)
    print("floor: %.2f s (%s)" % (wall, "; ".join(phases)))


if __name__ == "__main__":
    main()
