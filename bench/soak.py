#!/usr/bin/env python3
"""Soak of the sentry (issue 15): memory, descriptors and errors over long runs.

1. A default-session run (text sink to a file) of a busy multi-process shell loop for
   SOAK_SECONDS (default 240): the JVM's RSS and open descriptors 10 s in and at the end, the
   points written, and every "seccheck:" line (warnings, errors) of the run.
2. CYCLES (default 1000) create/delete cycles, straight on the run's control socket, of a deny
   session (openat enter, null sink) on the same kind of workload: RSS and descriptors before and
   after, failed requests, and the time a cycle takes.

Usage: bench/soak.py [SOAK_SECONDS] [CYCLES]   (from the repository root; SECCHECK=launcher)
"""
import json, os, socket, subprocess, sys, tempfile, time

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 240
CYCLES = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
SECCHECK = os.environ.get("SECCHECK", os.path.abspath("seccheck"))
tmp = tempfile.mkdtemp(prefix="seccheck-soak-")
root = os.path.join(tmp, "root")
BUSY = f"while [ ! -e {tmp}/stop ]; do cat /etc/hostname >/dev/null; ls / >/dev/null; done"


def usage(pid):
    rss = next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")).split()[1]
    return int(rss) // 1024, len(os.listdir(f"/proc/{pid}/fd"))


def start(run_id, args):
    err = open(os.path.join(tmp, run_id + ".err"), "w")
    p = subprocess.Popen([SECCHECK, "run", "--quiet", "--root", root, "--id", run_id, *args, "--",
                          "sh", "-c", BUSY], stderr=err, stdout=subprocess.DEVNULL)
    sock = os.path.join(root, run_id, "control.sock")
    deadline = time.time() + 120
    while not os.path.exists(sock):
        if time.time() > deadline or p.poll() is not None:
            sys.exit(f"run {run_id} did not start")
        time.sleep(0.05)
    return p, sock


def stop(p, run_id):
    open(os.path.join(tmp, "stop"), "w").close()
    p.wait(timeout=120)
    os.remove(os.path.join(tmp, "stop"))
    lines = open(os.path.join(tmp, run_id + ".err"), errors="replace").read().splitlines()
    return [l for l in lines if l.startswith("seccheck:")], len(lines)


def request(path, msg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(30)
    try:
        s.connect(path)
        s.sendall((json.dumps(msg) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
        return json.loads(data)
    finally:
        s.close()


p, sock = start("soak", [])
time.sleep(10)
before = usage(p.pid)
time.sleep(max(0, SECONDS - 10))
after = usage(p.pid)
problems, points = stop(p, "soak")
print(f"default session, {SECONDS} s: RSS {before[0]} -> {after[0]} MB, fds {before[1]} -> {after[1]},"
      f" {points - len(problems)} point lines, {len(problems)} seccheck: lines")
for l in problems[:10]:
    print("   ", l)

base = os.path.join(tmp, "base.json")
json.dump({"name": "base", "points": [{"name": "sentry/task_exit"}], "sinks": [{"name": "null"}]}, open(base, "w"))
deny = json.dumps({"name": "deny", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "null"}]})
p, sock = start("cycles", ["--config", base])
time.sleep(5)
before = usage(p.pid)
failures = []
t0 = time.time()
for i in range(CYCLES):
    for msg in ({"op": "session_create", "config": deny}, {"op": "session_delete", "name": "deny"}):
        r = request(sock, msg)
        if not r.get("ok"):
            failures.append(f"cycle {i} {msg['op']}: {r.get('error')}")
per_cycle = (time.time() - t0) / CYCLES * 1000
after = usage(p.pid)
problems, _ = stop(p, "cycles")
print(f"{CYCLES} create/delete cycles: RSS {before[0]} -> {after[0]} MB, fds {before[1]} -> {after[1]},"
      f" {per_cycle:.1f} ms a cycle, {len(failures)} failed requests, {len(problems)} seccheck: lines")
for l in (failures + problems)[:10]:
    print("   ", l)
