#!/usr/bin/env python3
"""Soak of the monitoring server or the trace saver (issue 15): a fuzz storm, many idle connections and an honest
sandbox at once, with the server's memory, descriptors and log size before, at the peak and after.

The server (`seccheck server`, text output to a file) gets IDLE handshaked connections that never
send, FUZZERS connections sending PACKETS packets between them (random sizes up to 12 KiB, headers
that lie about their size, unknown and known message types over random payloads, empty packets,
packets over the 1 MiB limit now and then), and one honest sandbox sending HONEST container/start
messages whose ids it numbers. Reported: how many honest messages the output holds (all must),
the server's RSS and descriptors, the bytes it logged on stderr, and the time taken.

Usage: bench/server-soak.py [PACKETS] [IDLE] [HONEST]   (defaults 1000000 1000 10000;
       from the repository root; SECCHECK=launcher, SOAK_MAX_KIB=largest fuzzed packet, default 12;
       SOAK_COMMAND=save soaks `tracereplay save` (every packet goes to disk: use fewer, smaller ones))
"""
import os, random, re, shutil, socket, struct, subprocess, sys, tempfile, threading, time

PACKETS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
IDLE = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
HONEST = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
FUZZERS = 4
AFTER = (5, 10, 20, 30)
MAX_KIB = int(os.environ.get("SOAK_MAX_KIB", "12"))  # the fuzzed packets' largest size
SAVE = os.environ.get("SOAK_COMMAND", "server") == "save"  # soak `tracereplay save` instead
SECCHECK = os.environ.get("SECCHECK", os.path.abspath("seccheck"))
HANDSHAKE = b"\x08\x01"  # Handshake{version: 1}
tmp = tempfile.mkdtemp(prefix="seccheck-server-soak-")
endpoint = os.path.join(tmp, "events.sock")


def usage(pid):
    rss = next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")).split()[1]
    return int(rss) // 1024, len(os.listdir(f"/proc/{pid}/fd"))


def connect(handshake=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(endpoint)
    if handshake:
        s.send(HANDSHAKE)
        s.recv(10240)
    return s


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def start_message(i):
    ident = f"honest-{i:06d}".encode()
    payload = b"\x12" + varint(len(ident)) + ident  # container.Start{id}
    return struct.pack("<HHI", 8, 1, 0) + payload


def fuzz_packets(seed, count=2000):
    r = random.Random(seed)
    pool = []
    for _ in range(count):
        kind = r.randrange(6)
        body = r.randbytes(r.randrange(0, MAX_KIB * 1024 if kind < 4 else 256))
        if kind == 0:  # a header whose size lies
            pool.append(struct.pack("<HHI", r.choice([0, 1, 7, 9, 4096, 65535]), r.randrange(40), 0) + body)
        elif kind == 1:  # a known type over garbage
            pool.append(struct.pack("<HHI", 8, r.randrange(1, 39), r.getrandbits(32)) + body)
        elif kind == 2:  # an unknown type
            pool.append(struct.pack("<HHI", 8, r.randrange(39, 65536), 0) + body)
        elif kind == 3:
            pool.append(body)
        elif kind == 4:
            pool.append(b"")
        else:
            pool.append(body[: r.randrange(1, 8) if body else 0])
    return pool


def fuzzer(index, count, sent):
    pool = fuzz_packets(index)
    s = connect()
    big = b"\x00" * (1024 * 1024 + 1)
    for i in range(count):
        try:
            s.send(big if i % 100_000 == 99_999 else pool[i % len(pool)])
        except OSError:
            s.close()
            s = connect()
        sent[index] += 1
    s.close()


def main():
    out = os.path.join(tmp, "out")
    err = open(os.path.join(tmp, "err.txt"), "w")
    command = ["tracereplay", "save"] if SAVE else ["server"]
    server = subprocess.Popen([SECCHECK, *command, "--endpoint", endpoint, "--out", out],
                              stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.time() + 60
        while not os.path.exists(endpoint):
            if time.time() > deadline or server.poll() is not None:
                sys.exit(f"server did not start: {open(err.name).read()}")
            time.sleep(0.1)
        time.sleep(1)
        before = usage(server.pid)
        t0 = time.time()
        idle = [connect() for _ in range(IDLE)]
        sent = [0] * FUZZERS
        threads = [threading.Thread(target=fuzzer, args=(i, PACKETS // FUZZERS, sent)) for i in range(FUZZERS)]
        for t in threads:
            t.start()
        peak = [before]

        def sample():
            while any(t.is_alive() for t in threads):
                peak[0] = max(peak[0], usage(server.pid))
                time.sleep(0.5)
        sampler = threading.Thread(target=sample)
        sampler.start()
        honest = connect()
        for i in range(HONEST):
            honest.send(start_message(i))
        for t in threads:
            t.join()
        sampler.join()
        storm = time.time() - t0
        during = usage(server.pid)
        honest.close()
        for s in idle:
            s.close()
        after = []
        for wait in AFTER:  # seconds since every connection closed
            time.sleep(wait - (after[-1][0] if after else 0))
            after.append((wait, usage(server.pid)))
        time.sleep(1)
        # The honest sandbox's messages are in the output, or in one of the trace files.
        found = set()
        for f in [os.path.join(out, f) for f in os.listdir(out)] if SAVE else [out]:
            found.update(re.findall(rb"honest-(\d{6})", open(f, "rb").read()))
        delivered = len(found & {f"{i:06d}".encode() for i in range(HONEST)})
    finally:
        server.terminate()
        server.wait(30)
    err.close()
    logged = os.path.getsize(err.name)
    print(f"packets sent by fuzzers: {sum(sent):,} over {FUZZERS} connections; idle connections: {IDLE:,}")
    print(f"honest messages delivered: {delivered:,} of {HONEST:,}")
    print(f"storm took {storm:.1f} s ({sum(sent) / storm:,.0f} packets/s)")
    print(f"server RSS MB / fds: before {before[0]} / {before[1]}, peak {peak[0][0]} / {peak[0][1]}, "
          f"end of storm {during[0]} / {during[1]}")
    print("after every connection closed: " + ", ".join(f"{w} s {u[0]} / {u[1]}" for w, u in after))
    print(f"server stderr: {logged:,} bytes; first lines:")
    with open(err.name) as f:
        for line in f.readlines()[:3]:
            print("  " + line.rstrip()[:160])


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
