package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * ThreadIds reads one thread's fsuid and fsgid, not its process's, as they are at the read; a
 * pidfd of a thread that has exited fails with ESRCH.
 */
class ThreadIdsTest {

    @Test
    void aThreadsOwnIdsAreReadAsTheyAreNow() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "changing a thread's fsuid to 4242 needs root");
        ThreadIds ids = new ThreadIds();
        AtomicInteger tid = new AtomicInteger();
        CountDownLatch changed = new CountDownLatch(1);
        CountDownLatch read = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                tid.set(Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString()));
                ThreadCredentials.setfsgid(4343);
                ThreadCredentials.setfsuid(4242);
                changed.countDown();
                read.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(changed.await(10, TimeUnit.SECONDS)).isTrue();
        int thread = ThreadIds.openThread(tid.get());
        int process = ThreadIds.openThread((int) ProcessHandle.current().pid());
        try {
            Assumptions.assumeTrue(thread >= 0, "thread pidfds need Linux 6.9");
            int r = ids.read(thread);
            Assumptions.assumeFalse(r == -Errno.ENOTTY || r == -Errno.EINVAL, "PIDFD_GET_INFO needs Linux 6.13");
            assertThat(r).isZero();
            assertThat(ids.fsuid()).isEqualTo(4242);
            assertThat(ids.fsgid()).isEqualTo(4343);
            assertThat(ids.read(process)).isZero();
            assertThat(ids.fsuid()).as("the main thread's, unchanged").isZero();
            read.countDown();
            t.join(10_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((r = ids.read(thread)) == 0 && System.nanoTime() < deadline) { // join returns before the task is released
                Thread.sleep(5);
            }
            assertThat(r).isEqualTo(-Errno.ESRCH);
        } finally {
            read.countDown();
            PathCalls.close(thread);
            PathCalls.close(process);
        }
    }

    @Test
    void onlyAKernelThatCannotTellIsGivenUpOn() {
        assertThat(ThreadIds.unsupported(-Errno.EINVAL)).isTrue();
        assertThat(ThreadIds.unsupported(-Errno.ENOTTY)).isTrue();
        assertThat(ThreadIds.unsupported(-Errno.ESRCH)).as("a thread gone").isFalse();
        assertThat(ThreadIds.unsupported(-Errno.EMFILE)).as("no descriptor left, this once").isFalse();
        assertThat(ThreadIds.unsupported(0)).isFalse();
    }

    /** A thread's pidfd gives its user namespace: the very nsfs file /proc shows for it. */
    @Test
    void aThreadsPidfdOpensItsUserNamespace() throws Exception {
        long tid = Long.parseLong(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self"))
                .getFileName().toString());
        int pidfd = ThreadIds.openThread((int) tid);
        Assumptions.assumeFalse(ThreadIds.unsupported(pidfd), "thread pidfds need Linux 6.9");
        PathCalls calls = new PathCalls();
        try {
            int ns = ThreadIds.openUserNamespace(pidfd);
            Assumptions.assumeFalse(ThreadIds.unsupported(ns), "PIDFD_GET_USER_NAMESPACE needs Linux 6.11");
            assertThat(ns).isNotNegative();
            int mine = calls.openat(-100, "/proc/thread-self/ns/user", 0);
            assertThat(calls.fstat(ns).ino()).isEqualTo(calls.fstat(mine).ino());
            PathCalls.close(ns);
            PathCalls.close(mine);
        } finally {
            PathCalls.close(pidfd);
        }
        assertThat(ThreadIds.openUserNamespace(-1)).isEqualTo(-Errno.EBADF);
    }
}
