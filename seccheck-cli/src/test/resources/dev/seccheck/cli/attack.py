# A hostile workload for SupervisorDefenseTest: makes one attack on its target and reports it.
# Usage: attack.py ATTACK parent|child SECRET_FILE
#   parent: the target is this process's parent (under seccheck run: the seccheck JVM);
#   child: the target is a sleeping child forked here (the native control run).
# tiocsti has no target: it types into its terminal, stdin (SupervisorDefenseTest gives it a pty).
# Prints "RESULT ok" or "RESULT errno=N NAME", then "SECRET <text>" or "SECRET denied errno=N".
import ctypes, errno, fcntl, os, signal, socket, struct, sys, termios, time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def sc(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return r, ctypes.get_errno()

def report(r, e):
    print("RESULT ok" if r >= 0 else "RESULT errno=%d %s" % (e, errno.errorcode.get(e, "?")), flush=True)

def oserror(f):
    try:
        f()
        return 0, 0
    except OSError as ex:
        return -1, ex.errno

attack, where, secret = sys.argv[1], sys.argv[2], sys.argv[3]
if where == "parent":
    target = os.getppid()
else:
    target = os.fork()
    if target == 0:
        if attack.endswith("_threads"):  # a thread started after the process, as the JVM starts some
            import threading
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        time.sleep(30)
        os._exit(0)
    if attack.endswith("_threads"):
        time.sleep(0.3)
pgid = os.getpgid(target)
info = ctypes.create_string_buffer(128)
ctypes.c_int.from_buffer(info, 8).value = -1  # si_code SI_QUEUE
buf = ctypes.create_string_buffer(b"x" * 64)
args = ctypes.create_string_buffer(128)
addr = ctypes.addressof

def threads_of(pid):
    """The target's thread ids: its task directory, or (where that is refused) the thread ids
    from its pid to a little past this process's whose status names it as their thread group
    (the threads it started after this process are numbered just after it)."""
    try:
        return sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
    except OSError:
        pass
    tids = []
    for tid in range(pid, max(pid, os.getpid()) + 2000):
        try:
            with open("/proc/%d/status" % tid) as f:
                if ("\nTgid:\t%d\n" % pid) in f.read():
                    tids.append(tid)
        except OSError:
            pass
    return tids

def every_thread(send):
    """Signals each of the target's threads in turn, the newest first; ok if any signal was sent."""
    tids = threads_of(target)[::-1]
    print("THREADS %d" % len(tids), flush=True)
    last = (-1, errno.ESRCH)
    for tid in tids:
        r = send(tid)
        if r[0] >= 0:
            return r
        last = r
    return last

def in_user_namespace(call):
    """Makes the call from a child in a user namespace of its own, where this user is user 5."""
    uid = os.getuid()
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
            print("NO USER NAMESPACE errno=%d" % ctypes.get_errno(), flush=True)
            res = (-1, ctypes.get_errno())
        else:
            with open("/proc/self/uid_map", "w") as f:
                f.write("5 %d 1" % uid)
            res = call()
        os.write(wr, struct.pack("qq", *res))
        os._exit(0)
    os.close(wr)
    res = struct.unpack("qq", os.read(rd, 16))
    os.waitpid(pid, 0)
    return res

def spawn(r):
    if r[0] == 0:
        os._exit(0)
    if r[0] > 0:
        os.waitpid(r[0], 0)
    return r

if attack == "kill":
    r = sc(62, target, signal.SIGKILL)
elif attack == "kill_all":
    r = sc(62, -1, 0)
elif attack == "kill_group":
    r = sc(62, -pgid, 0)
elif attack == "kill_threads":
    r = every_thread(lambda tid: sc(62, tid, signal.SIGKILL))
elif attack == "tkill_threads":
    r = every_thread(lambda tid: sc(200, tid, signal.SIGKILL))
elif attack == "sigqueue_threads":
    r = every_thread(lambda tid: sc(129, tid, signal.SIGKILL, addr(info)))
elif attack == "tkill":
    r = sc(200, target, signal.SIGKILL)
elif attack == "tgkill":
    r = sc(234, target, target, signal.SIGKILL)
elif attack == "sigqueue":
    r = sc(129, target, 0, addr(info))
elif attack == "tgsigqueue":
    r = sc(297, target, target, 0, addr(info))
elif attack == "pidfd_open":
    r = sc(434, target, 0)
elif attack == "pidfd_threads":  # PIDFD_THREAD (O_EXCL): a pidfd of one thread
    r = every_thread(lambda tid: sc(434, tid, 0o200))
elif attack == "pidfd_send_signal":
    fd = sc(434, target, 0)[0] if where == "child" else os.open("/proc/%d" % target, os.O_DIRECTORY)
    r = sc(424, fd, 0, 0, 0)
elif attack == "pidfd_getfd":
    fd = sc(434, target, 0)[0] if where == "child" else os.open("/proc/%d" % target, os.O_DIRECTORY)
    r = sc(438, fd, 0, 0)
elif attack == "ptrace":
    r = sc(101, 0x4206, target, 0, 0)
elif attack == "vm_readv":
    local = (ctypes.c_void_p * 2)(addr(args), 64)
    remote = (ctypes.c_void_p * 2)(addr(buf), 64)
    r = sc(310, target, addr(local), 1, addr(remote), 1, 0)
elif attack == "vm_writev":
    local = (ctypes.c_void_p * 2)(addr(args), 8)
    remote = (ctypes.c_void_p * 2)(addr(buf), 8)
    r = sc(311, target, addr(local), 1, addr(remote), 1, 0)
elif attack == "proc_mem":
    r = oserror(lambda: os.close(os.open("/proc/%d/mem" % target, os.O_RDONLY)))
elif attack == "proc_fd":
    r = oserror(lambda: os.listdir("/proc/%d/fd" % target))
elif attack == "clone_untraced":
    r = spawn(sc(56, signal.SIGCHLD | 0x00800000, 0, 0, 0, 0))
elif attack == "clone3":
    ctypes.c_uint64.from_buffer(args, 32).value = signal.SIGCHLD
    r = spawn(sc(435, addr(args), 88))
elif attack == "io_uring":
    r = sc(425, 4, addr(args))
elif attack == "undumpable":
    r = sc(157, 4, 0, 0, 0, 0)
elif attack in ("setown", "setown_ex", "fiosetown"):  # the target owns a file: a write sends it SIGIO
    if attack == "fiosetown":
        mine, other = socket.socketpair()
        def own():
            fcntl.ioctl(mine.fileno(), 0x8901, struct.pack("i", target))  # FIOSETOWN
        fd = mine.fileno()
        def poke():
            other.send(b"x")
    else:
        fd, w = os.pipe()
        def own():
            if attack == "setown":
                fcntl.fcntl(fd, fcntl.F_SETOWN, target)
            else:
                fcntl.fcntl(fd, 15, struct.pack("ii", 1, target))  # F_SETOWN_EX, F_OWNER_PID
        def poke():
            os.write(w, b"x")
    r = oserror(own)
    if r[0] == 0:
        fcntl.fcntl(fd, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
        poke()
        time.sleep(0.2)
elif attack == "renice_threads":  # the lowest priority for each thread of the target in turn
    r = every_thread(lambda tid: sc(141, 0, tid, 19))  # setpriority(PRIO_PROCESS, tid, 19)
elif attack == "renice_user_ns":  # every process of the target's user, by the number a namespace gives it
    r = in_user_namespace(lambda: sc(141, 2, 5, 19))  # setpriority(PRIO_USER, 5, 19)
elif attack == "ioprio_user_ns":  # the same for the I/O class: idle
    r = in_user_namespace(lambda: sc(251, 3, 5, 3 << 13))  # ioprio_set(IOPRIO_WHO_USER, 5, IOPRIO_CLASS_IDLE)
elif attack == "affinity_threads":  # each thread of the target pinned to CPU 0 in turn
    mask = ctypes.c_uint64(1)
    r = every_thread(lambda tid: sc(203, tid, 8, addr(mask)))  # sched_setaffinity
elif attack == "setown_threads":  # each thread of the target in turn owns a pipe; a write sends SIGIO
    fd, w = os.pipe()
    def own(tid):
        r = oserror(lambda: fcntl.fcntl(fd, fcntl.F_SETOWN, tid))
        if r[0] == 0:
            fcntl.fcntl(fd, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
            os.write(w, b"x")
            time.sleep(0.2)
        return r
    r = every_thread(own)
elif attack == "tiocsti":  # types a command into the terminal, for the shell to run after the run (needs a tty)
    def type_in():
        for ch in b"echo typed-by-the-program\n":
            fcntl.ioctl(0, termios.TIOCSTI, bytes([ch]))
    r = oserror(type_in)
else:
    sys.exit("unknown attack " + attack)
report(*r)
if where == "child":
    os.kill(target, signal.SIGKILL)
    os.waitpid(target, 0)
try:
    with open(secret) as f:
        print("SECRET " + f.read(), flush=True)
except OSError as ex:
    print("SECRET denied errno=%d" % ex.errno, flush=True)
