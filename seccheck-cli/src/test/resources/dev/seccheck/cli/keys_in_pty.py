# Runs a command in a session of its own on a new pty, waits for it to print "ready", then types
# the keys named in KEYS (int: Ctrl-C, quit: Ctrl-\, winch: a window resize, line: "hello" and
# Enter), 0.3 s apart, and copies what the command writes to stdout; exits with the command's
# status. For the tests of signals a terminal sends: a test's process has no terminal.
# Usage: KEYS=int,quit keys_in_pty.py COMMAND [ARGS...]
import fcntl, os, pty, select, struct, sys, termios, time

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = bytearray()


def drain(seconds, until=None):
    end = time.time() + seconds
    while time.time() < end and not (until and until in out):
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every slave closed
                return False
            if not data:
                return False
            out.extend(data)
    return True


drain(60, b"ready")
for key in os.environ.get("KEYS", "").split(","):
    if key == "int":
        os.write(master, b"\x03")
    elif key == "quit":
        os.write(master, b"\x1c")
    elif key == "line":
        os.write(master, b"hello\n")
    elif key == "winch":
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    drain(0.3)
while drain(1):
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(status))
