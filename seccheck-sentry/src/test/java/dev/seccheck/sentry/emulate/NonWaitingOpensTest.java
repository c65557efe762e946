package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.FileTypes;
import dev.seccheck.linux.PathCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The opens the notifier makes itself, needing no thread, are those the kernel never makes wait:
 * a FIFO's only with O_NONBLOCK or not for reading or writing alone, a socket's, the memory
 * devices'; not a terminal's or another driver's. The device numbers are the host's own nodes'.
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
    void aFifoOpenWaitsOnlyForReadingOrWritingAloneWithoutNonblock() {
        PathCalls.Stat fifo = of(FileTypes.S_IFIFO, 0);
        assertThat(NonWaitingOpens.never(fifo, Fcntl.O_RDONLY)).isFalse();
        assertThat(NonWaitingOpens.never(fifo, Fcntl.O_WRONLY)).isFalse();
        assertThat(NonWaitingOpens.never(fifo, Fcntl.O_RDONLY | Fcntl.O_NONBLOCK)).isTrue();
        assertThat(NonWaitingOpens.never(fifo, Fcntl.O_WRONLY | Fcntl.O_NONBLOCK)).isTrue();
        assertThat(NonWaitingOpens.never(fifo, Fcntl.O_RDWR)).isTrue();
    }

    @Test
    void theMemoryDevicesAndSocketsNeverWaitOtherDevicesMay() throws Exception {
        for (String node : new String[] {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}) {
            if (Files.exists(Path.of(node))) {
                assertThat(NonWaitingOpens.never(device(node), Fcntl.O_RDWR)).as(node).isTrue();
            }
        }
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFSOCK, 0), Fcntl.O_RDWR)).isTrue();
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFCHR, PathCalls.encode(5, 0)), Fcntl.O_RDWR)).as("/dev/tty").isFalse();
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFCHR, PathCalls.encode(1, 1)), Fcntl.O_RDONLY)).as("/dev/mem").isFalse();
        assertThat(NonWaitingOpens.never(of(FileTypes.S_IFBLK, PathCalls.encode(1, 3)), Fcntl.O_RDONLY)).as("a block device").isFalse();
        assertThat(NonWaitingOpens.never(null, Fcntl.O_RDONLY)).isFalse();
    }
}
