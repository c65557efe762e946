package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.CloneFlags;
import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.ThreadNamespaces;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * TunDevice opens {@code /dev/net/tun} for the program. The kernel attaches a tun file to the
 * opener's network namespace, where TUNSETIFF then makes (or finds) its interface: opened by
 * seccheck, that is seccheck's, the host's, whatever the program's is. A root program in a network
 * namespace of its own ({@code unshare -n}, a container) made an interface in the host's network
 * through it, out of the isolation it had natively. So a task in another network namespace than
 * seccheck's gets its tun file opened by a thread of seccheck's that has joined that namespace
 * (setns, which needs CAP_SYS_ADMIN over both: seccheck as root). Unprivileged, or for a task
 * confined with Landlock (whose calls are made on threads of its domain), the open is refused with
 * EPERM and a line: never attached to the wrong network.
 */
final class TunDevice {

    /** /dev/net/tun's device number, 10:200. */
    static final long DEV_TUN = PathCalls.encode(10, 200);

    private final PathCalls calls;
    private final Identity.Own own;
    private final LandlockDomains landlock;
    private final Consumer<String> log;

    TunDevice(PathCalls calls, Identity.Own own, LandlockDomains landlock, Consumer<String> log) {
        this.calls = calls;
        this.own = own;
        this.landlock = landlock;
        this.log = log;
    }

    /** Whether a file the walk reached is /dev/net/tun, under whatever name. */
    static boolean is(PathCalls.Stat st) {
        return st != null && st.isCharDevice() && st.rdev() == DEV_TUN;
    }

    /**
     * Opens for task {@code tid} what its own open would: {@code asProgram} when the task is in
     * seccheck's network namespace, else {@code open} on a thread that joined the task's, as
     * {@code who}: our fd, or -errno.
     */
    int open(int tid, Identity who, IntSupplier open, IntSupplier asProgram) {
        String theirs = calls.readlinkat(AT_FDCWD, "/proc/" + tid + "/ns/net");
        String ours = calls.readlinkat(AT_FDCWD, "/proc/thread-self/ns/net");
        if (theirs == null) {
            return -Errno.ESRCH;
        }
        if (theirs.equals(ours)) {
            return asProgram.getAsInt();
        }
        if (!own.privileged() || landlock.confines(tid)) {
            log.accept("seccheck: refused openat from task " + tid + " (" + Procfs.comm(tid) + "): /dev/net/tun would"
                    + " be attached to seccheck's network namespace, not the task's, which seccheck cannot join"
                    + (own.privileged() ? " on a thread of the task's Landlock domain" : " without privilege") + " (EPERM)");
            return -Errno.EPERM;
        }
        int ns = calls.openat(AT_FDCWD, "/proc/" + tid + "/ns/net", O_RDONLY | O_CLOEXEC);
        if (ns < 0) {
            return -Errno.ESRCH;
        }
        // A thread of its own, which ends in that namespace: no thread of seccheck's is left in another.
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("seccheck-tun").start(() -> {
            try {
                long r = ThreadNamespaces.join(ns, CloneFlags.CLONE_NEWNET);
                if (r < 0) {
                    done.complete((int) r);
                    return;
                }
                try (Identity.Assumed _ = who.assume(own)) {
                    done.complete(open.getAsInt());
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get(); // the fd is ours to answer with, whatever interrupts this thread
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            PathCalls.close(ns);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
