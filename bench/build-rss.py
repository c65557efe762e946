#!/usr/bin/env python3
"""Memory of a long default-session run (issue 13 goal 4): the JVM's resident size while it
supervises a build-like job for SECONDS (default 600).

The job loops, until told to stop: gcc -O2 of every C program under seccheck-*/src/test/c, a
tar -c | tar -x of /usr/include into a temporary directory, a find over /usr/share, and a python3
import of a few standard modules: thousands of short processes and opens, as a CI job makes.
seccheck runs it with the built-in default session, its text going to a file. RSS and open
descriptors of the JVM are sampled at 10 s, 60 s, then every 60 s, and at the end; the point
lines written and every "seccheck:" line of the run are counted.

Usage: bench/build-rss.py [SECONDS]   (from the repository root; SECCHECK=launcher to use another)
"""
import glob, os, subprocess, sys, tempfile, time

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 600
SECCHECK = os.environ.get("SECCHECK", os.path.abspath("seccheck"))
tmp = tempfile.mkdtemp(prefix="seccheck-build-rss-")
sources = sorted(glob.glob(os.path.abspath("seccheck-*/src/test/c/*.c")))
if not sources:
    sys.exit("build-rss.py: no C sources under seccheck-*/src/test/c: run it from the repository root")
stop = os.path.join(tmp, "stop")
out = os.path.join(tmp, "out")
compiles = "; ".join(f"gcc -O2 -w -o {out}/p {s} -lpthread 2>/dev/null" for s in sources)
JOB = (f"mkdir -p {out}; while [ ! -e {stop} ]; do {compiles}; "
       f"rm -rf {out}/inc; mkdir {out}/inc; tar -C /usr -cf - include | tar -C {out}/inc -xf -; "
       f"find /usr/share -name '*.gz' > /dev/null; "
       f"python3 -c 'import json, email, http.client, sqlite3, xml.dom.minidom'; done")


def usage(pid):
    rss = next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")).split()[1]
    return int(rss) // 1024, len(os.listdir(f"/proc/{pid}/fd"))


points = open(os.path.join(tmp, "points.txt"), "w")
p = subprocess.Popen([SECCHECK, "run", "--", "sh", "-c", JOB], stdout=points, stderr=subprocess.STDOUT)
start = time.time()
samples = []
marks = sorted({m for m in [10, 60, *range(120, SECONDS, 60), SECONDS] if m <= SECONDS})
try:
    for m in marks:
        while time.time() - start < m:
            if p.poll() is not None:
                sys.exit(f"build-rss.py: the run ended early with status {p.returncode}; see {tmp}/points.txt")
            time.sleep(0.5)
        rss, fds = usage(p.pid)
        samples.append((m, rss, fds))
        print(f"{m:5d} s  RSS {rss:4d} MB  descriptors {fds}", flush=True)
finally:
    open(stop, "w").close()
    status = p.wait(timeout=300)
points.close()
lines = 0
warnings = []
with open(os.path.join(tmp, "points.txt"), errors="replace") as f:
    for line in f:
        lines += 1
        if line.startswith("seccheck:"):
            warnings.append(line.rstrip())
print(f"exit status {status}; {lines} lines of output; {len(warnings)} 'seccheck:' lines")
for w in warnings[:10]:
    print("  " + w)
print("| at | RSS (MB) | descriptors |\n|---|---:|---:|")
for m, rss, fds in samples:
    print(f"| {m} s | {rss} | {fds} |")
subprocess.run(["rm", "-rf", tmp])
