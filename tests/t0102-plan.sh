#!/usr/bin/env bash
# pmeta plan: golden JSON plans of tests/plan/, targets by path and name,
# the formats, --cypher, shards, --latest-patch, --run-mode, import on change.
. "$(dirname "$0")/lib.sh"

CASES="$TEST_ROOT/tests/plan"
C=sche_001/process_config/p_001_v_000/main.conf

test_expect_success 'setup: empty graph, migrations, a workspace' '
	test_reset_graph &&
	pmeta migrate >/dev/null &&
	test_git_workspace &&
	mkdir -p sche_001/process_config/p_001_v_000 sche_001/pys
'

for dir in "$CASES"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/expected.json" ] || continue
	test_expect_success "golden $name: the JSON plan" "
		cp '$dir/main.conf' $C &&
		pmeta plan --format json $C >out 2>err &&
		test_cmp '$dir/expected.json' out &&
		test_contains err 'imported $C'
	"
done

for dir in "$CASES"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/expected.err" ] || continue
	test_expect_success "golden $name: plan refuses it with exit 3, graph unchanged" "
		before=\$(graph_counts) &&
		cp '$dir/main.conf' $C &&
		test_expect_code 3 pmeta plan $C 2>err &&
		test_contains err \"\$(head -n1 '$dir/expected.err')\" &&
		test_eq \"\$(graph_counts)\" \"\$before\"
	"
done

test_expect_success 'an unchanged config is not imported again' '
	cp "$CASES/diamond/main.conf" $C &&
	pmeta plan --format json $C >first 2>err &&
	test_contains err "imported" &&
	pmeta plan --format json $C >second 2>err &&
	test_eq "$(cat err)" "" &&
	test_cmp first second
'

test_expect_success 'the process by name, by schedule/name and by path give one plan' '
	pmeta plan --format json p_001_v_000 >by-name &&
	pmeta plan --format json sche_001/p_001_v_000 >by-key &&
	test_cmp first by-name &&
	test_cmp first by-key &&
	(cd sche_001 && pmeta plan --format json process_config/p_001_v_000/main.conf) >by-rel &&
	test_cmp first by-rel
'

test_expect_success 'a process only in the graph is planned from the graph' '
	mv $C saved.conf &&
	pmeta plan --format json p_001_v_000 >graph-only &&
	mv saved.conf $C &&
	test_cmp first graph-only
'

test_expect_success 'text: stages, jobs, commands, external inputs' '
	cp "$CASES/external-input/main.conf" $C &&
	pmeta plan $C >out 2>/dev/null &&
	test_contains out "process sche_001/p_001_v_000 ($C)" &&
	test_contains out "external inputs: lexicon schema_input shared/vocab" &&
	test_contains out "stage 1" &&
	test_contains out "    python ./sche_001/pys/proc_002_v_000.py --sname=sche_001 --prname=001 --pr_version=000" &&
	test_contains out "2 steps, 2 jobs, 2 stages"
'

test_expect_success 'shards: one step, N jobs with --shard=i --max_shard=N; run settings shown' '
	cp "$CASES/shards/main.conf" $C &&
	pmeta plan $C >out 2>/dev/null &&
	test_contains out "  proc_001_v_000 [2/3] (timeout 60s) (retries 2)" &&
	test_contains out "--shard=2 --max_shard=3" &&
	test_contains out "2 steps, 5 jobs, 2 stages" &&
	test_eq "$(cypher_value "MATCH (s:Step {key: \"ws/sche_001/p_001_v_000/proc_001_v_000\"}) RETURN count(s)")" 1
'

test_expect_success 'dot and mermaid draw the step graph' '
	cp "$CASES/diamond/main.conf" $C &&
	pmeta plan --format dot $C >dot &&
	test_contains dot "digraph \"sche_001/p_001_v_000\"" &&
	test_contains dot "\"proc_002_v_000\" -> \"proc_004_v_000\";" &&
	test_contains dot "\"proc_001_v_000\" -> \"proc_003_v_000\";" &&
	pmeta plan --format=mermaid $C >mm &&
	test_contains mm "flowchart LR" &&
	test_contains mm "  s0 --> s1" &&
	test_contains mm "  s2 --> s3"
'

test_expect_success '--cypher: :param lines, then the query; Neo4j answers it' '
	pmeta plan --cypher $C >out &&
	test_contains out ":param process => \"ws/sche_001/p_001_v_000\"" &&
	test_contains out ":param latest_patch => false" &&
	test_contains out "MATCH (p:Process {key: \$process})" &&
	test_contains out ":param params => []" &&
	sed -n "/^:param/!p" out >query &&
	params=$(sed -n "s/^:param \([a-z_]*\) => \(.*\)/\"\1\": \2/p" out | paste -sd, -) &&
	cypher "$(cat query)" "{$params}" >reply &&
	test_contains reply "\"proc_004_v_000\""
'

test_expect_success 'sh: runs the stages in order, jobs in parallel, stops at a failed stage' '
	cat >sche_001/base.conf <<-\EOB &&
	# scripts of this test are shell scripts
	interpreter = sh
	template = {interpreter} {script} {step}
	EOB
	for n in 1 2 3 4; do
		printf "echo \$1 >>order.log\n[ \"\$1\" != \"\$FAIL\" ]\n" >sche_001/pys/proc_00${n}_v_000.py || return 1
	done &&
	pmeta plan --format sh $C >run.sh &&
	sh run.sh 2>err &&
	test_eq "$(head -n1 order.log)" proc_001_v_000 &&
	test_eq "$(tail -n1 order.log)" proc_004_v_000 &&
	test_eq "$(wc -l <order.log)" 4 &&
	rm order.log &&
	test_expect_code 1 env FAIL=proc_002_v_000 sh run.sh 2>err &&
	test_contains err "pmeta: stage 1 failed" &&
	test_lacks order.log proc_004_v_000
'

test_expect_success '--run-mode adds --run_mode=M to every command' '
	pmeta plan --format json --run-mode force $C >out &&
	test_eq "$(grep -c "\"command\": \"sh sche_001/pys/proc_00._v_000.py proc_00._v_000 --run_mode=force\"" out)" 4
