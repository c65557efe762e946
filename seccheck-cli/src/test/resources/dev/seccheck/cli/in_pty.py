# Runs a command in a session of its own whose controlling terminal is a new pty, and copies what
# the command writes there to stdout; exits with the command's status. For SupervisorDefenseTest:
# terminal attacks need a terminal, which a test's process does not have.
# Usage: in_pty.py COMMAND [ARGS...]
import os, pty, sys

pid, master = pty.fork()  # the child: setsid, the pty's slave as its controlling terminal and stdio
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
# Copied as it comes, so that a test that times out still shows how far the command got; a CR
# that may be the first half of a pty's CRLF waits for the next read.
held = b""
while True:
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: every slave closed
        break
    if not data:
        break
    data = held + data
    held = b"\r" if data.endswith(b"\r") else b""
    sys.stdout.buffer.write(data[:len(data) - len(held)].replace(b"\r\n", b"\n"))
    sys.stdout.buffer.flush()
sys.stdout.buffer.write(held)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
