package dev.seccheck.format;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.sink.CallStrings;
import java.util.Map;

/**
 * RawCalls prints the arguments of the syscalls gVisor reports only as registers (its raw
 * {@code syscall/sysno/N} message: six numbers) as strace prints them: as many as the call
 * takes, descriptors and {@code AT_FDCWD}, modes in octal, flags by name, and the paths they
 * point to, read from the task while its point fires ({@link CallStrings}; a pointer in hex where
 * no task can be read, as for a stream received from another process). A syscall not listed here
 * keeps its six registers in hex.
 *
 * <p>Each signature is a string with one letter per argument: {@code f} a descriptor, {@code d}
 * a directory descriptor, {@code s} a string, {@code i} an int, {@code l} a signed long,
 * {@code u} an unsigned long, {@code x} a pointer or bits in hex, {@code o} a mode, {@code a}
 * access's mode, {@code O} open's flags, {@code t} the *at flags, {@code r} unlinkat's
 * (AT_REMOVEDIR), {@code e} faccessat2's (AT_EACCESS), {@code g} a signal, {@code m} send and
 * receive flags ({@code MSG_*}), {@code c} and {@code C} seccomp's operation and filter flags.
 */
public final class RawCalls {
    private RawCalls() {}

    /** The most bytes of a path read for a line (PATH_MAX): the line itself is cut at the sink's limit. */
    private static final int PATH_MAX = 4096;

    private static final Map<String, String> BY_NAME = Map.<String, String>ofEntries(
            Map.entry("stat", "sx"), Map.entry("lstat", "sx"), Map.entry("fstat", "fx"), Map.entry("newfstatat", "dsxt"),
            Map.entry("statx", "dstxx"), Map.entry("access", "sa"), Map.entry("faccessat", "dsa"),
            Map.entry("faccessat2", "dsae"), Map.entry("mkdir", "so"), Map.entry("mkdirat", "dso"), Map.entry("rmdir", "s"),
            Map.entry("unlink", "s"), Map.entry("unlinkat", "dsr"), Map.entry("rename", "ss"), Map.entry("renameat", "dsds"),
            Map.entry("renameat2", "dsdsx"), Map.entry("link", "ss"), Map.entry("linkat", "dsdst"), Map.entry("symlink", "ss"),
            Map.entry("symlinkat", "sds"), Map.entry("readlink", "sxu"), Map.entry("readlinkat", "dsxu"),
            Map.entry("chmod", "so"), Map.entry("fchmodat", "dso"), Map.entry("fchmod", "fo"), Map.entry("chown", "sii"),
            Map.entry("lchown", "sii"), Map.entry("fchownat", "dsiit"), Map.entry("fchown", "fii"),
            Map.entry("truncate", "sl"), Map.entry("ftruncate", "fl"), Map.entry("utime", "sx"), Map.entry("utimes", "sx"),
            Map.entry("utimensat", "dsxt"), Map.entry("futimesat", "dsx"), Map.entry("mknod", "sox"),
            Map.entry("mknodat", "dsox"), Map.entry("statfs", "sx"), Map.entry("fstatfs", "fx"),
            Map.entry("getxattr", "ssxu"), Map.entry("lgetxattr", "ssxu"), Map.entry("fgetxattr", "fsxu"),
            Map.entry("setxattr", "ssxui"), Map.entry("lsetxattr", "ssxui"), Map.entry("fsetxattr", "fsxui"),
            Map.entry("listxattr", "sxu"), Map.entry("llistxattr", "sxu"), Map.entry("flistxattr", "fxu"),
            Map.entry("removexattr", "ss"), Map.entry("lremovexattr", "ss"), Map.entry("fremovexattr", "fs"),
            Map.entry("openat2", "dsxu"), Map.entry("name_to_handle_at", "dsxxt"), Map.entry("mount", "sssxx"),
            Map.entry("umount2", "si"), Map.entry("swapon", "si"), Map.entry("swapoff", "s"), Map.entry("pivot_root", "ss"),
            Map.entry("acct", "s"), Map.entry("getcwd", "xu"), Map.entry("lseek", "fli"), Map.entry("fsync", "f"),
            Map.entry("fdatasync", "f"), Map.entry("flock", "fi"), Map.entry("getdents64", "fxu"), Map.entry("ioctl", "fxx"),
            Map.entry("sendfile", "ffxu"), Map.entry("kill", "ig"), Map.entry("tkill", "ig"), Map.entry("tgkill", "iig"),
            Map.entry("exit", "i"), Map.entry("exit_group", "i"), Map.entry("wait4", "ixix"), Map.entry("munmap", "xu"),
            Map.entry("mprotect", "xux"), Map.entry("brk", "x"), Map.entry("madvise", "xui"), Map.entry("umask", "o"),
            Map.entry("getpid", ""), Map.entry("getppid", ""), Map.entry("getuid", ""), Map.entry("geteuid", ""),
            Map.entry("getgid", ""), Map.entry("getegid", ""), Map.entry("gettid", ""), Map.entry("getpgrp", ""),
            Map.entry("sched_yield", ""), Map.entry("pause", ""), Map.entry("sync", ""), Map.entry("uname", "x"),
            Map.entry("sysinfo", "x"), Map.entry("alarm", "u"), Map.entry("nanosleep", "xx"), Map.entry("getrandom", "xux"),
            Map.entry("set_tid_address", "x"), Map.entry("setpgid", "ii"), Map.entry("getpgid", "i"),
            Map.entry("getsid", "i"), Map.entry("unshare", "x"), Map.entry("setns", "fx"), Map.entry("arch_prctl", "xx"),
            Map.entry("close_range", "iix"), Map.entry("inotify_rm_watch", "fi"), Map.entry("chroot", "s"),
            Map.entry("sendto", "fxumxu"), Map.entry("recvfrom", "fxumxx"), Map.entry("sendmsg", "fxm"),
            Map.entry("recvmsg", "fxm"), Map.entry("sendmmsg", "fxum"), Map.entry("recvmmsg", "fxumx"),
            Map.entry("shutdown", "fi"), Map.entry("getsockname", "fxx"), Map.entry("getpeername", "fxx"),
            Map.entry("setsockopt", "fiixu"), Map.entry("getsockopt", "fiixx"), Map.entry("seccomp", "cCx"),
            // Raw points of the calls gVisor also has messages for (a session may enable both).
            Map.entry("open", "sOo"), Map.entry("openat", "dsOo"), Map.entry("creat", "so"), Map.entry("read", "fxu"),
            Map.entry("write", "fxu"), Map.entry("close", "f"), Map.entry("pread64", "fxul"),
            Map.entry("pwrite64", "fxul"), Map.entry("dup", "f"), Map.entry("dup2", "ff"), Map.entry("dup3", "ffx"),
            Map.entry("chdir", "s"), Map.entry("fchdir", "f"), Map.entry("execve", "sxx"));

