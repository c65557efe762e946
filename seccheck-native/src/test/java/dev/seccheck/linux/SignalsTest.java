package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Signal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Signals.blockInThisThread blocks a signal in the calling thread and in the threads it starts
 * afterwards, and in no other thread: the kernel's own account of each thread's mask says so.
 */
class SignalsTest {

    @Test
    void aBlockedSignalIsBlockedInTheThreadAndItsLaterThreadsOnly() throws Exception {
        long ttou = 1L << (Signal.SIGTTOU - 1);
        AtomicLong blocker = new AtomicLong();
        AtomicLong child = new AtomicLong();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Signals.blockInThisThread(Signal.SIGTTOU);
                blocker.set(blockedMask());
                Thread c = Thread.ofPlatform().start(() -> child.set(blockedMask()));
                c.join();
            } catch (LinuxException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        assertThat(blocker.get() & ttou).as("the calling thread").isNotZero();
        assertThat(child.get() & ttou).as("a thread it started afterwards").isNotZero();
        assertThat(blockedMask() & ttou).as("another thread").isZero();
    }

    /** The calling thread's blocked signals, as /proc/thread-self/status shows them (SigBlk). */
    private static long blockedMask() {
        List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc/thread-self/status"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return status.stream()
                .filter(l -> l.startsWith("SigBlk:"))
                .mapToLong(l -> Long.parseUnsignedLong(l.substring("SigBlk:".length()).strip(), 16))
                .findFirst().orElseThrow();
    }
}
