package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A thread with its own fs_struct takes a program's umask without changing the JVM's. */
class FsCredentialsTest {

    private static String umask() throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith("Umask:")).findFirst().orElseThrow().substring(6).trim();
    }

    @Test
    void anUnsharedThreadsUmaskIsItsOwn() throws Exception {
        String before = umask();
        AtomicReference<String> inThread = new AtomicReference<>();
        AtomicReference<Long> unshared = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            unshared.set(FsCredentials.unshareFs());
            int old = FsCredentials.umask(0077);
            try {
                inThread.set(umask());
            } catch (Exception e) {
                inThread.set(e.toString());
            } finally {
                FsCredentials.umask(old);
            }
        });
        t.join(10_000);
        assertThat(unshared.get()).isZero();
        assertThat(inThread.get()).isEqualTo("0077");
        assertThat(umask()).isEqualTo(before);
    }

    @Test
    void openatReturnsTheKernelsErrnoAsANegativeResult() {
        PathCalls calls = new PathCalls();
        assertThat(calls.openat(-100, "/nonexistent/x", 0)).isEqualTo(-dev.seccheck.abi.Errno.ENOENT);
        int fd = calls.openat(-100, "/", 010000000);
        assertThat(fd).isNotNegative();
        assertThat(calls.fstat(fd).isDirectory()).isTrue();
        assertThat(calls.fsType(fd)).isNotEqualTo(PathCalls.PROC_SUPER_MAGIC);
        PathCalls.close(fd);
    }
}
