#!/usr/bin/env bash
# A fork that runs out of room says so and leaves nothing behind: no
# half-written copy, no commit, no moved branch, no stale index.lock. Two
# real ways to run out: a file size limit (ulimit -f: pmeta must not die of
# SIGXFSZ halfway) and a full file system (a 1 MiB tmpfs, mounted in a
# private mount namespace, filled to leave 0..40 KiB so that each write of
# the fork in turn is the one that fails).
. "$(dirname "$0")/lib.sh"
. "$TEST_ROOT/tests/lib-fork.sh"

test_reset_graph

# nothing_left BASE NEW: HEAD is BASE, NEW is not on disk, no lock, status clean.
nothing_left() {
	test_eq "$(git rev-parse HEAD)" "$1" &&
	! test -e "$2" &&
	! test -e .git/index.lock &&
	test_eq "$(git status --porcelain --untracked-files=all -- sche_001)" ""
}

test_expect_success 'setup: a workspace with a large script' '
	fork_workspace &&
	head -c 60000 /dev/zero | tr "\0" "x" | fold -w 60 >sche_001/pys/proc_007_v_000.py &&
	git add sche_001 && git commit -q -m "a large script"
'

test_expect_success 'a file size limit: EFBIG is reported, nothing is left behind' '
	base=$(git rev-parse HEAD) &&
	( ulimit -f 32 && pmeta fork proc_007_v_000 >out 2>err; echo $? >rc ) &&
	test_eq "$(cat rc)" 5 &&
	test_contains err "error: cannot write" &&
	test_contains err "File too large" &&
	nothing_left "$base" sche_001/pys/proc_007_v_001.py
'

test_expect_success 'the same fork succeeds once the limit is lifted' '
	pmeta fork proc_007_v_000 >out &&
	test_contains out "-> proc_007_v_001" &&
	test_cmp sche_001/pys/proc_007_v_000.py sche_001/pys/proc_007_v_001.py
'

# Runs $1 as root of a private user and mount namespace (no real privilege needed).
in_mount_ns() {
	if [ "$(id -u)" = 0 ]; then
		unshare -m bash "$1"
	else
		unshare -rm bash "$1"
	fi
}

mkdir -p "$TRASH/probe"
if in_mount_ns /dev/stdin <<-EOF >/dev/null 2>&1
	mount -t tmpfs -o size=64k tmpfs "$TRASH/probe"
EOF
then
	test_expect_success 'a full disk at each step of the fork: reported as such, nothing left' '
		mkdir full &&
		cat >full.sh <<-EOF &&
		set -u
		mount -t tmpfs -o size=1m tmpfs "$PWD/full" || exit 9
		cd "$PWD/full" && git init -q -b main . && mkdir -p sche_001/pys &&
		printf "print(1)\n" >sche_001/pys/proc_001_v_000.py && git add . && git commit -q -m base || exit 9
		# The workspace identity exists before the disk fills: the fork is what must fail.
		mkdir .pmeta && printf "ws\n" >.pmeta/workspace && printf "/.pmeta/\n" >>.git/info/exclude || exit 9
		base=\$(git rev-parse HEAD)
		failed=0 done=0
		for wt in "" --from-worktree; do
			for leave in 0 4 8 12 16 20 24 28 32 36 40; do
				[ -n "\$wt" ] && printf "print(\$leave)\n" >sche_001/pys/proc_001_v_000.py
				rm -f fill; dd if=/dev/zero of=fill bs=1k count=2000 2>/dev/null
				truncate -s -\${leave}K fill
				pmeta fork proc_001_v_000 \$wt >../out 2>../err
				rc=\$?
				rm -f fill
				if [ \$rc = 0 ]; then
					grep -q "forked sche_001/proc_001_v_000 -> proc_001_v_001" ../out || { echo "leave \$leave\$wt: ok without output"; cat ../out ../err; exit 1; }
					test "\$(git log -1 --format="%(trailers:key=Pmeta-Fork,valueonly)" | sed "/^\$/d")" = proc_001_v_001 || { echo "leave \$leave\$wt: no fork commit"; exit 1; }
					done=\$((done + 1))
				else
					test \$rc = 5 || { echo "leave \$leave\$wt: exit \$rc"; cat ../err; exit 1; }
					grep -q "No space left on device" ../err || { echo "leave \$leave\$wt: the cause is not named:"; cat ../err; exit 1; }
					test "\$(git rev-parse HEAD)" = "\$base" || { echo "leave \$leave\$wt: the branch moved"; cat ../err; exit 1; }
					! test -e sche_001/pys/proc_001_v_001.py || { echo "leave \$leave\$wt: a copy is left"; cat ../err; exit 1; }
					! test -e .git/index.lock || { echo "leave \$leave\$wt: index.lock is left"; exit 1; }
					failed=\$((failed + 1))
				fi
				echo "leave \$leave\$wt: exit \$rc \$(head -n1 ../err)"
				git reset -q --hard "\$base" && rm -f sche_001/pys/proc_001_v_001.py
				git reflog expire --expire=now --all && git gc -q --prune=now
			done
		done
		echo "\$failed failed, \$done done"
		test \$failed -ge 6 && test \$done -ge 1
		EOF
		in_mount_ns full.sh >log 2>&1 || { cat log; false; } && cat log &&
		test_contains log "failed, " &&
		! grep -q "target OID" log
	'
else
	test_skip 'a full disk at each step of the fork' 'cannot mount a tmpfs in a private mount namespace here'
fi

test_done
