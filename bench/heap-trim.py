#!/usr/bin/env python3
"""Does `seccheck tracereplay save` give back the heap a burst of connections grew (issue 15)?

Starts the saver (--max-connections 9000), opens N handshaked connections that each send one
packet (each holds an open trace file with its 8 KiB buffer: live heap), closes them all, and
prints the saver's RSS in MB before, with the connections, and 5, 10, 15 and 20 s after they
closed. JAVA_OPTS are passed to the JVM: `-XX:+DisableExplicitGC` turns the server's heap trim
(HeapTrim) into a no-op, the side-by-side baseline.

Usage: bench/heap-trim.py [N] [JAVA_OPTS]   (default 4000; from the repository root; SECCHECK=launcher)
"""
import os, shutil, socket, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
OPTS = sys.argv[2] if len(sys.argv) > 2 else ""
SECCHECK = os.environ.get("SECCHECK", os.path.abspath("seccheck"))


def rss(pid):
    return int(next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")).split()[1]) // 1024


def main():
    tmp = tempfile.mkdtemp(prefix="seccheck-heap-trim-")
    endpoint = os.path.join(tmp, "s")
    saver = subprocess.Popen([SECCHECK, "tracereplay", "save", "--endpoint", endpoint, "--out",
                              os.path.join(tmp, "out"), "--max-connections", "9000"],
                             stderr=subprocess.DEVNULL, env=dict(os.environ, SECCHECK_JAVA_OPTS=OPTS))
    try:
        deadline = time.time() + 120
        while not os.path.exists(endpoint):
            if time.time() > deadline or saver.poll() is not None:
                sys.exit("the saver did not start")
            time.sleep(0.1)
        time.sleep(1)
        before = rss(saver.pid)
        socks = []
        for _ in range(N):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(endpoint)
            s.send(b"\x08\x01")  # Handshake{version: 1}
            s.recv(100)
            s.send(b"\x08\x00\x01\x00\x00\x00\x00\x00" + b"x" * 100)  # container/start over garbage
            socks.append(s)
        time.sleep(3)
        peak = rss(saver.pid)
        for s in socks:
            s.close()
        after = []
        for _ in range(4):
            time.sleep(5)
            after.append(rss(saver.pid))
        print(f"{OPTS or 'default flags'}: {N} connections: RSS MB before {before}, with them {peak}, "
              f"5/10/15/20 s after they closed {after}")
    finally:
        saver.terminate()
        saver.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
