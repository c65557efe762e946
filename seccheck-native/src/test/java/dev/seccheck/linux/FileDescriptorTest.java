package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FileDescriptorTest {

    /** A real descriptor of this process to own: a pidfd for this process. */
    private static int openDescriptor() throws LinuxException {
        return Syscalls.pidfdOpen((int) ProcessHandle.current().pid());
    }

    private static String target(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return "closed";
        }
    }

    @Test
    void closeWithoutUsesReleasesTheNumberAtOnceAndOnlyOnce() throws Exception {
        int raw = openDescriptor();
        FileDescriptor fd = new FileDescriptor(raw, "pidfd");
        assertThat(fd.state()).isEqualTo(FileDescriptor.State.OPEN);
        fd.close();
        assertThat(fd.state()).isEqualTo(FileDescriptor.State.CLOSED);
        assertThat(target(raw)).doesNotContain("pidfd");
        fd.close();
        assertThat(fd.state()).isEqualTo(FileDescriptor.State.CLOSED);
    }

    @Test
    void closeDuringACallInFlightWaitsForItAndRefusesNewCalls() throws Exception {
        int raw = openDescriptor();
        AtomicInteger wakes = new AtomicInteger();
        FileDescriptor fd = new FileDescriptor(raw, "pidfd", n -> wakes.incrementAndGet());
        fd.acquire("test");
        fd.close();
        assertThat(fd.state()).isEqualTo(FileDescriptor.State.CLOSING);
        assertThat(wakes).hasValue(1);
        assertThat(target(raw)).as("still ours while the call is in flight").contains("pidfd");
        assertThatThrownBy(() -> fd.acquire("sendmsg")).isInstanceOf(LinuxException.class)
                .hasMessage("sendmsg(pidfd, fd " + raw + "): EBADF (Bad file descriptor)");
        fd.release();
        assertThat(fd.state()).isEqualTo(FileDescriptor.State.CLOSED);
        assertThat(target(raw)).doesNotContain("pidfd");
    }

    @Test
    void callsRacingCloseEitherRunOnTheDescriptorOrFailWithEbadf() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 50; round++) {
                int raw = openDescriptor();
                AtomicInteger wakes = new AtomicInteger();
                FileDescriptor fd = new FileDescriptor(raw, "pidfd", n -> wakes.incrementAndGet());
                CountDownLatch start = new CountDownLatch(1);
                AtomicInteger ran = new AtomicInteger();
                AtomicInteger refused = new AtomicInteger();
                List<Future<?>> callers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    callers.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 100; i++) {
                            try {
                                fd.call("probe", NativeCall.Restart.NEVER, (slot, n) -> {
                                    // The number must still be this pidfd for the whole call.
                                    assertThat(target(n)).contains("pidfd");
                                    return 0;
                                });
                                ran.incrementAndGet();
                            } catch (LinuxException e) {
                                assertThat(e.errno()).isEqualTo(Errno.EBADF);
                                refused.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                fd.close();
                for (Future<?> f : callers) {
                    f.get(30, TimeUnit.SECONDS);
                }
                assertThat(fd.state()).isEqualTo(FileDescriptor.State.CLOSED);
                assertThat(ran.get() + refused.get()).isEqualTo(400);
                assertThat(wakes.get()).isLessThanOrEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
