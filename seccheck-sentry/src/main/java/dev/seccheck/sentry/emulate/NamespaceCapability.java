package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.NamespaceFiles;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * NamespaceCapability is the kernel's answer to "which capabilities do these credentials hold over
 * a namespace owned by this user namespace" ({@code cap_capable}), asked of nsfs files: walking up
 * from the owning user namespace, the credentials' own user namespace gives their effective set;
 * a namespace right below it whose owner is their effective uid gives every capability (its
 * maker owns it, whatever its effective set); reaching neither gives none. The same walk answers
 * for a program's thread (its namespace, euid and effective set) and for seccheck's thread that
 * calls for it (seccheck's namespace, the euid it takes): where the two differ, a call seccheck
 * makes would be checked otherwise than natively.
 */
public final class NamespaceCapability {
    private NamespaceCapability() {}

    /**
     * Every capability this kernel has ({@code /proc/sys/kernel/cap_last_cap}): what the maker of a
     * namespace holds over it, and what a process given all of them has in its CapEff. Not every
     * bit: a program holding every capability would otherwise lack the bits no capability has.
     */
    static final long ALL = known();
    /** How far up the walk looks: the kernel nests user namespaces at most 32 deep. */
    private static final int MAX_DEPTH = 33;

    private static long known() {
        try {
            // Read whole in one read: Files.readString reads a sysctl's first byte alone, and the
            // kernel's integer sysctls answer a read past the start with nothing ("4" for "40").
            int last = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).getFirst().strip());
            return last >= 63 ? -1L : (1L << (last + 1)) - 1;
        } catch (IOException | RuntimeException e) {
            return -1L; // every bit: a program then never holds them all, and a call is refused rather than let through
        }
    }

    /**
     * The capabilities held over what user namespace {@code owner} owns (an fd, closed here; a
     * negative one gives none) by credentials in the user namespace of nsfs inode {@code credNs},
     * with effective uid {@code euid} (as seccheck's namespace maps it) and effective set
     * {@code effective}: {@code effective}, {@link #ALL} or 0.
     */
    public static long held(PathCalls calls, int owner, long credNs, long euid, long effective) {
        int at = owner;
        try {
            for (int depth = 0; at >= 0 && depth < MAX_DEPTH; depth++) {
                if (inode(calls, at) == credNs) {
                    return effective;
                }
                int parent = NamespaceFiles.parent(at);
                if (parent >= 0 && inode(calls, parent) == credNs) {
                    long maker = NamespaceFiles.ownerUid(at);
                    PathCalls.close(parent);
                    return maker >= 0 && maker == euid ? ALL : 0;
                }
                PathCalls.close(at);
                at = parent;
            }
            return 0;
        } finally {
            if (at >= 0) {
                PathCalls.close(at);
            }
        }
    }

    /**
     * Of the capabilities {@code checked}, those that seccheck's thread, calling with effective uid
     * {@code threadEuid} and effective set {@code threadCaps} from seccheck's user namespace (of
     * inode {@code ownNs}), would hold over what the user namespace {@code owner} opens owns, and
     * task {@code tid} lacks there. {@code owner} is called once per side (each walk closes its fd);
     * a namespace that cannot be opened gives none to either. A task whose ids, capabilities or
     * namespace cannot be read is taken to hold none. The task's status, its user namespace and
     * the walks' ioctls: paid only where a check may differ (not measured).
     */
    static long lacking(PathCalls calls, TaskFiles tasks, int tid, IntSupplier owner, long ownNs, long threadEuid,
            long threadCaps, long checked) {
        long thread = held(calls, owner.getAsInt(), ownNs, threadEuid, threadCaps);
        if ((thread & checked) == 0) {
            return 0;
        }
        int user = -1;
        try {
            int len = tasks.readStatus(tid);
            long[] uid = len < 0 ? null : Procfs.numbers(tasks.status(), len, "Uid:", 10);
            user = calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/user", O_RDONLY | O_CLOEXEC);
            long taskNs = inode(calls, user);
            if (uid == null || uid.length < 2 || taskNs < 0) {
                return thread & checked; // unknown: taken to hold none
            }
            long effective = Procfs.hex(tasks.status(), len, "CapEff:").orElse(0);
            long task = held(calls, owner.getAsInt(), taskNs, uid[1], effective);
            return thread & checked & ~task;
        } finally {
            if (user >= 0) {
                PathCalls.close(user);
            }
        }
    }

    /** The nsfs inode of namespace fd {@code fd} (left open), -1 when {@code fd} is an error or cannot be stat'ed. */
    static long inode(PathCalls calls, int fd) {
        if (fd < 0) {
            return -1;
        }
        PathCalls.Stat st = calls.fstat(fd);
        return st == null ? -1 : st.ino();
    }
}
