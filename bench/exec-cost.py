#!/usr/bin/env python3
"""Measures what one `seccheck exec` costs the run: the time from sending the control protocol's
exec request for /bin/true to its answer (the command ended), N times, on two workloads: an idle
shell loop (2 tasks) and 8 processes spinning in user mode (the workload freeze interrupts and
waits for every task before the attach, issue 9). The client is this script, not the JVM CLI, so
the JVM start of `seccheck exec` (about a second) is left out: it is the run's side that changed.

Usage: bench/exec-cost.py [N] [SECCHECK]   (default 200, ./seccheck; from the repository root)
"""
import json, os, socket, statistics, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SECCHECK = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "seccheck")
WORKLOADS = {
    "idle": "while [ ! -e stop ]; do sleep 0.05; done",
    "8 busy": "for i in 1 2 3 4 5 6 7 8; do (while [ ! -e stop ]; do :; done) & done; wait",
}

def exec_once(sock_path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(60)
    t0 = time.perf_counter()
    s.connect(sock_path)
    s.sendall(b'{"op": "exec", "argv": ["/bin/true"], "env": ["PATH=/usr/bin:/bin"], "cwd": "/"}\n')
    buf = b""
    while True:
        buf += s.recv(1 << 16)
        lines = buf.split(b"\n")
        for line in lines[:-1]:
            reply = json.loads(line)
            if not reply.get("pending"):
                s.close()
                if not reply.get("ok") or reply.get("status") != 0:
                    sys.exit("exec failed: %r" % reply)
                return (time.perf_counter() - t0) * 1000
        buf = lines[-1]

for name, script in WORKLOADS.items():
    tmp = tempfile.mkdtemp(prefix="seccheck-exec-")
    none = os.path.join(tmp, "none.json")
    json.dump({"name": "n", "points": [], "sinks": [{"name": "null"}]}, open(none, "w"))
    root = os.path.join(tmp, "root")
    run = subprocess.Popen([SECCHECK, "run", "--quiet", "--root", root, "--id", "x", "--config", none, "--",
                            "sh", "-c", "cd " + tmp + "; " + script])
    sock = os.path.join(root, "x", "control.sock")
    deadline = time.time() + 120
    while not os.path.exists(sock):
        if time.time() > deadline:
            sys.exit("the run did not start")
        time.sleep(0.05)
    time.sleep(1)
    times = [exec_once(sock) for _ in range(N)]
    open(os.path.join(tmp, "stop"), "w").close()
    run.wait(timeout=120)
    times.sort()
    print("%-7s n=%d  median %.1f ms  p90 %.1f ms  min %.1f ms" % (
        name, N, statistics.median(times), times[int(len(times) * 0.9)], times[0]))
