package dev.seccheck.sentry.syscalls;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CREAT;
import static dev.seccheck.abi.Fcntl.O_TMPFILE;
import static dev.seccheck.abi.Fcntl.O_TRUNC;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import static dev.seccheck.sentry.syscalls.Call.setIfNotNull;

import com.google.protobuf.Message;
import dev.seccheck.abi.Mman;
import dev.seccheck.proto.syscall.Chdir;
import dev.seccheck.proto.syscall.Chroot;
import dev.seccheck.proto.syscall.Close;
import dev.seccheck.proto.syscall.Dup;
import dev.seccheck.proto.syscall.Fcntl;
import dev.seccheck.proto.syscall.Mmap;
import dev.seccheck.proto.syscall.Open;

/** FileCalls decodes the syscalls about paths and plain file descriptors. */
final class FileCalls {
    private FileCalls() {}

    /**
     * open(pathname, flags, mode): reports the implicit directory AT_FDCWD and, as gVisor does
     * for open (unlike openat), the mode register whatever the flags.
     */
    static Message open(Call c) {
        var b = c.fdHead(Open.newBuilder(), Header.OPEN, AT_FDCWD);
        setIfNotNull(c.path(c.arg(1)), b::setPathname);
        b.setFlags(c.intArg(2));
        b.setMode(c.intArg(3));
        return b.build();
    }

    /** openat(dirfd, pathname, flags, mode). */
    static Message openat(Call c) {
        var b = c.fdHead(Open.newBuilder(), Header.OPEN, c.intArg(1));
        setIfNotNull(c.path(c.arg(2)), b::setPathname);
        int flags = c.intArg(3);
        b.setFlags(flags);
        if (createsFile(flags)) {
            b.setMode(c.intArg(4));
        }
        return b.build();
    }

    /** creat(pathname, mode) is open(pathname, O_CREAT|O_WRONLY|O_TRUNC, mode). */
    static Message creat(Call c) {
        var b = c.fdHead(Open.newBuilder(), Header.OPEN, AT_FDCWD);
        setIfNotNull(c.path(c.arg(1)), b::setPathname);
        b.setFlags(O_CREAT | O_WRONLY | O_TRUNC);
        b.setMode(c.intArg(2));
        return b.build();
    }

    /** openat's mode register means something only when the call may create a file. */
    private static boolean createsFile(int flags) {
        return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
    }

    static Message close(Call c) {
        return c.fdHead(Close.newBuilder(), Header.CLOSE, c.intArg(1)).build();
    }

    /** mmap(addr, length, prot, flags, fd, offset); fd_path only for a file-backed mapping. */
    static Message mmap(Call c) {
        int flags = c.intArg(4);
        int fd = c.intArg(5);
        var b = c.head(Mmap.newBuilder(), Header.MMAP)
            .setAddr(c.arg(1))
            .setLength(c.arg(2))
            .setProt(c.intArg(3))
            .setFlags(flags)
            .setFd(fd)
            .setOffset(c.arg(6));
        if ((flags & Mman.MAP_ANONYMOUS) == 0) {
            setIfNotNull(c.fdPath(fd), b::setFdPath);
        }
        return b.build();
    }

    /** fcntl(fd, cmd, arg): the third argument is passed through whatever cmd makes of it. */
    static Message fcntl(Call c) {
        return c.fdHead(Fcntl.newBuilder(), Header.FCNTL, c.intArg(1)).setCmd(c.intArg(2)).setArgs(c.arg(3)).build();
    }

    /** dup(oldfd): the new fd is only known from the result. */
    static Message dup(Call c) {
        int oldFd = c.intArg(1);
        var b = c.head(Dup.newBuilder(), Header.DUP).setOldFd(oldFd);
        if (c.succeeded()) {
            b.setNewFd((int) c.ev.result());
        }
        setIfNotNull(c.fdPath(oldFd), b::setFdPath);
        return b.build();
    }

    /** dup2(oldfd, newfd) and dup3(oldfd, newfd, flags). */
    static Message dup2or3(Call c, boolean hasFlags) {
        int oldFd = c.intArg(1);
        var b = c.head(Dup.newBuilder(), Header.DUP).setOldFd(oldFd).setNewFd(c.intArg(2));
        if (hasFlags) {
            b.setFlags(c.intArg(3));
        }
        setIfNotNull(c.fdPath(oldFd), b::setFdPath);
        return b.build();
    }

    /** chdir(pathname): like gVisor, fd is the implicit AT_FDCWD. */
    static Message chdir(Call c) {
        var b = c.fdHead(Chdir.newBuilder(), Header.CHDIR, AT_FDCWD);
        setIfNotNull(c.path(c.arg(1)), b::setPathname);
        return b.build();
    }

    static Message fchdir(Call c) {
        return c.fdHead(Chdir.newBuilder(), Header.CHDIR, c.intArg(1)).build();
    }

    static Message chroot(Call c) {
        var b = c.head(Chroot.newBuilder(), Header.CHROOT);
        setIfNotNull(c.path(c.arg(1)), b::setPathname);
        return b.build();
    }
}
