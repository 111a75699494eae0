# shellcheck shell=bash
# Helpers for the scripts that start and stop the project's servers
# (scripts/neo4j.sh, scripts/slurm.sh). Sourced after `set -euo pipefail`
# and after setting repo_root (the checkout's top folder).
: "${repo_root:?set repo_root before sourcing lib-daemon.sh}"

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# absolute, normalised path; relative paths are taken from the repo root
abs_path() {
    local p=$1
    [[ $p == /* ]] || p=$repo_root/$p
    realpath -m -- "$p"
}

# path for messages: relative to the current folder when below it
show_path() {
    if [[ $1 == "$PWD"/* ]]; then printf '%s' "${1#"$PWD"/}"; else printf '%s' "$1"; fi
}

check_port_var() {
    if ! [[ $2 =~ ^[1-9][0-9]{0,4}$ ]] || (( $2 > 65535 )); then
        die "$1 must be a TCP port number, got '$2'"
    fi
}

alive() {
    local pid=$1 state
    kill -0 "$pid" 2>/dev/null || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $state != Z ]]
}

# stop pid: SIGTERM, wait up to $2 seconds, then SIGKILL
terminate() {
    local pid=$1 wait_s=$2 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < wait_s * 5; i++)); do
        alive "$pid" || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.2
    done
    return 0
}

port_busy() {
    local port=$1
    if command -v ss >/dev/null && [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
        return 0
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# write file $1 with content $2, mode 0600, atomically
# (explicit checks: it also runs where errexit is off, inside neo4j.sh's untraced)
write_private() {
    local tmp
    tmp=$(umask 077 && mktemp "$1.XXXXXX") || die "cannot create a file next to $1"
    printf '%s\n' "$2" >"$tmp" && chmod 600 -- "$tmp" && mv -f -- "$tmp" "$1" ||
        { rm -f -- "$tmp"; die "cannot write $1"; }
}

# shell-quote a value only when needed (keeps simple values plain)
sh_val() {
    if [[ $1 =~ ^[A-Za-z0-9_./:@%+,=-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}
