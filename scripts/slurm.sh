#!/usr/bin/env bash
# Start, stop and report a single-node Slurm cluster (Debian's slurm-wlm and
# munge) on 127.0.0.1 only, for the tests and the demo: every file under one
# folder, no systemd, no cgroups, nothing written to /etc, daemons run as
# root in the foreground and stopped by pid.
#
#   scripts/slurm.sh start|stop|status
#
# Environment (all optional):
#   SLURM_DIR            cluster folder; default build/slurm; relative paths
#                        are taken from the repository root
#   SLURM_CTLD_PORT      slurmctld's port, default 6817
#   SLURMD_PORT          slurmd's port, default 6818
#   SLURM_START_TIMEOUT  seconds to wait for an idle node, default 30
#
# Files under $SLURM_DIR: slurm.conf (written at each start), munge/ (key,
# seed), munge-socket/, state/ and spool/ (Slurm's), log/ (munged.log,
# slurmctld.log, slurmd.log), run/*.pid (the daemons, by pid) and env with
#   SLURM_CONF
# which every Slurm client (sbatch, squeue, scontrol, pmeta) needs; stop
# removes it, so the tests skip their Slurm part at once when it is down.
#
# Stop cancels every job of this cluster and waits for the queue to empty
# before it stops the daemons (stopped daemons would leave jobs running).
#
# Exit codes: 0 ok; 1 error; 2 usage; 3 `status` when not running.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(dirname -- "$script_dir")
# shellcheck source=scripts/lib-daemon.sh
. "$script_dir/lib-daemon.sh"

base=$(abs_path "${SLURM_DIR:-build/slurm}")
ctld_port=${SLURM_CTLD_PORT:-6817}
slurmd_port=${SLURMD_PORT:-6818}
start_timeout=${SLURM_START_TIMEOUT:-30}

conf=$base/slurm.conf
env_file=$base/env
munge_dir=$base/munge
munge_key=$munge_dir/munge.key
munge_socket=$base/munge-socket/munge.socket
run_dir=$base/run
log_dir=$base/log

# ---------------------------------------------------------------- processes

pid_file() { printf '%s/%s.pid' "$run_dir" "$1"; }

# true if $1 is a live daemon $2 (munged, slurmctld, slurmd) of THIS cluster
is_ours() {
    local pid=$1 name=$2 cmd
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    cmd=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $(head -n 1 <<<"$cmd") == */"$name" || $(head -n 1 <<<"$cmd") == "$name" ]] || return 1
    case $name in
        munged) grep -qxF -- "--socket=$munge_socket" <<<"$cmd" ;;
        *) grep -qxF -- "$conf" <<<"$cmd" ;;
    esac
}

# prints the pid of daemon $1 of this cluster when it runs, else fails
daemon_pid() {
    local f pid
    f=$(pid_file "$1")
    [[ -f $f ]] || return 1
    pid=$(head -n 1 -- "$f" 2>/dev/null) || return 1
    is_ours "$pid" "$1" || return 1
    printf '%s' "$pid"
}

# Runs "$@" as daemon $1's process in its own session, in the foreground
# mode of the daemon, and records its pid. Returns once that process is the
# daemon (or has exited): until the subshell and then setsid have exec'd, its
# command line is theirs, and is_ours would take a starting daemon for a dead
# one (seen under load: a CI start killed its own slurmctld 50 ms in).
launch() {
    local name=$1 pid i
    shift
    (
        cd -- "$base"
        exec setsid "$@" </dev/null >>"$log_dir/$name.out" 2>&1
    ) &
    pid=$!
    printf '%s\n' "$pid" >"$(pid_file "$name")"
    for ((i = 0; i < 200; i++)); do
        is_ours "$pid" "$name" && return 0
        alive "$pid" || return 0
        sleep 0.05
    done
}

stop_daemon() {
    local name=$1 pid
    pid=$(daemon_pid "$name") || { rm -f -- "$(pid_file "$name")"; return 0; }
    terminate "$pid" 20
    alive "$pid" && die "$name (pid $pid) did not exit"
    rm -f -- "$(pid_file "$name")"
}

# Slurm's clients, pointed at this cluster.
slurm() { SLURM_CONF=$conf "$@"; }

