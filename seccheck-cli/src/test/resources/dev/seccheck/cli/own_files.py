"""A program that tries to write into a file by every route that reaches it by name.

Usage: own_files.py native|supervised FILE SCRATCH_DIR

Under seccheck, FILE is one of the jars seccheck runs from; natively it is the same jar, and each
route writes into a copy of its own made in SCRATCH_DIR (so the native run shows the route works).
Prints one line per route: "ROUTE <name> wrote" or "ROUTE <name> errno=<n>", then "SCRATCH ok" if
a file of the program's own can still be written, then "CASE <name> <result>" for opens that
could write and truncates of the program's own files, whose results must be the same natively and
under seccheck (which performs those calls itself while its own files are within reach).
"""

import ctypes
import os
import shutil
import struct
import sys

mode, target, scratch = sys.argv[1:4]
MARK = b"written by own_files.py"
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_OPENAT2 = 437
AT_FDCWD = -100


def checked(r):
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def append(fd):
    os.lseek(fd, 0, os.SEEK_END)
    os.write(fd, MARK)
    os.close(fd)


def open_rdwr(p):
    append(os.open(p, os.O_RDWR))


def open_wronly_append(p):
    append(os.open(p, os.O_WRONLY | os.O_APPEND))


def rdonly_trunc(p):
    # Linux truncates even when the file is opened read-only.
    os.close(os.open(p, os.O_RDONLY | os.O_TRUNC))


def creat(p):
    os.close(checked(libc.creat(p.encode(), 0o644)))


def openat2(p):
    how = struct.pack("QQQ", os.O_RDWR, 0, 0)
    append(checked(libc.syscall(SYS_OPENAT2, AT_FDCWD, p.encode(), how, len(how))))


def dirfd_relative(p):
    d = os.open(os.path.dirname(p), os.O_RDONLY | os.O_DIRECTORY)
    try:
        append(os.open(os.path.basename(p), os.O_RDWR, dir_fd=d))
    finally:
        os.close(d)


def proc_self_fd(p):
    ro = os.open(p, os.O_RDONLY)
    try:
        append(os.open("/proc/self/fd/%d" % ro, os.O_RDWR))
    finally:
        os.close(ro)


def proc_self_root(p):
    append(os.open("/proc/self/root" + p, os.O_RDWR))


def hard_link(p):
    link = os.path.join(scratch, "hard-" + os.path.basename(p) + "-" + mode)
    os.link(p, link)
    append(os.open(link, os.O_RDWR))


def symlink(p):
    link = os.path.join(scratch, "sym-" + os.path.basename(p) + "-" + mode)
    os.symlink(p, link)
    append(os.open(link, os.O_RDWR))


def truncate(p):
    os.truncate(p, os.path.getsize(p) - 1)


ROUTES = [open_rdwr, open_wronly_append, rdonly_trunc, creat, openat2, dirfd_relative, proc_self_fd,
          proc_self_root, hard_link, symlink, truncate]

for route in ROUTES:
    victim = target
    if mode == "native":
        victim = os.path.join(scratch, route.__name__ + ".jar")
        shutil.copyfile(target, victim)
    try:
        route(victim)
        print("ROUTE", route.__name__, "wrote", flush=True)
    except OSError as e:
        print("ROUTE", route.__name__, "errno=%d" % e.errno, flush=True)

mine = os.path.join(scratch, "mine-" + mode)
with open(mine, "wb") as f:
    f.write(MARK)
os.truncate(mine, 1)
print("SCRATCH ok", flush=True)

conf = os.path.join(scratch, "conf-" + mode)
os.mkdir(conf)
os.chdir(conf)
# Not seccheck's own umask (022), so that a creation made with the wrong one shows.
os.umask(0o027)
with open("file", "wb") as f:
    f.write(b"0123456789")
with open("readonly", "wb") as f:
    f.write(b"0123456789")
os.chmod("readonly", 0o444)
os.symlink("file", "link")
os.mkdir("dir")
os.mkfifo("fifo")


def case(name, f):
    try:
        r = f()
        print("CASE", name, "ok" if r is None else "ok " + str(r), flush=True)
    except OSError as e:
        print("CASE", name, "errno=%d" % e.errno, flush=True)


def opened(path, flags, mode=0o666):
    fd = os.open(path, flags, mode)
    st = os.fstat(fd)
    os.close(fd)
    return "size=%d mode=%o" % (st.st_size, st.st_mode & 0o7777)


case("truncate_shorter", lambda: (os.truncate("file", 3), os.path.getsize("file"))[1])
case("truncate_longer", lambda: (os.truncate("file", 20), os.path.getsize("file"))[1])
case("truncate_through_symlink", lambda: (os.truncate(os.path.join(conf, "link"), 5), os.path.getsize("file"))[1])
case("truncate_directory", lambda: os.truncate("dir", 0))
case("truncate_missing", lambda: os.truncate("missing", 0))
case("truncate_trailing_slash", lambda: os.truncate("file/", 0))
case("truncate_fifo", lambda: os.truncate("fifo", 0))
case("truncate_readonly", lambda: os.truncate("readonly", 0))
case("truncate_negative", lambda: os.truncate("file", -1))
case("truncate_missing_negative", lambda: os.truncate("missing", -1))
case("truncate_empty_path", lambda: os.truncate("", 0))
case("open_wronly_directory", lambda: opened("dir", os.O_WRONLY))
case("open_rdwr_readonly", lambda: opened("readonly", os.O_RDWR))
case("open_wronly_fifo_no_reader", lambda: opened("fifo", os.O_WRONLY | os.O_NONBLOCK))
case("open_excl_existing", lambda: opened("file", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
case("open_create_mode", lambda: opened("new", os.O_RDWR | os.O_CREAT, 0o666))
case("open_trunc", lambda: opened("file", os.O_WRONLY | os.O_TRUNC))
case("open_tmpfile", lambda: opened(".", os.O_RDWR | os.O_TMPFILE, 0o666))
case("openat2_no_symlinks", lambda: os.close(checked(libc.syscall(
    SYS_OPENAT2, AT_FDCWD, b"link", struct.pack("QQQ", os.O_RDWR, 0, 0x04), 24))))
