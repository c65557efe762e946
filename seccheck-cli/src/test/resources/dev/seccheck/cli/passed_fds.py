"""Sends descriptors with an address over a unix datagram socket (SCM_RIGHTS), as systemd's
notify socket and the journal receive them, and prints what the receiver got; then a bad
descriptor, a message of two records, and credentials (SCM_CREDENTIALS); the same without an
address on a connected socket; and a UDP datagram with its TTL. PassedFdsTest runs it natively and
under seccheck, which sends such messages for the program."""
import array
import os
import socket
import sys

path = os.path.join(sys.argv[1], "sock")
rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
rx.bind(path)
tx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)


def pipe_with(text):
    r, w = os.pipe()
    os.write(w, text.encode())
    os.close(w)
    return r


def received():
    msg, anc, _, _ = rx.recvmsg(100, socket.CMSG_SPACE(8 * 4))
    texts = []
    for level, kind, data in anc:
        fds = array.array("i")
        fds.frombytes(data[: len(data) - len(data) % 4])
        texts += [os.read(fd, 100).decode() for fd in fds]
    return msg.decode() + " " + "+".join(texts)


def send(what, ancillary, sock=tx, to=path):
    try:
        if to is None:
            sock.sendmsg([what.encode()], ancillary)
        else:
            sock.sendmsg([what.encode()], ancillary, 0, to)
        print(what, "->", received())
    except OSError as e:
        print(what, "->", e.strerror)


a, b = pipe_with("first"), pipe_with("second")
send("two fds", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [a, b]))])
send("two records", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe_with("one")])),
                     (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe_with("other")]))])
send("a closed fd", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [999]))])
send("credentials", [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, array.array("i", [os.getpid(), os.getuid(), os.getgid()]))])

connected = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
connected.connect(path)
send("no address, two fds", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe_with("a"), pipe_with("b")]))],
     connected, None)
send("no address, credentials",
     [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, array.array("i", [os.getpid(), os.getuid(), os.getgid()]))],
     connected, None)

udp_rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp_rx.bind(("127.0.0.1", 0))
IP_RECVTTL = 12  # linux/in.h; Python's socket module lacks it
udp_rx.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
udp_tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    udp_tx.sendmsg([b"ttl"], [(socket.IPPROTO_IP, socket.IP_TTL, array.array("i", [7]))], 0, udp_rx.getsockname())
    _, anc, _, _ = udp_rx.recvmsg(10, socket.CMSG_SPACE(4))
    print("a TTL ->", [int.from_bytes(data[:4], "little") for _, _, data in anc])
except OSError as e:
    print("a TTL ->", e.strerror)
