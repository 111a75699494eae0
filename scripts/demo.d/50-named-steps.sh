# Part 5: steps named freely. A section names its step and says which
# procedure it runs (`procedure =`), so one procedure serves two steps; each
# step writes its own dataset, named after it. Version names are one grammar
# for every verb: a long family such as algo_word_count_v_000 forks, and its
# lineage shows both steps using it.
mkdir -p sche_001/pys sche_001/process_config/p_002_v_000 data/sche_001/schema_input
[ -f sche_001/base.conf ] || echo 'interpreter = python3' >sche_001/base.conf
if [ -z "$(ls data/sche_001/schema_input)" ]; then
	printf 'A great little phone, I love the screen.\n' >data/sche_001/schema_input/r1.txt
	printf 'Awful. It broke on day two.\n' >data/sche_001/schema_input/r2.txt
fi

cat >sche_001/process_config/p_002_v_000/main.conf <<'EOF'
# p_002_v_000: one word-count procedure, run as two steps with their own
# settings, then a comparison of both.
[all_words]
procedure = algo_word_count_v_000
last_proc = schema_input
min_len = 1

[long_words]
procedure = algo_word_count_v_000
last_proc = schema_input
min_len = 6

[compare]
procedure = algo_compare_counts_v_000
last_proc1 = all_words
last_proc2 = long_words
EOF

cat >sche_001/pys/algo_word_count_v_000.py <<'EOF'
"""Count the words of at least min_len letters in the texts of last_proc.
One script serves several steps: PMETA_STEP names the step, hence its
section of main.conf and its output folder."""
import configparser
import json
import os
import pathlib
import re
import sys

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
step = os.environ["PMETA_STEP"]
conf = configparser.ConfigParser(interpolation=None)
conf.read("%s/process_config/p_%s_v_%s/main.conf" % (args["sname"], args["prname"], args["pr_version"]))
section = conf[step]
data = pathlib.Path(os.environ.get("PMETA_DATA", "data")) / args["sname"]
words = [w for f in sorted((data / section["last_proc"]).glob("*.txt"))
         for w in re.findall(r"[^\W\d_]+", f.read_text(encoding="utf-8"))
         if len(w) >= int(section["min_len"])]
out = data / step
out.mkdir(parents=True, exist_ok=True)
(out / "count.json").write_text(json.dumps({"words": len(words)}))
print("%s: %d words of %s+ letters" % (step, len(words), section["min_len"]))
EOF

cat >sche_001/pys/algo_compare_counts_v_000.py <<'EOF'
"""Compare the word counts of the two steps this step reads."""
import configparser
import json
import os
import pathlib
import sys

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
conf = configparser.ConfigParser(interpolation=None)
conf.read("%s/process_config/p_%s_v_%s/main.conf" % (args["sname"], args["prname"], args["pr_version"]))
section = conf[os.environ["PMETA_STEP"]]
data = pathlib.Path(os.environ.get("PMETA_DATA", "data")) / args["sname"]
a, b = (json.loads((data / section[k] / "count.json").read_text())["words"]
        for k in ("last_proc1", "last_proc2"))
print("%s: %d words, %s: %d (%.0f%%)" % (section["last_proc1"], a, section["last_proc2"], b,
                                         100.0 * b / max(a, 1)))
EOF

git add sche_001
git commit -qm 'sche_001: p_002_v_000, one procedure serving two steps'

C=sche_001/process_config/p_002_v_000/main.conf
echo '$ pmeta check' $C
pmeta check $C
echo '$ pmeta import' $C
pmeta import $C
echo '$ pmeta plan sche_001/p_002_v_000'
pmeta plan sche_001/p_002_v_000
echo '$ pmeta run sche_001/p_002_v_000 -j 2'
pmeta run sche_001/p_002_v_000 -j 2
for step in all_words long_words compare; do
	echo "--- .pmeta/runs/<run>/$step.log"
	cat "$(ls -td .pmeta/runs/*/ | head -n1)$step.log"
done
echo "\$ pmeta fork algo_word_count_v_000 --minor -m 'count hyphenated words too'"
pmeta fork algo_word_count_v_000 --minor -m 'count hyphenated words too'
echo '$ pmeta lineage sche_001/algo_word_count_v_000   # used by two steps'
pmeta lineage sche_001/algo_word_count_v_000
