# Captures the frames leaving on the peer of the device given, for the seconds given, and prints
# one line per frame that carries something of device_steering.c: "frame <what>", where <what> is
# the datagram's marker (LEAK-<route>, OWN-device), "tcp-syn" for a SYN to port 7777, "igmp <groups
# and sources>" for an IGMP report, "mld <group>" for an MLD report of a group other than a
# solicited-node one (which the kernel reports for its own addresses), "to-loopback" for any other
# frame addressed to 127.0.0.0/8 or ::1. Other frames (neighbour discovery) are not printed.
import select, socket, sys, time

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
print("capturing", flush=True)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    r, _, _ = select.select([s], [], [], 0.2)
    if not r:
        continue
    f = s.recv(4000)
    kind = int.from_bytes(f[12:14], "big")
    ip = f[14:]
    what = None
    if kind == 0x0800:
        ihl = (ip[0] & 15) * 4
        proto, dst, body = ip[9], ip[16:20], ip[ihl:]
        if proto == 2:
            what = "igmp " + " ".join(socket.inet_ntoa(body[i:i + 4]) for i in range(8, len(body) - 3, 4))
        elif b"LEAK-" in body or b"OWN-" in body:
            at = body.find(b"LEAK-") if b"LEAK-" in body else body.find(b"OWN-")
            what = body[at:].decode("latin1")
        elif proto == 6 and int.from_bytes(body[2:4], "big") == 7777:
            what = "tcp-syn"
        elif dst[0] == 127:
            what = "to-loopback"
    elif kind == 0x86dd:
        dst, nxt, body = ip[24:40], ip[6], ip[40:]
        if nxt == 0:  # hop-by-hop options, then the ICMPv6 of MLD
            nxt, body = body[0], body[(body[1] + 1) * 8:]
        if nxt == 58 and body[0] == 143:
            groups = [socket.inet_ntop(socket.AF_INET6, body[i + 4:i + 20]) for i in range(8, len(body) - 19, 20)]
            groups = [g for g in groups if not g.startswith("ff02::1:ff")]
            what = "mld " + " ".join(groups) if groups else None
        elif b"LEAK-" in body:
            what = body[body.find(b"LEAK-"):].decode("latin1")
        elif dst == socket.inet_pton(socket.AF_INET6, "::1"):
            what = "to-loopback"
    if what:
        print("frame", what, flush=True)
