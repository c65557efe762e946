package dev.seccheck.sentry.syscalls;

import static dev.seccheck.sentry.syscalls.Call.setIfNotNull;

import com.google.protobuf.Message;
import dev.seccheck.abi.CloneFlags;
import dev.seccheck.proto.syscall.Clone;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Fork;
import dev.seccheck.proto.syscall.Prlimit;
import dev.seccheck.proto.syscall.Ptrace;
import dev.seccheck.proto.syscall.Setid;
import dev.seccheck.proto.syscall.Setresid;
import dev.seccheck.proto.syscall.StructRlimit;

/** ProcessCalls decodes the syscalls that create, replace or re-credential a process. */
final class ProcessCalls {
    private ProcessCalls() {}

    /**
     * clone(flags, stack, parent_tid, child_tid, tls) in x86-64 argument order. new_tid is what
     * gVisor reports: the word at parent_tid, which holds the new tid when CLONE_PARENT_SETTID is
     * set (glibc's pthread_create) and nothing when parent_tid is NULL (glibc's fork). It is read
     * only at the exit of a call that succeeded: before the call the kernel has not written it.
     * With CLONE_PARENT_SETTID the word is the call's result, taken from there: glibc's threads
     * also pass that word as child_tid with CLONE_CHILD_CLEARTID, so a thread that ends before
     * the exit stop is served has zeroed it (gVisor reads it at once, seccheck a stop later).
     */
    static Message clone(Call c) {
        var b = c.head(Clone.newBuilder(), Header.CLONE).setFlags(c.arg(1)).setStack(c.arg(2)).setTls(c.arg(5));
        if (c.succeeded() && (c.arg(1) & CloneFlags.CLONE_PARENT_SETTID) != 0 && c.arg(3) != 0) {
            b.setNewTid(c.ev.result());
        } else if (c.succeeded()) {
            int[] tid = c.ints(c.arg(3), 1);
            if (tid != null) {
                b.setNewTid(Integer.toUnsignedLong(tid[0]));
            }
        }
        return b.build();
    }

    /** fork and vfork carry nothing but context and exit. */
    static Message fork(Call c) {
        return c.head(Fork.newBuilder(), Header.FORK).build();
    }

    /**
     * execve(pathname, argv, envp). After a successful exec the pointers point into an address
     * space that no longer exists; reading the new one would report whatever lies there, so
     * such an exit carries no pathname, argv or envv (see {@link SyscallDecoder#completeAtExit}).
     */
    static Message execve(Call c) {
        return execArgs(c, c.head(Execve.newBuilder(), Header.EXECVE), 1);
    }

    /** execveat(dirfd, pathname, argv, envp, flags); a successful exit reads nothing, as for execve. */
    static Message execveat(Call c) {
        int dirfd = c.intArg(1);
        var b = c.head(Execve.newBuilder(), Header.EXECVE).setFd(dirfd).setFlags(c.intArg(5));
        if (!c.succeeded()) {
            setIfNotNull(c.fdPath(dirfd), b::setFdPath);
        }
        return execArgs(c, b, 2);
    }

    /**
     * Adds pathname, argv and (when asked for) envv, read from the three arguments starting at
     * {@code pathnameArg}, unless this is the exit of an exec that succeeded: the pointers then
     * point into the old address space.
     */
    private static Message execArgs(Call c, Execve.Builder b, int pathnameArg) {
        if (c.succeeded()) {
            return b.build();
        }
        setIfNotNull(c.path(c.arg(pathnameArg)), b::setPathname);
        // A vector cut short is said, so that a rule on it is decided by on_missing, not by the part read.
        StringVector.Strings argv = StringVector.read(c.mem, c.arg(pathnameArg + 1));
        b.addAllArgv(argv.strings());
        if (argv.cut() != null) {
            c.missing = c.missing.with("argv", argv.cut());
        }
        if (c.envv) {
            StringVector.Strings envv = StringVector.read(c.mem, c.arg(pathnameArg + 2), Abi.EXEC_MAX_ELEMENT,
                    Abi.EXEC_MAX_TOTAL - argv.bytes());
            b.addAllEnvv(envv.strings());
            if (envv.cut() != null) {
                c.missing = c.missing.with("envv", envv.cut());
            }
        }
        return b.build();
    }

    /** ptrace(request, pid, addr, data). */
    static Message ptrace(Call c) {
        return c.head(Ptrace.newBuilder(), Header.PTRACE).setRequest(c.arg(1)).setPid(c.intArg(2)).build();
    }

    /** setuid(id) and setgid(id). */
    static Message setid(Call c) {
        return c.head(Setid.newBuilder(), Header.SETID).setId(c.intArg(1)).build();
    }

    /** setsid() has no argument: the message holds only context and exit. */
    static Message setsid(Call c) {
        return c.head(Setid.newBuilder(), Header.SETID).build();
    }

    /** setresuid(r, e, s) and setresgid(r, e, s). */
    static Message setresid(Call c) {
        return c.head(Setresid.newBuilder(), Header.SETRESID)
            .setRid(c.intArg(1)).setEid(c.intArg(2)).setSid(c.intArg(3))
            .build();
    }

    /**
     * prlimit64(pid, resource, new_limit, old_limit): the new limit is the caller's input, the
     * old one exists only after a successful call.
     */
    static Message prlimit64(Call c) {
        var b = c.head(Prlimit.newBuilder(), Header.PRLIMIT).setPid(c.intArg(1)).setResource(c.arg(2));
        setIfNotNull(rlimit(c, c.arg(3)), b::setNewLimit);
        if (c.succeeded()) {
            setIfNotNull(rlimit(c, c.arg(4)), b::setOldLimit);
        }
        return b.build();
    }

    private static StructRlimit rlimit(Call c, long addr) {
        long[] v = c.longs(addr, 2);
        return v == null ? null : StructRlimit.newBuilder().setCur(v[0]).setMax(v[1]).build();
    }
}
