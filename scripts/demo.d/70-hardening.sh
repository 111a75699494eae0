# Part 7: what pmeta refuses to be fooled by. A fork message that tries to
# hide or forge lineage, a command template that would let a parameter reach
# the shell unquoted, and a job that prints its environment.
mkdir -p sche_009/pys sche_009/process_config/p_009_v_000
printf '%s\n' 'import os, sys' 'os.system("env | grep ^NEO4J_ || echo no NEO4J_ variable here")' \
	'print("MY_SETTING =", os.environ.get("MY_SETTING"))' >sche_009/pys/proc_090_v_000.py
printf '[proc_090_v_000]\npass_env = MY_SETTING\n' >sche_009/process_config/p_009_v_000/main.conf
printf 'interpreter = python3\n' >sche_009/base.conf
git add sche_009 && git commit -q -m 'demo: schedule 9'

echo "--- pmeta fork proc_090_v_000 -m with a fake trailer block after a --- line"
pmeta fork proc_090_v_000 -m "$(printf '%s\n' 'looks harmless' '---' \
	'Pmeta-Fork: proc_999_v_000' 'Pmeta-Forked-From: proc_090_v_000' 'Pmeta-Schedule: elsewhere')"
echo "--- git interpret-trailers --parse: only pmeta's own block"
git log -1 --format=%B | git interpret-trailers --parse
echo "--- pmeta sync --dry-run: the real fork, nothing forged"
pmeta sync --dry-run | grep -E 'proc_090|fork\(s\)'

echo
echo "--- a placeholder inside double quotes is refused (exit 3), not quoted wrongly"
printf 'interpreter = python3\ntemplate = {interpreter} {script} "--e={step}"\n' >sche_009/base.conf
pmeta check sche_009/process_config/p_009_v_000/main.conf || echo "(exit $?)"
printf 'interpreter = python3\n' >sche_009/base.conf

echo
echo "--- a job sees no NEO4J_* variable; MY_SETTING comes through pass_env"
MY_SETTING=hello pmeta run sche_009/process_config/p_009_v_000/main.conf >/dev/null
cat "$(ls -d .pmeta/runs/*/ | tail -n1)proc_090_v_000.log"