'
test_expect_success 'template keys come from the graph: {lang} is the step'"'"'s key, shell-quoted' '
	printf "interpreter = python3\ntemplate = {interpreter} {script} --lang={lang}\n" >sche_001/base.conf &&
	printf "[proc_001_v_000]\nlang = fr ja\n[proc_002_v_000]\nlang = en\nlast_proc = proc_001_v_000\n" >$C &&
	pmeta plan --format json $C >out 2>/dev/null &&
	test_contains out "\"command\": \"python3 sche_001/pys/proc_001_v_000.py --lang='"'"'fr ja'"'"'\"" &&
	test_contains out "\"command\": \"python3 sche_001/pys/proc_002_v_000.py --lang=en\"" &&
	printf "[proc_001_v_000]\n" >$C &&
	test_expect_code 3 pmeta plan $C 2>err &&
	test_contains err "sche_001/base.conf:2: template: step [proc_001_v_000] has no '"'"'lang'"'"' for {lang}"
'
rm -f sche_001/base.conf

test_expect_success '--latest-patch: the newest patch on disk, same major and minor' '
	printf "[proc_001_v_000]\n[proc_002_v_010]\nlast_proc = proc_001_v_000\n" >$C &&
	touch sche_001/pys/proc_001_v_001.py sche_001/pys/proc_001_v_002.py sche_001/pys/proc_001_v_010.py \
		sche_001/pys/proc_002_v_010.py sche_001/pys/proc_002_v_100.py &&
	pmeta plan --latest-patch $C >out 2>err &&
	test_contains err "--latest-patch: step [proc_001_v_000] runs proc_001_v_002 instead of proc_001_v_000" &&
	test_contains err "--latest-patch: step [proc_002_v_010] runs proc_002_v_010 (no newer patch)" &&
	test_contains out "  proc_001_v_000 runs proc_001_v_002" &&
	test_contains out "python ./sche_001/pys/proc_001_v_002.py" &&
	pmeta plan $C >plain 2>/dev/null &&
	test_contains plain "python ./sche_001/pys/proc_001_v_000.py"
'

test_expect_success '--latest-patch: a newer patch only the graph knows wins' '
	mkdir -p sche_001/process_config/p_002_v_000 &&
	printf "[proc_001_v_003]\n" >sche_001/process_config/p_002_v_000/main.conf &&
	pmeta import -q sche_001/process_config/p_002_v_000/main.conf &&
	pmeta plan --latest-patch --format json $C >out 2>err &&
	test_contains err "step [proc_001_v_000] runs proc_001_v_003 instead of proc_001_v_000" &&
	test_contains out "\"procedure\": \"proc_001_v_003\""
'

test_expect_success 'errors: unknown process exit 1, bad format exit 2, two targets exit 2' '
	test_expect_code 1 pmeta plan p_404_v_000 2>err &&
	test_contains err "no process '\''p_404_v_000'\''" &&
	test_expect_code 2 pmeta plan --format yaml $C 2>err &&
	test_contains err "unknown format '\''yaml'\''" &&
	test_expect_code 2 pmeta plan $C p_001_v_000 2>err &&
	test_expect_code 2 pmeta plan 2>err &&
	test_expect_code 2 pmeta plan "not a/name!" 2>err &&
	pmeta plan --help >out && test_contains out "usage: pmeta plan"
'

test_expect_success 'Neo4j unreachable: exit 4' '
	NEO4J_URI=http://127.0.0.1:9 test_expect_code 4 pmeta plan $C 2>err
'

test_done
