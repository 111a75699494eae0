#!/usr/bin/env bash
# Fetch, start, stop and report a local Neo4j 5.26 Community server (with
# Neo4j Browser) listening on 127.0.0.1 only, assembled from Maven Central
# jars (see scripts/neo4j-pom.xml).
#
#   scripts/neo4j.sh fetch|start|stop|status
#
# Environment (all optional):
#   NEO4J_DIR            instance folder (data, logs, pid, password, env);
#                        default build/neo4j; relative paths are taken from
#                        the repository root
#   NEO4J_HTTP_PORT      default 7474
#   NEO4J_BOLT_PORT      default 7687
#   NEO4J_CACHE          jar cache shared by all instances/clones;
#                        default $HOME/.cache/pmeta/neo4j-5.26.30
#   NEO4J_HEAP           java heap (-Xms/-Xmx), default 512m
#   NEO4J_PAGECACHE      page cache size, default 128m
#   NEO4J_START_TIMEOUT  seconds to wait for the server to answer, default 120
#   JAVA_HOME            java to use (else `java` from PATH); needs 17 or 21
#
# Files under $NEO4J_DIR: data/, logs/ (console.log = java stdout/stderr),
# neo4j.pid, password (mode 0600) and env (mode 0600) with
#   NEO4J_URI NEO4J_USERNAME NEO4J_PASSWORD NEO4J_DATABASE NEO4J_BOLT_URI
#
# Exit codes: 0 ok; 1 error; 2 usage; 3 `status` when not running.
# The password is never printed nor passed in any process's argv, also under
# `bash -x scripts/neo4j.sh ...`: no traced command line or assignment holds
# it. It stays in its file; only functions run through `untraced` read it.
set -euo pipefail

readonly NEO4J_VERSION=5.26.30

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo_root=$(dirname -- "$script_dir")
pom=$script_dir/neo4j-pom.xml
# shellcheck source=scripts/lib-daemon.sh
. "$script_dir/lib-daemon.sh"

inst_dir=$(abs_path "${NEO4J_DIR:-build/neo4j}")
http_port=${NEO4J_HTTP_PORT:-7474}
bolt_port=${NEO4J_BOLT_PORT:-7687}
cache_dir=$(abs_path "${NEO4J_CACHE:-${HOME:?HOME is not set}/.cache/pmeta/neo4j-$NEO4J_VERSION}")
heap=${NEO4J_HEAP:-512m}
pagecache=${NEO4J_PAGECACHE:-128m}
start_timeout=${NEO4J_START_TIMEOUT:-120}

pid_file=$inst_dir/neo4j.pid
pw_file=$inst_dir/password
env_file=$inst_dir/env
console_log=$inst_dir/logs/console.log

# ---------------------------------------------------------------- fetch

# shellcheck source=scripts/maven-cache.sh
. "$script_dir/maven-cache.sh"

fetch() {
    maven_cache_fetch "$pom" "$cache_dir" neo4j.lib "the Neo4j $NEO4J_VERSION jars" \
        "neo4j-$NEO4J_VERSION.jar" "neo4j-server-$NEO4J_VERSION.jar" "neo4j-browser-*.jar"
}

# ---------------------------------------------------------------- process helpers

# true if $1 is a live (non-zombie) Neo4j server of THIS instance
is_our_server() {
    local pid=$1 cmd state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $state != Z ]] || return 1
    cmd=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    grep -qxF 'org.neo4j.server.CommunityEntryPoint' <<<"$cmd" &&
        grep -qxF -- "--home-dir=$inst_dir" <<<"$cmd"
}

# prints the pid of the running server of this instance, else fails
running_pid() {
    local pid
    [[ -f $pid_file ]] || return 1
    pid=$(head -n 1 -- "$pid_file" 2>/dev/null) || return 1
    is_our_server "$pid" || return 1
    printf '%s' "$pid"
}

# HTTP port the running server was started with (from its command line)
pid_http_port() {
    tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null |
        sed -n 's/^server\.http\.listen_address=127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n 1
}

# ---------------------------------------------------------------- HTTP helpers