    /** Signatures by syscall number; null where a call is not listed. */
    private static final String[] SIGNATURES = new String[Sysno.MAX];

    static {
        BY_NAME.forEach((name, signature) -> SIGNATURES[Sysno.byName(name).orElseThrow(
                () -> new IllegalStateException("no syscall named " + name))] = signature);
    }

    /** Returns the signature of syscall {@code nr} (one letter per argument), or null when it is not listed. */
    public static String signature(int nr) {
        return nr >= 0 && nr < SIGNATURES.length ? SIGNATURES[nr] : null;
    }

    /**
     * Appends the arguments of raw syscall {@code nr} with registers {@code args} (six of them),
     * strings cut after {@code limit} characters.
     */
    public static void args(StringBuilder sb, int nr, long[] args, int limit) {
        String signature = signature(nr);
        if (signature == null) {
            for (int i = 0; i < args.length; i++) {
                sb.append(i > 0 ? ", " : "").append("0x").append(Long.toHexString(args[i]));
            }
            return;
        }
        CallStrings strings = CallStrings.current();
        for (int i = 0; i < signature.length(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            arg(sb, signature.charAt(i), args[i], strings, limit);
        }
    }

    private static void arg(StringBuilder sb, char kind, long v, CallStrings strings, int limit) {
        switch (kind) {
            case 'd' -> {
                if ((int) v == Fcntl.AT_FDCWD) {
                    sb.append("AT_FDCWD");
                } else {
                    sb.append((int) v);
                }
            }
            case 'f', 'i' -> sb.append((int) v);
            case 'l' -> sb.append(v);
            case 'u' -> sb.append(Long.toUnsignedString(v));
            case 'o' -> sb.append(Flags.mode(v));
            case 'a' -> sb.append(Flags.access(v));
            case 'O' -> sb.append(Flags.open(v));
            case 't' -> sb.append(Flags.at(v, null));
            case 'r' -> sb.append(Flags.at(v, "AT_REMOVEDIR"));
            case 'e' -> sb.append(Flags.at(v, "AT_EACCESS"));
            case 'g' -> sb.append(v == 0 ? "0" : Signal.name((int) v));
            case 'm' -> sb.append(Flags.message(v));
            case 'c' -> sb.append(Flags.seccompOp(v));
            case 'C' -> sb.append(Flags.seccompFlags(v));
            case 's' -> string(sb, v, strings, limit);
            default -> pointer(sb, v);
        }
    }

    private static void string(StringBuilder sb, long addr, CallStrings strings, int limit) {
        String s = addr == 0 || strings == null ? null : strings.string(addr, PATH_MAX);
        if (s == null) {
            pointer(sb, addr);
        } else {
            Escape.quoted(sb, s, limit);
        }
    }

    private static void pointer(StringBuilder sb, long v) {
        if (v == 0) {
            sb.append("NULL");
        } else {
            sb.append("0x").append(Long.toHexString(v));
        }
    }
}
