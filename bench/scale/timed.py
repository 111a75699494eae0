#!/usr/bin/env python3
"""Times one whole command from outside: wall seconds and peak RSS.

    timed.py OUT_FILE CMD [ARG...]

Runs CMD with stdout sent to /dev/null and stderr to OUT_FILE.err, then
appends "<wall seconds> <peak RSS in KiB> <exit status>" to OUT_FILE. Wall
time is a monotonic clock around the child. The peak RSS is GNU time's %M
for CMD itself (the jobs a runner starts are not in it): Linux keeps a
child's high-water RSS across exec, so a child forked from Python would
report Python's own memory; /usr/bin/time is a small C program.
Exits with CMD's status.
"""
import os
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, cmd = sys.argv[1], sys.argv[2:]
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss, \
            open(os.devnull, "wb") as null, open(out + ".err", "wb") as err:
        t0 = time.monotonic()
        code = subprocess.call(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] + cmd,
                               stdin=subprocess.DEVNULL, stdout=null, stderr=err)
        wall = time.monotonic() - t0
        lines = rss.read().split()
    kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    with open(out, "a") as f:
        f.write("%.4f %d %d\n" % (wall, kib, code))
    sys.exit(code if code >= 0 else 1)


if __name__ == "__main__":
    main()
