# Part 2: a text-processing schedule. Its config becomes a subgraph in Neo4j
# (pmeta import) and the subgraph a run plan (pmeta plan). The scripts are
# small real Python programs reading and writing dataset folders under
# data/sche_001/; a later part runs them.
mkdir -p sche_001/pys sche_001/process_config/p_001_v_000 data/sche_001/schema_input

cat >sche_001/base.conf <<'EOF'
# Schedule-wide settings: the interpreter and the command template.
interpreter = python3
template = {interpreter} ./{script} --sname={schedule} --prname={prname} --pr_version={pr_version}
EOF

cat >sche_001/process_config/p_001_v_000/main.conf <<'EOF'
# p_001_v_000: score short reviews. Each section is a step running the
# procedure it is named after; the order comes from the datasets.

# preprocessing: split into tokens, then normalise them
[proc_001_v_000]
last_proc = schema_input

[proc_002_v_000]
last_proc = proc_001_v_000
lowercase = yes

# two predictors annotate the normalised folder in proc_002_v_000/predict
[proc_003_v_000]
last_proc = proc_002_v_000
max_shard = 2
run_mode = auto

[proc_004_v_000]
last_proc = proc_002_v_000
lexicon = good great fine love : bad poor awful hate

# merge reads the predict subfolder: it runs after both predictors
[proc_005_v_000]
last_proc1 = proc_002_v_000
last_proc1_amend = predict

# check writes the report into the output schema
[proc_006_v_000]
last_proc = proc_005_v_000
cur_proc_to = schema_output
timeout = 60

[proc_007_v_000]
output_folder = schema_output
retries = 1

# cleanup deletes the intermediate folders, after the submission
[proc_008_v_000]
del_1 = proc_001_v_000
del_2 = proc_002_v_000
del_2_amend = predict
del_3 = proc_002_v_000
del_4 = proc_005_v_000
after = proc_007_v_000
EOF

cat >sche_001/pys/textkit.py <<'EOF'
"""What every procedure of sche_001 shares: arguments, its config section,
dataset folders under $PMETA_DATA (default ./data)/<schedule>/."""
import argparse
import configparser
import json
import os
import pathlib


def start(name):
    ap = argparse.ArgumentParser(prog=name)
    ap.add_argument("--sname", required=True)
    ap.add_argument("--prname", required=True)
    ap.add_argument("--pr_version", required=True)
    ap.add_argument("--shard", type=int, default=0)
    ap.add_argument("--max_shard", type=int, default=1)
    ap.add_argument("--run_mode", default=None)
    args = ap.parse_args()
    conf = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
    conf.read("%s/process_config/p_%s_v_%s/main.conf" % (args.sname, args.prname, args.pr_version))
    section = dict(conf[name]) if conf.has_section(name) else {}
    if args.run_mode:
        section["run_mode"] = args.run_mode
    data = pathlib.Path(os.environ.get("PMETA_DATA", "data")) / args.sname
    return args, section, data


def folder(data, name):
    path = data / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, value):
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=True)
    os.replace(tmp, path)
EOF

cat >sche_001/pys/proc_001_v_000.py <<'EOF'
"""Tokenise: one JSON list of tokens per input text."""
import re
import textkit

args, conf, data = textkit.start("proc_001_v_000")
out = textkit.folder(data, "proc_001_v_000")
for src in sorted((data / conf.get("last_proc", "schema_input")).glob("*.txt")):
    tokens = re.findall(r"\w+|[^\w\s]", src.read_text(encoding="utf-8"))
    textkit.write_json(out / (src.stem + ".json"), tokens)
    print("%s: %d tokens" % (src.name, len(tokens)))
EOF

cat >sche_001/pys/proc_002_v_000.py <<'EOF'
"""Normalise: drop punctuation, lowercase when asked."""
import textkit

args, conf, data = textkit.start("proc_002_v_000")
out = textkit.folder(data, "proc_002_v_000")
for src in sorted((data / conf["last_proc"]).glob("*.json")):
    words = [t for t in textkit.read_json(src) if t.isalnum()]
    if conf.get("lowercase") == "yes":
        words = [w.lower() for w in words]
    textkit.write_json(out / src.name, words)
print("normalised into", out)
EOF

cat >sche_001/pys/proc_003_v_000.py <<'EOF'
"""Predict length class, one shard of the documents per job; writes the
amend folder <last_proc>/predict."""
import textkit

args, conf, data = textkit.start("proc_003_v_000")
src = data / conf["last_proc"]
out = textkit.folder(data, conf["last_proc"] + "/predict")
docs = sorted(src.glob("*.json"))[args.shard::args.max_shard]
pred = {d.stem: ("long" if len(textkit.read_json(d)) > 12 else "short") for d in docs}
textkit.write_json(out / ("length_%d.json" % args.shard), pred)
print("shard %d/%d (run_mode %s): %d documents" % (args.shard, args.max_shard,
      conf.get("run_mode"), len(pred)))
EOF

