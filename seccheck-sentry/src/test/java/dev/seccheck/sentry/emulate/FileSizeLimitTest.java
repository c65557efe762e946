package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** How {@link FileSizeLimit} reads a process's RLIMIT_FSIZE and decides a file's growth by it. */
class FileSizeLimitTest {

    private static final String HEADER = "Limit                     Soft Limit           Hard Limit           Units     \n"
            + "Max cpu time              unlimited            unlimited            seconds   \n";

    @Test
    void theSoftLimitIsReadFromItsLine() {
        assertThat(FileSizeLimit.soft(HEADER + "Max file size             1024                 4096                 bytes     \n"))
                .hasValue(1024);
        assertThat(FileSizeLimit.soft(HEADER + "Max file size             unlimited            unlimited            bytes     \n"))
                .hasValue(Long.MAX_VALUE);
    }

    @Test
    void aLimitPastWhatAnOffsetHoldsIsNone() {
        assertThat(FileSizeLimit.soft("Max file size             18446744073709551614 unlimited bytes\n"))
                .hasValue(Long.MAX_VALUE);
    }

    @Test
    void aMissingOrGarbledLineGivesNoLimit() {
        assertThat(FileSizeLimit.soft(HEADER)).isEqualTo(OptionalLong.empty());
        assertThat(FileSizeLimit.soft("Max file size             lots                 4096                 bytes\n")).isEmpty();
        assertThat(FileSizeLimit.soft("Max file size\n")).isEmpty();
    }

    /** This JVM's own limit (none here): growth is let through, and a truncate that shrinks is never read at all. */
    @Test
    void growthWithinTheLimitAndShrinkingPass() {
        int self = (int) ProcessHandle.current().pid();
        assertThat(FileSizeLimit.check(self, 0, 1L << 40)).isZero();
        assertThat(FileSizeLimit.check(Integer.MAX_VALUE, 4096, 10)).as("no process is read for a shrink").isZero();
        assertThat(FileSizeLimit.check(Integer.MAX_VALUE, 0, 10)).as("a process that is gone").isEqualTo(-Errno.ESRCH);
    }
}
