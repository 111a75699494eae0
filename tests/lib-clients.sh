# Helpers for the tests of pmeta's outside readers (t0210 cypher files,
# t0211 Neo4j Browser, t0330 OpenLineage), sourced after tests/lib.sh.
#
# clients_workspace: a git workspace "ws" with schedule sche_001 whose
# process p_002_v_000 has a sharded step with a float parameter, a freely
# named step (procedure =), an amend dataset, a delete and an explicit
# order; proc_004_v_000 forked twice (v_001 patch, v_010 minor) and the
# process forked to p_002_v_001, which runs proc_004_v_001; both imported.
# Every script prints a line; FAIL_STEP=<step> in a job's environment
# makes that step exit 3 (a variable pmeta passes on: not PMETA_*).

PY=${PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3)

clients_workspace() {
	test_git_workspace ws || return 1
	mkdir -p sche_001/pys sche_001/process_config/p_002_v_000 || return 1
	printf 'interpreter = %s\n' "$PY" >sche_001/base.conf
	for p in proc_001_v_000 proc_004_v_000 algo_local_model_gbdt_v_000 proc_005_v_000; do
		cat >sche_001/pys/$p.py <<-EOF || return 1
		import os, sys
		print("$p", os.environ.get("PMETA_SHARD", "-"))
		if os.environ.get("PMETA_STEP") == os.environ.get("FAIL_STEP", ""):
		    sys.exit(3)
		EOF
	done
	cat >sche_001/process_config/p_002_v_000/main.conf <<-\EOF
	[proc_001_v_000]
	last_proc = schema_input
	max_shard = 2
	threshold = 0.50

	[proc_004_v_000]
	last_proc = proc_001_v_000
	timeout = 60
	retries = 1

	[model_gbdt]
	procedure = algo_local_model_gbdt_v_000
	last_proc = proc_004_v_000
	cur_proc_to = proc_004_v_000/predict

	[proc_005_v_000]
	last_proc1 = proc_004_v_000
	last_proc1_amend = predict
	del_1 = proc_001_v_000
	after = model_gbdt
	EOF
	git add sche_001 && git commit -qm 'sche_001' &&
	pmeta import -q sche_001/process_config/p_002_v_000/main.conf &&
	pmeta fork proc_004_v_000 --patch >/dev/null &&
	pmeta fork proc_004_v_000 --minor >/dev/null &&
	pmeta fork p_002_v_000 >/dev/null &&
	sed -i 's/proc_004_v_000/proc_004_v_001/g' sche_001/process_config/p_002_v_001/main.conf &&
	git commit -qam 'p_002_v_001 runs proc_004_v_001' &&
	pmeta import -q sche_001/process_config/p_002_v_001/main.conf
}
