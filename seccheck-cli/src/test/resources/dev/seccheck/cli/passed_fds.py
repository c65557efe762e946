"""Sends descriptors with an address over a unix datagram socket (SCM_RIGHTS), as systemd's
notify socket and the journal receive them, and prints what the receiver got; then a bad
descriptor, a message of two records, and credentials (SCM_CREDENTIALS). PassedFdsTest runs it
natively and under seccheck, which sends such messages for the program."""
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


def send(what, ancillary):
    try:
        tx.sendmsg([what.encode()], ancillary, 0, path)
        print(what, "->", received())
    except OSError as e:
        print(what, "->", e.strerror)


a, b = pipe_with("first"), pipe_with("second")
send("two fds", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [a, b]))])
send("two records", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe_with("one")])),
                     (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [pipe_with("other")]))])
send("a closed fd", [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [999]))])
send("credentials", [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, array.array("i", [os.getpid(), os.getuid(), os.getgid()]))])