# The state of the node, as sinfo says it ("idle", "mix", "down*"...).
node_state() { slurm sinfo -h -N -n localhost -o %t 2>/dev/null | head -n 1; }

# ---------------------------------------------------------------- start

write_conf() {
    local cpus mem
    # The node as slurmd sees it; a RealMemory above the real one puts the
    # node in state "inval", so leave 1 GiB aside.
    read -r cpus mem < <(slurmd -C | sed -n 's/.* CPUs=\([0-9]*\) .*RealMemory=\([0-9]*\).*/\1 \2/p')
    [[ -n $cpus && -n $mem ]] || die "cannot read the node's CPUs and memory from 'slurmd -C'"
    mem=$((mem > 2048 ? mem - 1024 : mem))
    : >"$base/plugstack.conf"
    cat >"$conf.tmp" <<EOF
# Written by scripts/slurm.sh at each start; edits are lost.
ClusterName=pmeta
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Listen on 127.0.0.1 only, not on every address.
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$munge_socket
# No cgroups (none in a container): processes tracked by parent pid.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Start a job as soon as it can run (the default waits seconds per job).
SchedulerParameters=batch_sched_delay=0
# A job whose dependency can never be met is cancelled, not left pending.
DependencyParameters=kill_invalid_depend
KillWait=5
ReturnToService=2
MailProg=/bin/true
PlugStackConfig=$base/plugstack.conf
StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool
SlurmctldPidFile=$base/state/slurmctld.pid
SlurmdPidFile=$base/spool/slurmd.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    mv -f -- "$conf.tmp" "$conf"
}

