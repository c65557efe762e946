"""Routing requests over netlink, from a program with one thread or (argument "threaded") with a
second one sharing its descriptors, as Go programs and any threaded resolver have: a dump of the
links, getaddrinfo (glibc asks netlink which addresses are configured), and a request that
changes the system (set lo up). Run by NetlinkRequestsTest in a network namespace of its own,
natively and under a policy deciding at connect."""
import socket
import struct
import sys
import threading
import time

if sys.argv[1:] == ["threaded"]:
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()

RTM_NEWLINK, RTM_GETLINK, RTM_SETLINK = 16, 18, 19
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3


def request(kind, flags, payload):
    """Sends one request; returns the messages answered, as (type, body), until DONE or an ack."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.settimeout(10)
    s.bind((0, 0))
    s.sendto(struct.pack("=LHHLL", 16 + len(payload), kind, flags, 1, 0) + payload, (0, 0))
    answers = []
    while True:
        data = s.recv(65536)
        at = 0
        while at + 16 <= len(data):
            length, kind, _, _, _ = struct.unpack_from("=LHHLL", data, at)
            answers.append((kind, data[at + 16:at + length]))
            if kind in (NLMSG_DONE, NLMSG_ERROR):
                return answers
            at += (length + 3) & ~3


def attempt(name, action):
    try:
        print(name, action())
    except OSError as e:
        print(name, "errno", e.errno)


ifinfo = struct.pack("=BxHiII", 0, 0, 0, 0, 0)
attempt("links", lambda: sum(1 for kind, _ in request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo)
                            if kind == RTM_NEWLINK))
attempt("resolved", lambda: socket.getaddrinfo("localhost", 80, flags=socket.AI_ADDRCONFIG)[0][4][0])
up = struct.pack("=BxHiII", 0, 0, socket.if_nametoindex("lo"), 1, 1)  # IFF_UP set, IFF_UP changed
attempt("set lo up", lambda: -struct.unpack_from("=i", request(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, up)[-1][1])[0])