cat >sche_001/pys/proc_004_v_000.py <<'EOF'
"""Predict sentiment from a tiny lexicon ("positive words : negative words")."""
import textkit

args, conf, data = textkit.start("proc_004_v_000")
pos, _, neg = conf["lexicon"].partition(":")
pos, neg = set(pos.split()), set(neg.split())
src = data / conf["last_proc"]
out = textkit.folder(data, conf["last_proc"] + "/predict")
pred = {}
for d in sorted(src.glob("*.json")):
    words = textkit.read_json(d)
    score = sum(w in pos for w in words) - sum(w in neg for w in words)
    pred[d.stem] = "positive" if score > 0 else "negative" if score < 0 else "neutral"
textkit.write_json(out / "sentiment.json", pred)
print("sentiment of %d documents" % len(pred))
EOF

cat >sche_001/pys/proc_005_v_000.py <<'EOF'
"""Merge every prediction file of the amend folder into one table."""
import textkit

args, conf, data = textkit.start("proc_005_v_000")
src = data / conf["last_proc1"] / conf["last_proc1_amend"]
merged = {}
for f in sorted(src.glob("*.json")):
    kind = f.stem.split("_")[0]
    for doc, label in textkit.read_json(f).items():
        merged.setdefault(doc, {})[kind] = label
out = textkit.folder(data, "proc_005_v_000")
textkit.write_json(out / "merged.json", merged)
print("merged %d documents from %s" % (len(merged), src))
EOF

cat >sche_001/pys/proc_006_v_000.py <<'EOF'
"""Check the merged table is complete; write the report to the output schema."""
import sys
import textkit

args, conf, data = textkit.start("proc_006_v_000")
merged = textkit.read_json(data / conf["last_proc"] / "merged.json")
missing = [d for d, v in merged.items() if set(v) != {"length", "sentiment"}]
if missing:
    sys.exit("incomplete predictions for: " + ", ".join(missing))
out = textkit.folder(data, conf["cur_proc_to"])
textkit.write_json(out / "report.json", {"documents": len(merged), "labels": merged})
print("report: %d documents, all labelled" % len(merged))
EOF

cat >sche_001/pys/proc_007_v_000.py <<'EOF'
"""Submit: print a summary of the output schema's report."""
import collections
import textkit

args, conf, data = textkit.start("proc_007_v_000")
report = textkit.read_json(data / conf["output_folder"] / "report.json")
count = collections.Counter(v["sentiment"] for v in report["labels"].values())
print("submitted %d documents: %s" % (report["documents"], dict(sorted(count.items()))))
EOF

cat >sche_001/pys/proc_008_v_000.py <<'EOF'
"""Cleanup: delete the intermediate folders named by del_K (and del_K_amend)."""
import shutil
import textkit

args, conf, data = textkit.start("proc_008_v_000")
for key in sorted(k for k in conf if k.startswith("del_") and not k.endswith("_amend")):
    path = data / conf[key]
    if conf.get(key + "_amend"):
        path = path / conf[key + "_amend"]
    shutil.rmtree(path, ignore_errors=True)
    print("deleted", path)
EOF

printf 'A great little phone. I love the screen, and the battery is fine.\n' >data/sche_001/schema_input/r1.txt
printf 'Awful. It broke on day two.\n' >data/sche_001/schema_input/r2.txt
printf 'Poor sound, bad case, but great price; I would not buy it again though, honestly.\n' >data/sche_001/schema_input/r3.txt
printf '/data/*\n!/data/sche_001/\n/data/sche_001/*\n!/data/sche_001/schema_input/\n__pycache__/\n' >.gitignore

git add .gitignore sche_001 data
git commit -qm 'sche_001: a text-processing schedule (p_001_v_000)'

C=sche_001/process_config/p_001_v_000/main.conf
echo '$ pmeta check' $C
pmeta check $C
echo '$ pmeta import' $C
pmeta import $C
echo '$ PMETA_TRACE=1 pmeta import' $C '   # again: one small query, nothing written'
PMETA_TRACE=1 pmeta import $C
echo '$ pmeta plan p_001_v_000'
pmeta plan p_001_v_000
echo '$ pmeta plan --format json p_001_v_000'
pmeta plan --format json p_001_v_000 | tee plan.json
# The contract of this part: cleanup last, merge after both predictors.
python3 - plan.json <<'EOF'
import json, sys
plan = json.load(open(sys.argv[1]))
stage = {j["step"]: s["index"] for s in plan["stages"] for j in s["jobs"]}
last = max(stage.values())
assert [k for k, v in stage.items() if v == last] == ["proc_008_v_000"], "cleanup is not alone last"
assert stage["proc_005_v_000"] > max(stage["proc_003_v_000"], stage["proc_004_v_000"]), "merge before a predictor"
print("ok: cleanup runs last (stage %d), merge (stage %d) after both predictors" % (last, stage["proc_005_v_000"]))
EOF
rm -f plan.json
echo '$ pmeta plan --format mermaid p_001_v_000'
pmeta plan --format mermaid p_001_v_000
