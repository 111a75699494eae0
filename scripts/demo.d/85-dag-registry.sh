# Part 8b: an ML platform's DAG file as a process (dag.yaml), and the
# registry (pmeta ls, pmeta show, who wrote what ran). The platform's front
# end saved the DAG below: read, split, two models after the split, predict
# with both, evaluate. Each operator is a step named by its node id running
# its algo_name (version 000 of it: algo_demo_split runs
# algo_demo_split_v_000); output port i of node n is dataset n/out<i>.
# Schedule sche_002 has its own base.conf: the scripts get their ports'
# datasets on the command line ({inputs}, {outputs}: step keys).
mkdir -p sche_002/pys sche_002/process_config/p_010_v_000
cat >sche_002/base.conf <<'EOF'
interpreter = python3
template = {interpreter} ./{script} --inputs={inputs} --outputs={outputs} --data=data/{schedule}
EOF

cat >sche_002/process_config/p_010_v_000/dag.yaml <<'EOF'
description: Which of two thresholds tells large orders apart best.
dag:
  operator_list:
  - read_12_1517360836700
  - split_45_1517360836712
  - mean_46_1517360836725
  - median_47_1517360836731
  - predict_48_1517360836740
  - eval_49_1517360836752
  operator_rels:
    read_12_1517360836700:
    - {target: split_45_1517360836712, source_index: 0, target_index: 0}
    split_45_1517360836712:
    - {target: mean_46_1517360836725, source_index: 0, target_index: 0}
    - {target: median_47_1517360836731, source_index: 0, target_index: 0}
    - {target: predict_48_1517360836740, source_index: 1, target_index: 2}
    mean_46_1517360836725:
    - {target: predict_48_1517360836740, source_index: 0, target_index: 0}
    median_47_1517360836731:
    - {target: predict_48_1517360836740, source_index: 0, target_index: 1}
    predict_48_1517360836740:
    - {target: eval_49_1517360836752, source_index: 0, target_index: 0}
  operator_details:
    read_12_1517360836700:
      algo_name: algo_demo_read
      cn_name: 读取订单
      type: source
      data_type: table
      coordinate: {x: 412, y: 56}
      params: {rows: 200, seed: 7}
    split_45_1517360836712:
      algo_name: algo_demo_split
      cn_name: 拆分
      type: process
      data_type: table
      coordinate: {x: 412, y: 168}
      params: {test_ratio: 0.25}
    mean_46_1517360836725:
      algo_name: algo_demo_threshold
      cn_name: 均值阈值
      type: model
      data_type: model
      coordinate: {x: 236, y: 290}
      params: {statistic: mean, x_cols: [amount, items, discount]}
    median_47_1517360836731:
      algo_name: algo_demo_threshold
      cn_name: 中位数阈值
      type: model
      data_type: model
      coordinate: {x: 588, y: 290}
      priority: 5
      params: {statistic: median, x_cols: [amount, items, discount]}
    predict_48_1517360836740:
      algo_name: algo_demo_predict
      cn_name: 预测
      type: predict
      data_type: table
      coordinate: {x: 412, y: 412}
    eval_49_1517360836752:
      algo_name: algo_demo_eval
      cn_name: 评估
      type: evaluate
      data_type: report
      coordinate: {x: 412, y: 524}
EOF

# The scripts: each reads the datasets of its input ports and writes those
# of its output ports (data/sche_002/<node>/out<i>/).
common='import json, os, pathlib, statistics, sys
args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
data = pathlib.Path(args["data"])
inputs = [data / d for d in args["inputs"].split(",") if d]
outputs = [data / d for d in args["outputs"].split(",")]
for o in outputs:
    o.mkdir(parents=True, exist_ok=True)
def load(d):
    return json.loads((d / "data.json").read_text())
def save(o, v):
    (o / "data.json").write_text(json.dumps(v))
