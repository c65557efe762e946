# Runs a command in a session of its own whose controlling terminal is a new pty, and copies what
# the command writes there to stdout; exits with the command's status. For SupervisorDefenseTest:
# terminal attacks need a terminal, which a test's process does not have.
# Usage: in_pty.py COMMAND [ARGS...]
import os, pty, sys

pid, master = pty.fork()  # the child: setsid, the pty's slave as its controlling terminal and stdio
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = bytearray()
while True:
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: every slave closed
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(status))
