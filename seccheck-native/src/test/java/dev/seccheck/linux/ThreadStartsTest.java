package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * ThreadStarts tells the JVM's report of a thread the kernel refused (its message as JDK 25 words
 * it) from every other OutOfMemoryError, which it lets through. ThreadLimitTest drives the refusal
 * for real, with the program of a run holding every task its user may have.
 */
class ThreadStartsTest {

    private static final String REFUSED =
            "unable to create native thread: possibly out of memory or process/resource limits reached";

    @Test
    void aThreadThatStartsIsStarted() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        Thread t = Thread.ofPlatform().unstarted(() -> ran.set(true));
        assertThat(ThreadStarts.tryStart(t::start)).isTrue();
        t.join();
        assertThat(ran).isTrue();
    }

    @Test
    void aThreadTheKernelRefusedIsToldApart() {
        assertThat(ThreadStarts.tryStart(() -> {
            throw new OutOfMemoryError(REFUSED);
        })).isFalse();
        assertThat(ThreadStarts.refused(new OutOfMemoryError(REFUSED))).isTrue();
    }

    @Test
    void everyOtherOutOfMemoryErrorGoesThrough() {
        assertThatThrownBy(() -> ThreadStarts.tryStart(() -> {
            throw new OutOfMemoryError("Java heap space");
        })).isInstanceOf(OutOfMemoryError.class).hasMessage("Java heap space");
        assertThat(ThreadStarts.refused(new OutOfMemoryError())).isFalse();
    }
}