'
{ echo '"""Reads the orders table (here: 200 synthetic orders)."""'; echo "$common"; cat <<'EOF'; } >sche_002/pys/algo_demo_read_v_000.py
import random
rng = random.Random(7)
rows = [{"amount": round(rng.lognormvariate(3, 1), 2)} for _ in range(200)]
save(outputs[0], rows)
print("read %d orders" % len(rows))
EOF
{ echo '"""Splits rows into a training part (port 0) and a test part (port 1)."""'; echo "$common"; cat <<'EOF'; } >sche_002/pys/algo_demo_split_v_000.py
rows = load(inputs[0])
cut = len(rows) * 3 // 4
save(outputs[0], rows[:cut])
save(outputs[1], rows[cut:])
print("split: %d to train, %d to test" % (cut, len(rows) - cut))
EOF
{ echo '"""Learns a threshold on amount: the statistic PMETA_STEP'"'"'s node asks for."""'; echo "$common"; cat <<'EOF'; } >sche_002/pys/algo_demo_threshold_v_000.py
rows = load(inputs[0])
stat = "mean" if os.environ["PMETA_STEP"].startswith("mean") else "median"
t = getattr(statistics, stat)(r["amount"] for r in rows)
save(outputs[0], {"statistic": stat, "threshold": t})
print("%s threshold: %.2f" % (stat, t))
EOF
{ echo '"""Labels the test rows with each model: amount above its threshold."""'; echo "$common"; cat <<'EOF'; } >sche_002/pys/algo_demo_predict_v_000.py
models = [load(d) for d in inputs[:-1]]
rows = load(inputs[-1])
save(outputs[0], {"truth": [r["amount"] > 40 for r in rows],
                  "predictions": {m["statistic"]: [r["amount"] > m["threshold"] for r in rows] for m in models}})
print("predicted %d rows with %d models" % (len(rows), len(models)))
EOF
{ echo '"""Accuracy of each model against orders over 40."""'; echo "$common"; cat <<'EOF'; } >sche_002/pys/algo_demo_eval_v_000.py
p = load(inputs[0])
for name, pred in sorted(p["predictions"].items()):
    ok = sum(a == b for a, b in zip(pred, p["truth"]))
    print("%-6s accuracy %.0f%%" % (name, 100.0 * ok / len(pred)))
EOF

git add sche_002
git commit -qm 'sche_002: the platform DAG p_010_v_000 and its algorithms'

D=sche_002/process_config/p_010_v_000/dag.yaml
echo '$ pmeta check' $D
pmeta check $D
echo '$ pmeta import' $D '   # twice: the second creates nothing'
pmeta import $D
pmeta import $D
echo '$ pmeta plan sche_002/p_010_v_000   # read, split, {mean, median}, predict, eval'
pmeta plan sche_002/p_010_v_000
echo '$ pmeta run sche_002/p_010_v_000 -j 1   # median (priority 5) before mean'
pmeta run sche_002/p_010_v_000 -j 1
echo "--- .pmeta/runs/<run>/eval_49_1517360836752.log"
cat "$(ls -td .pmeta/runs/*/ | head -n1)eval_49_1517360836752.log"
echo '$ pmeta status   # who wrote each version that ran'
pmeta status | sed -n '/^VERSION/,$p'

echo "\$ pmeta fork algo_demo_threshold_v_000 -m 'trimmed mean'   # as another author"
GIT_AUTHOR_NAME='Bo Chen' GIT_AUTHOR_EMAIL=bo@lab.example pmeta fork algo_demo_threshold_v_000 -m 'trimmed mean'
echo '$ pmeta sync   # the registry of every version on disk, from one history walk'
pmeta sync
echo '$ pmeta ls --schedule sche_002'
pmeta ls --schedule sche_002
echo "\$ pmeta ls --author bo@lab.example"
pmeta ls --author bo@lab.example
echo '$ pmeta show algo_demo_threshold_v_000'
pmeta show algo_demo_threshold_v_000
echo '$ pmeta show sche_002/p_010_v_000'
pmeta show sche_002/p_010_v_000
