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

    private static String groups() throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith("Groups:")).findFirst().orElseThrow().substring(7).trim();
    }

    /** The list setgroups passes is reused per thread: a longer list grows it, a shorter one after it is not padded. */
    @Test
    void setgroupsTakesLongAndThenShortListsOnOneThread() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(FsCredentials.setfsuid(-1) == 0, "setgroups needs root");
        AtomicReference<String> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            StringBuilder out = new StringBuilder();
            try {
                int[] many = new int[100];
                for (int i = 0; i < many.length; i++) {
                    many[i] = 1000 + i;
                }
                out.append(FsCredentials.setgroups(many)).append('|').append(groups().split("\\s+").length).append('|');
                out.append(FsCredentials.setgroups(new int[] {7, 9})).append('|').append(groups()).append('|');
                out.append(FsCredentials.setgroups(new int[0])).append('|').append(groups());
            } catch (Exception e) {
                out.append(e);
            }
            seen.set(out.toString());
        });
        t.join(10_000);
        assertThat(seen.get()).isEqualTo("0|100|0|7 9|0|");
    }
}
