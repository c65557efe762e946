package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A listener takes the synchronous wake-up flag (Linux 6.6): the kernel wants the flag itself as
 * the ioctl's argument, and refused the address of it that seccheck passed until session 10.
 */
class SeccompListenerTest {

    /** A one-instruction filter that allows everything. */
    private static byte[] allowAll() {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())
                .putShort((short) 0x06) // BPF_RET | BPF_K
                .put((byte) 0).put((byte) 0)
                .putInt(Seccomp.RET_ALLOW)
                .array();
    }

    @Test
    void aListenerTakesTheSynchronousWakeUp() throws Exception {
        // A filter binds the thread that installs it (and no other): a thread of its own, which ends.
        AtomicInteger fd = new AtomicInteger(-1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Seccomp.setNoNewPrivs();
                fd.set(Seccomp.installFilter(allowAll(), Seccomp.FILTER_FLAG_NEW_LISTENER));
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.join(10_000);
        assertThat(failed.get()).isNull();
        assertThat(fd.get()).isNotNegative();
        SeccompListener listener = new SeccompListener(fd.get());
        try {
            assertThat(listener.setSyncWakeUp()).isZero();
        } finally {
            listener.close();
        }
    }
}
