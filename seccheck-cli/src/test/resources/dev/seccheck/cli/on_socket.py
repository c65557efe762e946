# Runs a command whose stdout and stderr are one end of a unix stream socketpair, as a systemd
# service's are its journal stream, and copies what arrives on the other end to stdout; exits
# with the command's status. For OutputDefenseTest: seccheck's lines on a socket it shares.
# Usage: on_socket.py COMMAND [ARGS...]
import socket, subprocess, sys

ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=theirs.fileno(), stderr=theirs.fileno())
theirs.close()
out = bytearray()
while True:
    data = ours.recv(65536)
    if not data:  # every writer closed it, or shut it for writing
        break
    out += data
sys.stdout.write(out.decode(errors="replace"))
sys.exit(p.wait())
