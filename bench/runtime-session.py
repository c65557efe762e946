#!/usr/bin/env python3
"""Measures sessions created on a running workload (issue: control plane).

1. Latency: from `seccheck trace create` returning to the first point of the new session
   reaching its sink (a text file), N times, on a workload that opens a file in a loop.
2. Overhead: wall time of 200 `cat /etc/hostname` inside the same run, before any runtime
   session, while one (openat enter points to a text file) is active, and after it is deleted
   (its filter layer stays: filters cannot be removed).

Usage: bench/runtime-session.py [N]   (from the repository root; builds ./seccheck if needed)
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SECCHECK = os.path.abspath("seccheck")
tmp = tempfile.mkdtemp(prefix="seccheck-bench-")
root = os.path.join(tmp, "root")

def sc(*args):
    subprocess.run([SECCHECK, *args], check=True, stdout=subprocess.DEVNULL)

base = os.path.join(tmp, "base.json")
json.dump({"name": "base", "points": [{"name": "sentry/task_exit"}], "sinks": [{"name": "null"}]}, open(base, "w"))
script = f"""
cd {tmp}
while [ ! -e stop ]; do
  if [ -e go ]; then rm go; s=$(date +%s%N); for i in $(seq 200); do cat /etc/hostname >/dev/null; done
    e=$(date +%s%N); echo $(( (e-s)/1000 )) >> times; fi
  cat /etc/hostname >/dev/null
  sleep 0.01
done
"""
run = subprocess.Popen([SECCHECK, "run", "--quiet", "--root", root, "--id", "bench", "--config", base, "--", "sh", "-c", script])
try:
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(root, "bench", "control.sock")):
        if time.time() > deadline:
            sys.exit("the run did not start")
        time.sleep(0.05)

    def timed_loop():
        times = os.path.join(tmp, "times")
        before = len(open(times).read().split()) if os.path.exists(times) else 0
        open(os.path.join(tmp, "go"), "w").close()
        while True:
            if os.path.exists(times):
                vals = open(times).read().split()
                if len(vals) > before:
                    return int(vals[before]) / 1e6
            time.sleep(0.02)

    timed_loop()  # warm-up: page cache and the supervisor's JIT
    baseline = min(timed_loop(), timed_loop())
    latencies = []
    whole = []
    active = None
    for i in range(N):
        log = os.path.join(tmp, f"late{i}.log")
        cfg = os.path.join(tmp, f"late{i}.json")
        json.dump({"name": "late", "points": [{"name": "syscall/openat/enter"}],
                   "sinks": [{"name": "text", "config": {"path": log}}]}, open(cfg, "w"))
        t_start = time.perf_counter()
        sc("trace", "create", "--root", root, "--config", cfg, "bench")
        t0 = time.perf_counter()
        while not (os.path.exists(log) and os.path.getsize(log) > 0):
            time.sleep(0.0005)
        t1 = time.perf_counter()
        latencies.append((t1 - t0) * 1000)
        whole.append((t1 - t_start) * 1000)
        if i == N - 1:
            active = timed_loop()
        sc("trace", "delete", "--root", root, "--name", "late", "bench")
    after = min(timed_loop(), timed_loop())
finally:
    open(os.path.join(tmp, "stop"), "w").close()
    run.wait(timeout=60)
    shutil.rmtree(tmp, ignore_errors=True)

print(f"trace create returned -> first point in the sink: median {statistics.median(latencies):.1f} ms, "
      f"max {max(latencies):.1f} ms (n={N}; 0 means it was already there)")
print(f"trace create started -> first point (includes the CLI's JVM start): median {statistics.median(whole):.0f} ms")
print(f"200x cat /etc/hostname inside the run: before {baseline:.3f} s, with the session {active:.3f} s "
      f"({active / baseline:.2f}x), after delete {after:.3f} s ({after / baseline:.2f}x)")