# untraced CMD ARGS...: runs CMD with xtrace off, then restores it. The
# password is only ever read inside such a call, so `bash -x` shows no
# command line or assignment that holds it.
untraced() {
    local xt=${-//[^x]/} rc=0
    set +x
    "$@" || rc=$?
    [[ -z $xt ]] || set -x
    return "$rc"
}

# escape for a double-quoted JSON string / curl config string
json_esc() { local s=${1//\\/\\\\}; printf '%s' "${s//\"/\\\"}"; }
cfg_esc() { json_esc "$1"; }

# http_post_raw USER PASSWORD DATABASE JSON-BODY (only ever called untraced)
# prints the response body, then a last line with the HTTP status (000 when
# nothing answered). Credentials and body go to curl through a config on stdin.
http_post_raw() {
    local url="http://127.0.0.1:$http_port/db/$3/tx/commit" out rc=0
    out=$(printf 'user = "%s"\ndata-binary = "%s"\n' "$(cfg_esc "$1:$2")" "$(cfg_esc "$4")" |
        curl -sS --max-time 15 --noproxy '*' -K - -w '\n%{http_code}' \
            -H 'Content-Type: application/json' -H 'Accept: application/json;charset=UTF-8' \
            "$url" 2>/dev/null) || rc=$?
    if (( rc != 0 )) && [[ -z $out ]]; then out=$'\n000'; fi
    printf '%s' "$out"
}

# http_post PASSWORD-FILE DATABASE JSON-BODY: as user neo4j, with the
# password in PASSWORD-FILE (or neo4j's initial one when it is `initial`).
http_post() { untraced http_post_file "$@"; }
http_post_file() {
    local pw=neo4j
    [[ $1 == initial ]] || pw=$(read_password "$1")
    http_post_raw neo4j "$pw" "$2" "$3"
}

# change_password PASSWORD-FILE: sets neo4j's initial password to the one
# in the file; prints the response as http_post does.
change_password() { untraced change_password_file "$1"; }
change_password_file() {
    local alter
    # shellcheck disable=SC2016  # $old/$new are Cypher parameters
    alter=$(printf '{"statements":[{"statement":"ALTER CURRENT USER SET PASSWORD FROM $old TO $new","parameters":{"old":"neo4j","new":"%s"}}]}' \
        "$(json_esc "$(read_password "$1")")")
    http_post_raw neo4j neo4j system "$alter"
}

resp_status() { printf '%s' "${1##*$'\n'}"; }
resp_body() { printf '%s' "${1%$'\n'*}"; }
resp_ok() { [[ $(resp_status "$1") == 200 ]] && grep -q '"errors":\[\]' <<<"$(resp_body "$1")"; }
resp_code() { { resp_body "$1" | grep -o '"code":"[^"]*"' || true; } | head -n 1 | cut -d'"' -f4; }

readonly PING='{"statements":[{"statement":"RETURN 1"}]}'

# read_password FILE: prints it (only ever inside an untraced call).
read_password() {
    local pw
    IFS= read -r pw <"$1" || [[ -n $pw ]] || die "$1 is empty"
    [[ -n $pw && $pw != *[[:cntrl:]]* ]] || die "$1 must hold the password on one line"
    printf '%s' "$pw"
}

# check_password FILE: dies unless FILE holds a password on one line.
check_password() { untraced read_password "$1" >/dev/null; }

# new_password FILE: writes a fresh random password to FILE (mode 0600).
new_password() { untraced new_password_file "$1"; }
new_password_file() {
    local pw=
    while (( ${#pw} < 24 )); do
        pw+=$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
    done
    write_private "$1" "${pw:0:24}"
}

# ---------------------------------------------------------------- start

java_bin() {
    local j=java
    [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]] && j=$JAVA_HOME/bin/java
    command -v "$j" >/dev/null || die "java not found (Neo4j $NEO4J_VERSION needs Java 17 or 21)"
    local v
    v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
    [[ $v == 17 || $v == 21 ]] || die "Neo4j $NEO4J_VERSION needs Java 17 or 21, $j is version '${v:-unknown}'"
    printf '%s' "$j"
}

server_pid=

fail_start() {
    printf 'error: %s\n' "$1" >&2
    if [[ -f $console_log ]]; then
        printf -- '--- last 20 lines of %s ---\n' "$(show_path "$console_log")" >&2
        tail -n 20 -- "$console_log" >&2
    fi
    [[ -n $server_pid ]] && terminate "$server_pid" 15
    rm -f -- "$pid_file"
    exit 1
}

on_interrupt() {
    trap - INT TERM HUP
    fail_start "interrupted while starting"
}

start() {
    check_port_var NEO4J_HTTP_PORT "$http_port"
    check_port_var NEO4J_BOLT_PORT "$bolt_port"
    [[ $http_port != "$bolt_port" ]] || die "NEO4J_HTTP_PORT and NEO4J_BOLT_PORT are both $http_port"
    [[ $heap =~ ^[0-9]+[kKmMgG]?$ ]] || die "NEO4J_HEAP must look like 512m or 2g, got '$heap'"
    [[ $pagecache =~ ^[0-9]+[kKmMgG]?$ ]] || die "NEO4J_PAGECACHE must look like 128m, got '$pagecache'"
    [[ $start_timeout =~ ^[0-9]+$ ]] || die "NEO4J_START_TIMEOUT must be a number of seconds"
    command -v curl >/dev/null || die "curl not found"

    local pid
    if pid=$(running_pid); then
        printf 'neo4j: already running on http://127.0.0.1:%s (pid %s), settings in %s\n' \
            "$(pid_http_port "$pid")" "$pid" "$(show_path "$env_file")"
        exit 0
    fi

    local java
    java=$(java_bin)
    fetch

    local port
    for port in "$http_port:NEO4J_HTTP_PORT" "$bolt_port:NEO4J_BOLT_PORT"; do
        port_busy "${port%%:*}" && die "port ${port%%:*} (${port#*:}) is already in use"
    done

    mkdir -p -- "$inst_dir/data" "$inst_dir/logs"
    chmod 700 -- "$inst_dir"

    local first_start=false
    if [[ -f $pw_file ]]; then
        check_password "$pw_file"
    else
        first_start=true
        # a password generated by an interrupted first start is reused
        if [[ -f $pw_file.new ]]; then
            check_password "$pw_file.new"
        else
            new_password "$pw_file.new"
        fi
    fi

    rm -f -- "$pid_file"
    [[ -f $console_log ]] && mv -f -- "$console_log" "$console_log.prev"

    local args=(
        -Xms"$heap" -Xmx"$heap"
        -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC
        -Djdk.nio.maxCachedBufferSize=1024
        -Dio.netty.tryReflectionSetAccessible=true
        -Dlog4j2.disable.jmx=true
        -Dfile.encoding=UTF-8
        --add-opens=java.base/java.nio=ALL-UNNAMED
        --add-opens=java.base/java.io=ALL-UNNAMED
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
        -cp "$cache_dir/*"
        org.neo4j.server.CommunityEntryPoint
        --home-dir="$inst_dir"
        --console-mode
        -c server.default_listen_address=127.0.0.1
        -c server.default_advertised_address=127.0.0.1
        -c "server.http.listen_address=127.0.0.1:$http_port"
        -c "server.http.advertised_address=127.0.0.1:$http_port"
        -c "server.bolt.listen_address=127.0.0.1:$bolt_port"
        -c "server.bolt.advertised_address=127.0.0.1:$bolt_port"
        -c server.http.enabled=true
        -c server.https.enabled=false
        -c server.bolt.enabled=true
        -c dbms.security.auth_enabled=true
        -c dbms.usage_report.enabled=false
        -c "server.directories.data=$inst_dir/data"
        -c "server.directories.logs=$inst_dir/logs"
        -c "server.memory.pagecache.size=$pagecache"
        # Bolt waits 2 x 5 s for idle threads/connections on shutdown by default
        -c internal.server.bolt.thread_pool_shutdown_wait_time=1s
        -c internal.server.bolt.connection_shutdown_wait_time=1s
    )

    trap on_interrupt INT TERM HUP
    (
        cd -- "$inst_dir"
        exec setsid nohup "$java" "${args[@]}" </dev/null >"$console_log" 2>&1
    ) &
    server_pid=$!
    printf '%s\n' "$server_pid" >"$pid_file"

    local deadline=$((SECONDS + start_timeout)) resp code

    while :; do
        alive "$server_pid" || { server_pid=; fail_start "neo4j exited during start-up"; }
        (( SECONDS < deadline )) || fail_start "neo4j did not answer within ${start_timeout}s"
        if $first_start; then
            resp=$(change_password "$pw_file.new")
            if resp_ok "$resp"; then
                mv -f -- "$pw_file.new" "$pw_file"
                first_start=false
                continue
            elif [[ $(resp_status "$resp") == 401 ]]; then
                # initial password already changed: by an interrupted earlier start?
                resp=$(http_post "$pw_file.new" neo4j "$PING")
                if [[ $(resp_status "$resp") == 401 ]]; then
                    fail_start "the database in $(show_path "$inst_dir/data") already has a neo4j password that is not in $(show_path "$pw_file"); put it there, or remove the data folder"
                fi
                mv -f -- "$pw_file.new" "$pw_file"
                first_start=false
                continue
            fi
            code=$(resp_code "$resp")
        else
            resp=$(http_post "$pw_file" neo4j "$PING")
            resp_ok "$resp" && break
            [[ $(resp_status "$resp") == 401 ]] &&
                fail_start "neo4j rejects the password in $(show_path "$pw_file") (HTTP 401)"
            code=$(resp_code "$resp")
        fi
        case $code in
            Neo.ClientError.Security.AuthenticationRateLimit)
                fail_start "neo4j: too many failed logins; wait and retry" ;;
            Neo.ClientError.Security.CredentialsExpired)
                fail_start "the neo4j password in $(show_path "$pw_file") is marked as expired" ;;
        esac
        sleep 0.5
    done
    trap - INT TERM HUP

    untraced write_env
    printf 'neo4j: running on http://127.0.0.1:%s (pid %s), settings in %s\n' \
        "$http_port" "$server_pid" "$(show_path "$env_file")"
}

# write_env: the settings file of this instance, password included (untraced).
write_env() {
    write_private "$env_file" "$(
        printf 'NEO4J_URI=%s\n' "$(sh_val "http://127.0.0.1:$http_port")"
        printf 'NEO4J_USERNAME=neo4j\n'
        printf 'NEO4J_PASSWORD=%s\n' "$(sh_val "$(read_password "$pw_file")")"
        printf 'NEO4J_DATABASE=neo4j\n'
        printf 'NEO4J_BOLT_URI=%s' "$(sh_val "bolt://127.0.0.1:$bolt_port")"
    )"
}

# ---------------------------------------------------------------- stop / status

stop() {
    local pid
    if ! pid=$(running_pid); then
        rm -f -- "$pid_file"
        echo "neo4j: not running"
        return 0
    fi
    terminate "$pid" 60
    alive "$pid" && die "neo4j (pid $pid) did not exit"
    rm -f -- "$pid_file"
    echo "neo4j: stopped"
}

status() {
    local pid port resp
    if ! pid=$(running_pid); then
        echo "neo4j: not running"
        exit 3
    fi
    port=$(pid_http_port "$pid")
    [[ -n $port ]] && http_port=$port
    if [[ -f $pw_file ]]; then
        resp=$(http_post "$pw_file" neo4j "$PING")
        if resp_ok "$resp"; then
            printf 'neo4j: running on http://127.0.0.1:%s (pid %s)\n' "$http_port" "$pid"
            return 0
        fi
    fi
    printf 'neo4j: not running (pid %s is alive but does not answer on http://127.0.0.1:%s)\n' "$pid" "$http_port"
    exit 3
}

case ${1:-} in
    fetch) fetch ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 fetch|start|stop|status" >&2
        exit 2
        ;;
esac
