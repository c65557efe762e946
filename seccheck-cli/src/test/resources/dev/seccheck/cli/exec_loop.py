# A `seccheck exec` client in a few lines, for tests that need many execs fast (a JVM per exec
# would take minutes): sends the control protocol's exec request COUNT times over the run's
# socket, one connection each, and prints how many commands ended with status 0.
import json, socket, sys

sock_path, count, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
ok = 0
for i in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(30)
    s.connect(sock_path)
    s.sendall((json.dumps({"op": "exec", "argv": argv, "env": ["PATH=/usr/bin:/bin"], "cwd": "/"}) + "\n").encode())
    buf = b""
    while True:
        part = s.recv(1 << 16)
        if not part:
            sys.exit("exec %d: the run closed the connection" % i)
        buf += part
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            reply = json.loads(line)
            if reply.get("pending"):
                continue
            if not reply.get("ok"):
                sys.exit("exec %d refused: %s" % (i, reply.get("error")))
            ok += reply.get("status") == 0
            break
        else:
            continue
        break
    s.close()
print("execs ok", ok)