fail_start() {
    local f
    printf 'error: %s\n' "$1" >&2
    for f in "$log_dir"/*.log "$log_dir"/*.out; do
        [[ -s $f ]] || continue
        printf -- '--- last 10 lines of %s ---\n' "$(show_path "$f")" >&2
        tail -n 10 -- "$f" >&2
    done
    stop_daemon slurmd || true
    stop_daemon slurmctld || true
    stop_daemon munged || true
    exit 1
}

on_interrupt() {
    trap - INT TERM HUP
    fail_start "interrupted while starting"
}

start() {
    check_port_var SLURM_CTLD_PORT "$ctld_port"
    check_port_var SLURMD_PORT "$slurmd_port"
    [[ $ctld_port != "$slurmd_port" ]] || die "SLURM_CTLD_PORT and SLURMD_PORT are both $ctld_port"
    [[ $start_timeout =~ ^[0-9]+$ ]] || die "SLURM_START_TIMEOUT must be a number of seconds"
    local cmd
    for cmd in munged mungekey slurmctld slurmd sinfo squeue scancel; do
        command -v "$cmd" >/dev/null ||
            die "'$cmd' not found: install Debian's slurm-wlm and munge (scripts/install-deps.sh --slurm)"
    done
    [[ $(id -u) == 0 ]] || die "a single-node Slurm runs its daemons as root; run this as root"

    local ctld
    if ctld=$(daemon_pid slurmctld) && daemon_pid slurmd >/dev/null && daemon_pid munged >/dev/null; then
        printf 'slurm: already running on 127.0.0.1:%s (slurmctld pid %s), settings in %s\n' \
            "$(sed -n 's/^SlurmctldPort=//p' "$conf")" "$ctld" "$(show_path "$env_file")"
        exit 0
    fi
    # A half-running cluster (a daemon died) starts again from scratch.
    stop_daemon slurmd
    stop_daemon slurmctld
    stop_daemon munged

    local port
    for port in "$ctld_port:SLURM_CTLD_PORT" "$slurmd_port:SLURMD_PORT"; do
        port_busy "${port%%:*}" && die "port ${port%%:*} (${port#*:}) is already in use"
    done

    mkdir -p -- "$base" "$munge_dir" "${munge_socket%/*}" "$base/state" "$base/spool" \
        "$run_dir" "$log_dir"
    # munged checks both: a key only root reads, a socket every user reaches.
    chmod 755 -- "$base" "${munge_socket%/*}"
    chmod 700 -- "$munge_dir"
    if [[ ! -f $munge_key ]]; then
        mungekey --create --keyfile="$munge_key" >/dev/null
        chmod 600 -- "$munge_key"
    fi
    write_conf
    rm -f -- "$log_dir"/*.out

    trap on_interrupt INT TERM HUP
    launch munged munged --foreground --key-file="$munge_key" \
        --socket="$munge_socket" --pid-file="$munge_dir/munged.pid" \
        --log-file="$log_dir/munged.log" --seed-file="$munge_dir/munged.seed"
    local deadline=$((SECONDS + start_timeout))
    until [[ -S $munge_socket ]]; do
        daemon_pid munged >/dev/null || fail_start "munged exited during start-up"
        (( SECONDS < deadline )) || fail_start "munged did not open its socket within ${start_timeout}s"
        sleep 0.1
    done

    # -c: no state from an earlier start (old jobs, old node states).
    launch slurmctld slurmctld -D -c -f "$conf"
    until slurm scontrol ping 2>/dev/null | grep -q 'is UP'; do
        daemon_pid slurmctld >/dev/null || fail_start "slurmctld exited during start-up"
        (( SECONDS < deadline )) || fail_start "slurmctld did not answer within ${start_timeout}s"
        sleep 0.1
    done
    launch slurmd slurmd -D -f "$conf" -N localhost
    local state
    while state=$(node_state); [[ $state != idle ]]; do
        daemon_pid slurmd >/dev/null || fail_start "slurmd exited during start-up"
        (( SECONDS < deadline )) ||
            fail_start "the node is '${state:-unknown}', not idle, after ${start_timeout}s"
        sleep 0.1
    done
    trap - INT TERM HUP

    write_private "$env_file" "SLURM_CONF=$(sh_val "$conf")"
    printf 'slurm: running on 127.0.0.1:%s (slurmctld pid %s), settings in %s\n' \
        "$ctld_port" "$(daemon_pid slurmctld)" "$(show_path "$env_file")"
}

# ---------------------------------------------------------------- stop / status

# Job steps of this cluster still alive once its daemons are gone (they
# carry its SLURM_CONF); normally none.
leftover_steps() {
    local p
    for p in /proc/[0-9]*; do
        [[ $(cat "$p/comm" 2>/dev/null) == slurmstepd ]] || continue
        { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf" || continue
        printf '%s\n' "${p#/proc/}"
    done
}

stop() {
    local any=false name pid ids i
    for name in slurmd slurmctld munged; do
        daemon_pid "$name" >/dev/null && any=true
    done
    rm -f -- "$env_file"
    if ! $any; then
        rm -f -- "$run_dir"/*.pid
        echo "slurm: not running"
        return 0
    fi
    if daemon_pid slurmctld >/dev/null && daemon_pid slurmd >/dev/null; then
        ids=$(slurm squeue -h -o %A 2>/dev/null || true)
        if [[ -n $ids ]]; then
            # shellcheck disable=SC2086  # one job id per word
            slurm scancel $ids 2>/dev/null || true
            # KillWait (5 s) from SIGTERM to SIGKILL, then the node reports back.
            for ((i = 0; i < 150; i++)); do
                [[ -z $(slurm squeue -h -o %A 2>/dev/null) ]] && break
                sleep 0.2
            done
            [[ -z $(slurm squeue -h -o %A 2>/dev/null) ]] ||
                printf 'warning: jobs still queued after scancel: %s\n' \
                    "$(slurm squeue -h -o %A | tr '\n' ' ')" >&2
        fi
    fi
    stop_daemon slurmd
    stop_daemon slurmctld
    for pid in $(leftover_steps); do
        terminate "$pid" 5
    done
    stop_daemon munged
    echo "slurm: stopped"
}

status() {
    local name pid pids=()
    for name in munged slurmctld slurmd; do
        if ! pid=$(daemon_pid "$name"); then
            echo "slurm: not running ($name is not)"
            exit 3
        fi
        pids+=("$name $pid")
    done
    local state
    state=$(node_state)
    if [[ -z $state ]]; then
        echo "slurm: not running (slurmctld does not answer sinfo)"
        exit 3
    fi
    printf 'slurm: running on 127.0.0.1:%s (%s), node localhost %s, settings in %s\n' \
        "$(sed -n 's/^SlurmctldPort=//p' "$conf")" "$(IFS=,; printf '%s' "${pids[*]}" | sed 's/,/, /g')" \
        "$state" "$(show_path "$env_file")"
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
