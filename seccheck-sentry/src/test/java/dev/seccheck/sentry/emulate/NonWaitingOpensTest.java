package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.FileTypes;
import dev.seccheck.linux.PathCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The opens the notifier makes itself, needing no thread, are those the kernel never makes wait:
 * a socket's, the memory devices'; not a FIFO's, whatever its flags (its open takes the pipe's
 * lock, which the program can hold), nor a terminal's or another driver's. The device numbers are
 * the host's own nodes'.
 */
class NonWaitingOpensTest {

    private static PathCalls.Stat of(int type, long rdev) {
        return new PathCalls.Stat(1, 2, type | 0644, 0, 0, 0, 1, 0, 0, rdev);
    }

    private static PathCalls.Stat device(String node) throws Exception {
        PathCalls.Stat st = new PathCalls().stat(node);
        assertThat(st).as(node).isNotNull();
        return st;
    }

    @Test
    void aFifoOpenMayWaitWhateverItsFlags() {
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFIFO, 0))).isFalse();
    }

    @Test
    void theMemoryDevicesAndSocketsNeverWaitOtherDevicesMay() throws Exception {
        for (String node : new String[] {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}) {
            if (Files.exists(Path.of(node))) {
                assertThat(NonWaitingOpens.never(device(node))).as(node).isTrue();
            }
        }
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFSOCK, 0))).isTrue();
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFCHR, PathCalls.encode(5, 0)))).as("/dev/tty").isFalse();
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFCHR, PathCalls.encode(1, 1)))).as("/dev/mem").isFalse();
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFBLK, PathCalls.encode(1, 3)))).as("a block device").isFalse();
        assertThat(NonWaitingOpens.never(null)).isFalse();
    }
}
