#!/usr/bin/env bash
# The limits on talking to Neo4j: PMETA_NEO4J_TIMEOUT must be a number of
# seconds within its bounds (an invalid value is a usage error, never "no
# timeout"), a server that never answers costs at most the timeout, and a
# reply body above PMETA_NEO4J_MAX_REPLY is aborted with exit 4 while pmeta's
# memory stays bounded. The misbehaving servers are tiny Python programs.
. "$(dirname "$0")/lib.sh"

cat >server.py <<'EOF'
# server.py MODE PORTFILE: an HTTP server on 127.0.0.1 that misbehaves.
#   silent    reads requests and never answers
#   endless   answers 200 with a body that never ends (no Content-Length)
#   declared  declares a 10 GB Content-Length, then sends nothing more
import os, socket, sys, threading

mode, portfile = sys.argv[1], sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)

def serve(c):
    try:
        if mode == "endless":
            c.recv(65536)
            c.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
                      b'Connection: close\r\n\r\n{"results":["')
            chunk = b"x" * 65536
            while True:
                c.sendall(chunk)
        if mode == "declared":
            c.recv(65536)
            c.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
                      b'Content-Length: 10000000000\r\n\r\n{')
        while c.recv(65536):
            pass
    except OSError:
        pass
    finally:
        c.close()

while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
EOF

cat >measure.py <<'EOF'
# measure.py LIMIT CMD...: runs CMD (killed after LIMIT seconds); prints
# "<exit code or killed> <seconds> <max RSS in MiB>", CMD's stderr to ./err.
import resource, subprocess, sys, time
t0 = time.monotonic()
with open("err", "wb") as err:
    p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    try:
        rc = p.wait(timeout=float(sys.argv[1]))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = "killed"
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(rc, "%.1f" % (time.monotonic() - t0), "%.0f" % rss)
EOF

# A workspace, so that every verb gets as far as opening its connection.
test_git_workspace >/dev/null || exit 1

PIDS=
start_server() {
	python3 server.py "$1" "port.$1" &
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		[ -s "port.$1" ] && break
		sleep 0.1
	done
	[ -s "port.$1" ] || { echo "the $1 server did not start" >&2; exit 1; }
}
trap 'kill $PIDS 2>/dev/null' EXIT
start_server silent
start_server endless
start_server declared
SILENT=http://127.0.0.1:$(cat port.silent)
ENDLESS=http://127.0.0.1:$(cat port.endless)
DECLARED=http://127.0.0.1:$(cat port.declared)

# expect RESULT EXIT MAX_SECONDS [MAX_MIB]: the line measure.py printed is within bounds.
expect() {
	set -- $1 "$2" "$3" "${4:-100000}"
	[ "$1" = "$4" ] || { echo "exit $1, not $4 (in $2 s, $3 MiB):"; cat err; return 1; }
	awk -v t="$2" -v m="$3" -v tmax="$5" -v mmax="$6" 'BEGIN { exit !(t <= tmax && m <= mmax) }' ||
		{ echo "took $2 s (at most $5) and $3 MiB (at most $6)"; cat err; return 1; }
}

for value in abc -5 0 0.0001 0.09 inf nan 1e300 86401 ' 5' 5s 0x10; do
	test_expect_success "PMETA_NEO4J_TIMEOUT='$value' is a usage error, even against a silent server" "
		r=\$(PMETA_NEO4J_TIMEOUT='$value' NEO4J_URI=$SILENT python3 measure.py 20 pmeta migrate info) &&
		expect \"\$r\" 2 5 &&
		test_contains err \"error: PMETA_NEO4J_TIMEOUT='$value' is not a number of seconds from 0.1 to 86400\"
	"
done

test_expect_success 'every verb that talks to Neo4j refuses an invalid timeout (exit 2)' '
	for form in init "migrate --dry-run" doctor runs "runs --sync" status sync "lineage proc_001_v_000" \
		"plan p_001_v_000" "run p_001_v_000" "fork proc_001_v_000" "import x.conf"; do
		PMETA_NEO4J_TIMEOUT=inf NEO4J_URI=$SILENT timeout 20 pmeta $form >out 2>err
		rc=$?
		[ $rc = 2 ] || { echo "pmeta $form: exit $rc, not 2"; cat out err; return 1; }
		test_contains err "PMETA_NEO4J_TIMEOUT='\''inf'\''" || return 1
	done
'

test_expect_success 'a server that never answers costs the timeout, then exit 4' '
	r=$(PMETA_NEO4J_TIMEOUT=1 NEO4J_URI=$SILENT python3 measure.py 30 pmeta migrate info) &&
	expect "$r" 4 8 &&
	test_contains err "did not answer within 1.0 s" &&
	r=$(PMETA_NEO4J_TIMEOUT=0.5 NEO4J_URI=$SILENT python3 measure.py 30 pmeta doctor) &&
	expect "$r" 4 8 &&
	r=$(PMETA_NEO4J_TIMEOUT=.5 NEO4J_URI=$SILENT python3 measure.py 30 pmeta runs) &&
	expect "$r" 4 8
'

for value in abc 0 1023 1KB 1.5M -1M 1025G 18446744073709551616; do
	test_expect_success "PMETA_NEO4J_MAX_REPLY='$value' is a usage error" "
		r=\$(PMETA_NEO4J_MAX_REPLY='$value' NEO4J_URI=$SILENT python3 measure.py 20 pmeta migrate info) &&
		expect \"\$r\" 2 5 &&
		test_contains err \"error: PMETA_NEO4J_MAX_REPLY='$value' is not a size\"
	"
done

test_expect_success 'an endless reply body is cut at PMETA_NEO4J_MAX_REPLY: exit 4, bounded time and memory' '
	r=$(PMETA_NEO4J_MAX_REPLY=1M PMETA_NEO4J_TIMEOUT=10 NEO4J_URI=$ENDLESS \
		python3 measure.py 30 pmeta migrate info) &&
	expect "$r" 4 8 200 &&
	test_contains err "sent a reply larger than 1048576 bytes; the request was aborted (the cap is PMETA_NEO4J_MAX_REPLY)" &&
	r=$(PMETA_NEO4J_MAX_REPLY=64K PMETA_NEO4J_TIMEOUT=10 NEO4J_URI=$ENDLESS \
		python3 measure.py 30 pmeta doctor) &&
	expect "$r" 4 8 200
'

test_expect_success 'a declared Content-Length above the cap is refused before the body comes' '
	r=$(PMETA_NEO4J_MAX_REPLY=1M PMETA_NEO4J_TIMEOUT=10 NEO4J_URI=$DECLARED \
		python3 measure.py 30 pmeta migrate info) &&
	expect "$r" 4 5 200 &&
	test_contains err "sent a reply larger than 1048576 bytes"
'

test_expect_success 'a reply below the cap still works (the real Neo4j, cap 64K)' '
	PMETA_NEO4J_MAX_REPLY=64K pmeta migrate info >out &&
	test_contains out "applied"
'

test_done
