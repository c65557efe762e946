package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * FuseConnections tells a superblock FUSE by the kernel's list of connections, which only root
 * may read (a FUSE superblock told so: {@code FuseServedFilesTest} in seccheck-sentry).
 */
class FuseConnectionsTest {

    @Test
    void theRootFilesystemIsNoConnection() {
        PathCalls calls = new PathCalls();
        int root = calls.openat(Fcntl.AT_FDCWD, "/", Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        try {
            long dev = calls.fstat(root).dev();
            long r = FuseConnections.isConnection(PathCalls.major(dev), PathCalls.minor(dev));
            if (!"root".equals(System.getProperty("user.name"))) {
                assertThat(r).as("without CAP_SYS_ADMIN").isEqualTo(-Errno.EPERM);
            } else if (Files.exists(Path.of("/dev/fuse"))) {
                assertThat(r).isZero();
            } else {
                assertThat(r).as("no FUSE in this kernel, or no fusectl").isNotEqualTo(1);
            }
        } finally {
            PathCalls.close(root);
        }
    }
}
