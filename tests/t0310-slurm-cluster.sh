#!/usr/bin/env bash
# The project's single-node Slurm (`make slurm-start`, scripts/slurm.sh) is
# a real cluster: it listens on 127.0.0.1 only, runs a chain with a job
# array in the order its afterok dependencies say, and cancels a job whose
# dependency failed (kill_invalid_depend) while an independent one runs.
# pmeta's Slurm executor relies on each of these.
. "$(dirname "$0")/lib.sh"

# slurm_wait ID...: until none of the jobs is queued or running (60 s at most).
slurm_wait() {
	local ids
	ids=$(printf '%s,' "$@")
	for _ in $(seq 1 300); do
		[ -z "$(squeue -h -j "${ids%,}" -o %A 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	echo "jobs $* still queued after 60 s:" >&2
	squeue >&2
	return 1
}

# job_field ID FIELD: a field of `scontrol show job` (JobState, Reason, ExitCode...).
job_field() {
	scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# submit ARGS...: sbatch from this folder, printing the job id. The first
# job of a chain is submitted held and released once its dependents are
# in, so they really wait on it (a dependency on a job that has already
# ended is settled at submission).
submit() {
	sbatch --parsable --chdir="$PWD" "$@" | cut -d';' -f1
}

test_expect_success SLURM 'the daemons listen on 127.0.0.1 only' '
	scontrol show config >config &&
	ctld=$(sed -n "s/^SlurmctldPort *= *//p" config) &&
	slurmd=$(sed -n "s/^SlurmdPort *= *//p" config) &&
	test -n "$ctld" && test -n "$slurmd" &&
	for port in $ctld $slurmd; do
		ss -Hltn "sport = :$port" >listen &&
		cat listen &&
		test -s listen &&
		! grep -v "127\.0\.0\.1:$port " listen || return 1
	done
'

test_expect_success SLURM 'a chain with an array runs in its afterok order' '
	a=$(submit -o a.out --hold --wrap "date +%s%N >a.start; sleep 1; date +%s%N >a.end") &&
	b=$(submit -o b.%a.out --array=0-3 --dependency=afterok:$a \
		--wrap "date +%s%N >b.\$SLURM_ARRAY_TASK_ID.start; sleep 0.2; date +%s%N >b.\$SLURM_ARRAY_TASK_ID.end") &&
	c=$(submit -o c.out --dependency=afterok:$b --wrap "date +%s%N >c.start") &&
	scontrol release $a &&
	slurm_wait $a $b $c &&
	test_eq "$(job_field $a JobState)" COMPLETED &&
	test_eq "$(job_field $c JobState)" COMPLETED &&
	for t in 0 1 2 3; do
		test_eq "$(job_field ${b}_$t JobState)" COMPLETED &&
		test "$(cat b.$t.start)" -ge "$(cat a.end)" &&
		test "$(cat c.start)" -ge "$(cat b.$t.end)" || return 1
	done &&
	ls b.*.start >tasks &&
	test_eq "$(wc -l <tasks)" 4
'

test_expect_success SLURM 'a failed job cancels its dependents; an independent job runs' '
	bad=$(submit -o bad.out --hold --wrap "echo failing; exit 3") &&
	after=$(submit -o after.out --dependency=afterok:$bad --wrap "touch after.ran") &&
	other=$(submit -o other.out --wrap "sleep 0.5; touch other.ran") &&
	scontrol release $bad &&
	slurm_wait $bad $after $other &&
	test_eq "$(job_field $bad JobState)" FAILED &&
	test_eq "$(job_field $bad ExitCode)" 3:0 &&
	test_eq "$(job_field $after JobState)" CANCELLED &&
	test_eq "$(job_field $after Reason)" DependencyNeverSatisfied &&
	! test -e after.ran &&
	test_eq "$(job_field $other JobState)" COMPLETED &&
	test -e other.ran
'

# A second cluster of this file's own: its folder, free ports.
S2_DIR=$TRASH/slurm2
s2() {
	SLURM_DIR=$S2_DIR SLURM_CTLD_PORT=$S2_CTLD_PORT SLURMD_PORT=$S2_SLURMD_PORT \
		"$TEST_ROOT/scripts/slurm.sh" "$@"
}
S2_CTLD_PORT=$(free_port)
S2_SLURMD_PORT=$(free_port)
while [ "$S2_SLURMD_PORT" = "$S2_CTLD_PORT" ]; do S2_SLURMD_PORT=$(free_port); done
trap 's2 stop >/dev/null 2>&1' EXIT

test_expect_success SLURM_DAEMONS 'scripts/slurm.sh: a second cluster starts, runs a job, stops' '
	s2 start >start.out 2>&1 || { cat start.out; false; } &&
	test_contains start.out "slurm: running on 127.0.0.1:$S2_CTLD_PORT" &&
	test_eq "$(cat $S2_DIR/env)" "SLURM_CONF=$S2_DIR/slurm.conf" &&
	s2 status >status.out &&
	test_contains status.out "node localhost idle" &&
	s2 start >again.out &&
	test_contains again.out "already running" &&
	job=$(SLURM_CONF=$S2_DIR/slurm.conf sbatch --parsable --chdir="$PWD" -o s2.out --wrap "touch s2.ran") &&
	SLURM_CONF=$S2_DIR/slurm.conf slurm_wait $job &&
	test -e s2.ran &&
	s2 stop >stop.out &&
	test_contains stop.out "slurm: stopped" &&
	test_expect_code 3 s2 status >status.out &&
	test_contains status.out "not running" &&
	! test -e $S2_DIR/env &&
	test -z "$(ss -Hltn "sport = :$S2_CTLD_PORT")" &&
	test -z "$(ss -Hltn "sport = :$S2_SLURMD_PORT")"
'

test_expect_success SLURM,SLURM_DAEMONS 'the project cluster is untouched by the second one' '
	test_eq "$(sinfo -h -o %a)" up
'

test_expect_success SLURM_DAEMONS 'scripts/slurm.sh refuses a port in use, and starts nothing' '
	python3 -c "import socket, time
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)" >busy.port &
	holder=$! &&
	for _ in $(seq 1 50); do test -s busy.port && break; sleep 0.1; done &&
	busy=$(cat busy.port) &&
	test_expect_code 1 env SLURM_DIR=$TRASH/slurm3 SLURM_CTLD_PORT=$busy \
		SLURMD_PORT=$S2_SLURMD_PORT "$TEST_ROOT/scripts/slurm.sh" start 2>err;
	rc=$?; kill $holder; test $rc = 0 &&
	test_contains err "port $busy (SLURM_CTLD_PORT) is already in use" &&
	! test -e $TRASH/slurm3/run/munged.pid
'

test_done
