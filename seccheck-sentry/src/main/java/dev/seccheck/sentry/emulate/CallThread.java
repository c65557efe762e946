package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.ThreadCredentials;
import dev.seccheck.linux.ThreadStarts;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * CallThread makes one call for a task from a platform thread made for it, for what the kernel
 * takes from the calling thread's place rather than from the call (its namespaces, its devices
 * cgroup): the thread takes seccheck's credentials back (its creator may hold a program's at that
 * moment), gets an fs_struct of its own (a umask it takes stays its own), moves where the task is,
 * takes the program's identity, makes the call and ends, while the caller waits. No thread of
 * seccheck's stays moved.
 */
final class CallThread {
    private CallThread() {}

    /** What a move that cannot be made answers. */
    static final int REFUSED = -Errno.EPERM;

    /**
     * The result of {@code call} made as {@code who} on a new thread named {@code name} once
     * {@code move} (0 or -errno) put it in place; -errno when it could not be, -EAGAIN when the
     * kernel refused the thread ({@link ThreadStarts}).
     */
    static int run(String name, Identity.Own own, Identity who, IntSupplier move, IntSupplier call) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> {
            try {
                own.reclaim();
                long r = ThreadCredentials.unshareFs();
                if (r == 0) {
                    r = move.getAsInt();
                }
                if (r < 0) {
                    done.complete((int) r);
                    return;
                }
                try (Identity.Assumed _ = who.assume(own)) {
                    done.complete(call.getAsInt());
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        if (!ThreadStarts.tryStart(thread::start)) {
            return -Errno.EAGAIN;
        }
        return Uninterruptibly.get(done);
    }
}
