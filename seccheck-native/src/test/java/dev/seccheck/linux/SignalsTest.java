package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Signals.blockInThisThread blocks a signal in the calling thread and in the threads it starts
 * afterwards, and in no other thread: the kernel's own account of each thread's mask says so; and
 * a signal with {@link Signals#interruptWith}'s handler interrupts the call of one thread that
 * unblocked it for that call ({@link Signals#unblockedDuring}), and no other.
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

    /** A real-time signal nothing in this JVM handles (BlockingConnect's). */
    private static final int SIG = Signal.SIGRTMIN + 8;

    /**
     * With {@link Signals#interruptWith}'s handler, a signal sent to a thread waiting in a call it
     * unblocked the signal for ends that call with EINTR; one sent while the thread blocks it stays
     * pending and is taken as the mask is lifted, before the call starts; the mask is restored after.
     */
    @Test
    void aSignalInterruptsOnlyTheCallItWasUnblockedFor() throws Exception {
        Signals.interruptWith(SIG);
        Signals.interruptWith(SIG); // once in place, installing it again changes nothing
        AtomicLong paused = new AtomicLong(1);
        AtomicLong pendingFirst = new AtomicLong(1);
        AtomicLong maskAfter = new AtomicLong();
        AtomicLong tid = new AtomicLong();
        java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Signals.blockInThisThread(SIG);
                tid.set(Syscalls.gettid());
                paused.set(Signals.unblockedDuring(SIG, () -> Direct.call(Sysno.PAUSE, 0, 0, 0, 0)));
                sent.await();
                // Sent while blocked: taken as it is unblocked, so the call itself is not interrupted.
                pendingFirst.set(Signals.unblockedDuring(SIG, () -> Direct.call(Sysno.GETPID, 0, 0, 0, 0)));
                maskAfter.set(blockedMask());
            } catch (LinuxException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        int self = (int) ProcessHandle.current().pid();
        while (tid.get() == 0 || !Files.readString(Path.of("/proc/self/task/" + tid.get() + "/syscall")).startsWith("34 ")) {
            Thread.sleep(5);
        }
        assertThat(Syscalls.signalThread(self, (int) tid.get(), SIG)).isZero();
        while (paused.get() == 1) {
            Thread.sleep(5);
        }
        assertThat(Syscalls.signalThread(self, (int) tid.get(), SIG)).isZero();
        sent.countDown();
        t.join();
        assertThat(paused.get()).as("pause interrupted").isEqualTo(-Errno.EINTR);
        assertThat(pendingFirst.get()).as("getpid after a pending signal").isEqualTo(self);
        assertThat(maskAfter.get() & (1L << (SIG - 1))).as("blocked again").isNotZero();
    }

    /** A signal the JVM handles is not taken over. */
    @Test
    void aSignalWithAHandlerIsNotTakenOver() {
        assertThatThrownBy(() -> Signals.interruptWith(Signal.SIGSEGV))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("SIGSEGV has a handler already");
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
