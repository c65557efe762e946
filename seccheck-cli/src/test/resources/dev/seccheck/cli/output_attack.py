# Attacks on seccheck's output, which the program shares as its stderr (a terminal, or a socket),
# then what seccheck reports: 50 opens and a signal to its parent (seccheck under supervision,
# which refuses it; signal 0, harmless natively). What each call returned goes to RESULTS, a file,
# as the shared output may be lost. For OutputDefenseTest.
# Usage: output_attack.py ATTACK RESULTS
import ctypes, errno, os, socket, struct, sys

attack, results = sys.argv[1], open(sys.argv[2], "w")
libc = ctypes.CDLL(None, use_errno=True)
TIOCSETD, TIOCVHANGUP, N_NULL = 0x5423, 0x5437, 27


def note(what, r):
    e = ctypes.get_errno()
    results.write("%s %s\n" % (what, "ok" if r == 0 else "errno=%d %s" % (e, errno.errorcode[e])))
    results.flush()


def shut(what, fd, how):
    ctypes.set_errno(0)
    note(what, libc.shutdown(fd, how))


if attack == "ldisc":  # the null line discipline: every later write to the terminal fails
    note("TIOCSETD", libc.ioctl(2, TIOCSETD, ctypes.byref(ctypes.c_int(N_NULL))))
elif attack == "vhangup":  # hangs the controlling terminal up (CAP_SYS_TTY_CONFIG)
    libc.signal(1, ctypes.c_void_p(1))  # SIG_IGN for SIGHUP
    note("VHANGUP", libc.vhangup())
elif attack == "tiocvhangup":  # the same through the terminal (CAP_SYS_ADMIN)
    libc.signal(1, ctypes.c_void_p(1))
    note("TIOCVHANGUP", libc.ioctl(2, TIOCVHANGUP, 0))
elif attack == "shutdown":  # shutdown of other sockets, each answer as natively; then of stderr's
    a, b = socket.socketpair()
    shut("SHUT_WR own socketpair", a.fileno(), socket.SHUT_WR)
    results.write("peer reads %r\n" % b.recv(10))
    shut("SHUT_RDWR own socketpair", b.fileno(), socket.SHUT_RDWR)
    shut("bad how", a.fileno(), 7)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    shut("SHUT_WR unconnected tcp", tcp.fileno(), socket.SHUT_WR)
    f = os.open("/dev/null", os.O_RDONLY)
    shut("SHUT_WR a file", f, socket.SHUT_WR)
    shut("SHUT_WR a closed fd", 999, socket.SHUT_WR)
    shut("SHUT_WR a negative fd", -5, socket.SHUT_WR)
    shut("SHUT_WR stderr's dup", os.dup(2), socket.SHUT_WR)
    shut("SHUT_WR stderr", 2, socket.SHUT_WR)
    shut("SHUT_RDWR stdout", 1, socket.SHUT_RDWR)
try:
    os.write(2, b"the program's own line\n")
    results.write("WRITE ok\n")
except OSError as e:
    results.write("WRITE errno=%d %s\n" % (e.errno, errno.errorcode[e.errno]))
results.flush()
for i in range(50):
    open("/etc/hostname").close()
try:
    os.kill(os.getppid(), 0)
    results.write("KILL ok\n")
except OSError as e:
    results.write("KILL errno=%d %s\n" % (e.errno, errno.errorcode[e.errno]))
results.write("DONE\n")
