package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A thread with its own fs_struct takes a program's umask without changing the JVM's; a thread's
 * ids and capabilities are read as /proc shows them, and lowered capabilities come back.
 */
class ThreadCredentialsTest {

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
            unshared.set(ThreadCredentials.unshareFs());
            int old = ThreadCredentials.umask(0077);
            try {
                inThread.set(umask());
            } catch (Exception e) {
                inThread.set(e.toString());
            } finally {
                ThreadCredentials.umask(old);
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
        org.junit.jupiter.api.Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "setgroups needs root");
        AtomicReference<String> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            StringBuilder out = new StringBuilder();
            try {
                int[] many = new int[100];
                for (int i = 0; i < many.length; i++) {
                    many[i] = 1000 + i;
                }
                out.append(ThreadCredentials.setgroups(many)).append('|').append(groups().split("\\s+").length).append('|');
                out.append(ThreadCredentials.setgroups(new int[] {7, 9})).append('|').append(groups()).append('|');
                out.append(ThreadCredentials.setgroups(new int[0])).append('|').append(groups());
            } catch (Exception e) {
                out.append(e);
            }
            seen.set(out.toString());
        });
        t.join(10_000);
        assertThat(seen.get()).isEqualTo("0|100|0|7 9|0|");
    }

    private static String statusLine(String key) throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith(key)).findFirst().orElseThrow().substring(key.length()).trim();
    }

    @Test
    void idsAndCapabilitiesAreThoseTheStatusShows() throws Exception {
        assertThat(String.join(" ", java.util.Arrays.stream(ThreadCredentials.uids()).mapToObj(Integer::toString).toList()))
                .isEqualTo(statusLine("Uid:").replaceAll("\\s+", " "));
        assertThat(String.join(" ", java.util.Arrays.stream(ThreadCredentials.gids()).mapToObj(Integer::toString).toList()))
                .isEqualTo(statusLine("Gid:").replaceAll("\\s+", " "));
        long[] caps = new long[3];
        assertThat(ThreadCredentials.capget(0, caps)).isZero();
        assertThat(caps[0]).isEqualTo(Long.parseUnsignedLong(statusLine("CapEff:"), 16));
        assertThat(caps[1]).isEqualTo(Long.parseUnsignedLong(statusLine("CapPrm:"), 16));
        assertThat(caps[2]).isEqualTo(Long.parseUnsignedLong(statusLine("CapInh:"), 16));
        assertThat(ThreadCredentials.capget(Integer.MAX_VALUE, caps)).isEqualTo(-dev.seccheck.abi.Errno.ESRCH);
    }

    /** The effective set is lowered for one thread alone and raised again within the permitted. */
    @Test
    void aThreadLowersItsEffectiveCapabilitiesAndRaisesThemAgain() throws Exception {
        long[] mine = new long[3];
        ThreadCredentials.capget(0, mine);
        org.junit.jupiter.api.Assumptions.assumeTrue(mine[1] != 0, "needs a permitted capability");
        AtomicReference<String> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            long[] c = new long[3];
            long lowered = ThreadCredentials.capset(0, mine[1], mine[2]);
            ThreadCredentials.capget(0, c);
            String during = lowered + " " + Long.toHexString(c[0]);
            long raised = ThreadCredentials.capset(mine[1], mine[1], mine[2]);
            ThreadCredentials.capget(0, c);
            seen.set(during + " | " + raised + " " + (c[0] == mine[1]));
        });
        t.join(10_000);
        assertThat(seen.get()).isEqualTo("0 0 | 0 true");
        long[] after = new long[3];
        ThreadCredentials.capget(0, after);
        assertThat(after).containsExactly(mine);
    }
}
