# Part 4b: what exactly ran. An uncommitted edit of a script is run, and
# `pmeta status` shows which blob each job ran, with * for the dirty one;
# the config the run ran is kept in the graph and printed back. A config
# without steps, or not UTF-8, is refused before anything is written.
# (40-run.sh ran sche_001's p_001_v_000.)
proc=p_001_v_000
conf=sche_001/process_config/$proc/main.conf
first=$(pmeta plan "$proc" --format json | python3 -c '
import json, sys
print(json.load(sys.stdin)["stages"][0]["jobs"][0]["step"])')
script=sche_001/pys/$first.py

echo "--- an edit of $script that is not committed, then pmeta run --only $first"
cp "$script" "$DEMO/.saved-script"
printf '%s\n' '# tuned by hand: not committed yet' >>"$script"
git status --short -- "$script"
pmeta run "$proc" --only "$first" --quiet
run=$(pmeta runs "$proc" -n 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
echo
echo "--- pmeta status $run: the job ran blob $(git hash-object "$script" | cut -c1-7), not HEAD's $(git rev-parse "HEAD:$script" | cut -c1-7)"
pmeta status "$run"
echo
echo "--- the same from the graph"
pmeta status "$run" --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("run %s: config %s, by %s@%s with pmeta %s" % (r["id"], r["config_hash"][:12], r["user"], r["host"], r["pmeta_version"]))
for j in r["jobs"]:
    print("  %s ran %s blob %s dirty=%s at commit %s" % (j["step"], j["procedure"], j["blob"][:12], j["dirty"], j["commit"][:12]))'
cp "$DEMO/.saved-script" "$script"
rm -f "$DEMO/.saved-script"

echo
echo "--- pmeta status $run --config: the config text that run ran (kept once per content)"
pmeta status "$run" --config >"$DEMO/.config-text"
head -n 8 "$DEMO/.config-text"
rm -f "$DEMO/.config-text"

echo
echo "--- a config that is not UTF-8 is refused with file:line, and nothing is written"
cp "$conf" "$DEMO/.saved-conf"
printf 'note = caf\xe9\n' >>"$conf"
pmeta import "$conf" || echo "(pmeta import exited $?)"
cp "$DEMO/.saved-conf" "$conf"
rm -f "$DEMO/.saved-conf"
