package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadCredentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity is parsed from a task's status in place: the four lines it needs come out as the kernel
 * wrote them. Assumed as root, it switches the thread's ids when they differ from seccheck's and
 * restores them after; when they are seccheck's own, nothing changes.
 */
class IdentityTest {

    private static String status(String uid, String gid, String groups, String umask) {
        return "Name:\tcat\nUmask:\t" + umask + "\nState:\tR (running)\nTgid:\t42\nUid:\t" + uid + "\nGid:\t" + gid
                + "\nFDSize:\t64\nGroups:\t" + groups + "\nNSpid:\t42\nCapInh:\t0000000000000000\n"
                + "CapPrm:\t000001ffffffffff\nCapEff:\t0000000000000400\n";
    }

    @Test
    void theIdsGroupsEffectiveCapabilitiesAndOctalUmaskComeFromTheirLines(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("status"), status("1000\t1001\t1002\t1003", "50\t51\t52\t53", "4 24 27 ", "0027"));
        Identity id = Identity.ofStatus(f.toString()).orElseThrow();
        assertThat(id.uids()).containsExactly(1000, 1001, 1002, 1003);
        assertThat(id.gids()).containsExactly(50, 51, 52, 53);
        assertThat(id.caps()).isEqualTo(1L << 10); // CAP_NET_BIND_SERVICE alone, not the permitted set
        assertThat(id.fsuid()).isEqualTo(1003);
        assertThat(id.fsgid()).isEqualTo(53);
        assertThat(id.groups()).containsExactly(4, 24, 27);
        assertThat(id.umask()).isEqualTo(027);
    }

    @Test
    void aStatusLongerThanTheBufferIsReadWholeAndAShortOneAfterItAlone(@TempDir Path dir) throws Exception {
        String many = String.join(" ", IntStream.range(0, 3000).mapToObj(i -> Integer.toString(100_000 + i)).toList());
        Path big = Files.writeString(dir.resolve("big"), status("0\t0\t0\t7", "0\t0\t0\t8", many, "0022"));
        assertThat(Files.size(big)).isGreaterThan(16_384);
        Identity id = Identity.ofStatus(big.toString()).orElseThrow();
        assertThat(id.groups()).hasSize(3000).startsWith(100_000).endsWith(102_999);
        assertThat(id.umask()).isEqualTo(022);

        Path small = Files.writeString(dir.resolve("small"), status("1\t2\t3\t4", "5\t6\t7\t9", "", "0077"));
        Identity after = Identity.ofStatus(small.toString()).orElseThrow();
        assertThat(after.groups()).isEmpty();
        assertThat(after.fsuid()).isEqualTo(4);
        assertThat(after.fsgid()).isEqualTo(9);
        assertThat(after.umask()).isEqualTo(077);
    }

    @Test
    void aStatusWithoutFourUidsOrAMissingTaskGivesNothing(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("status"), status("1\t2\t3", "5\t6\t7\t8", "", "0022"));
        assertThat(Identity.ofStatus(f.toString())).isEmpty();
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            assertThat(Identity.of(files, Integer.MAX_VALUE, Identity.Own.current(), true)).isEmpty();
        }
    }

    @Test
    void withoutUmaskOrGroupsLinesTheDefaultsHold(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("status"), List.of("Uid:\t1\t1\t1\t1", "Gid:\t2\t2\t2\t2"), StandardCharsets.US_ASCII);
        Identity id = Identity.ofStatus(f.toString()).orElseThrow();
        assertThat(id.groups()).isEmpty();
        assertThat(id.umask()).isEqualTo(022);
        assertThat(id.caps()).as("no CapEff line: no capability, never more than the program's").isZero();
    }

    @Test
    void theCallingThreadsOwnStatusMatchesWhatTheKernelSays() throws Exception {
        long tid = Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        Identity id;
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            id = Identity.of(files, (int) tid, Identity.Own.current(), true).orElseThrow();
        }
        List<String> lines = Files.readAllLines(Path.of("/proc/thread-self/status"));
        String uid = lines.stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertThat(id.fsuid()).isEqualTo(Integer.parseInt(uid.substring(4).trim().split("\\s+")[3]));
    }

    private static int[] ownGroups() {
        return ThreadCredentials.getgroups();
    }

    private static String credentials() {
        long[] caps = new long[3];
        assertThat(ThreadCredentials.capget(0, caps)).isZero();
        return java.util.Arrays.toString(ThreadCredentials.uids()) + " " + java.util.Arrays.toString(ThreadCredentials.gids())
                + " " + java.util.Arrays.toString(ThreadCredentials.getgroups()) + " " + Long.toHexString(caps[0]);
    }

    /**
     * Runs {@code work} as root on a thread of its own (with its own fs_struct), whose credentials it
     * may change, and returns what it returns; fails the test if it threw or took over 10 s.
     */
    private static String onAThreadOfItsOwn(java.util.function.Function<Identity.Own, String> work) throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "switching ids needs root");
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                ThreadCredentials.unshareFs();
                seen.complete(work.apply(Identity.Own.current()));
            } catch (Throwable e) {
                seen.completeExceptionally(e);
            }
        });
        return seen.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Uid and gid 65534 throughout, no groups, no capability. */
    private static Identity nobody() {
        int[] ids = {65534, 65534, 65534, 65534};
        return new Identity(ids, ids.clone(), new int[0], 0, Identity.KEEP_UMASK);
    }

    /**
     * As root, every credential of another identity is taken but the real ids (which let a
     * process signal the thread) and the saved uid (so the thread can come back); all of root's
     * come back after, capabilities included. An identity with root's own credentials changes only
     * the umask.
     */
    @Test
    void assumedAsRootOtherCredentialsAreTakenAndRestoredAndOwnOnesLeftAlone() throws Exception {
        String seen = onAThreadOfItsOwn(own -> {
            String before = credentials();
            StringBuilder out = new StringBuilder();
            Identity other = new Identity(new int[] {4241, 4242, 4240, 4243}, new int[] {4341, 4342, 4340, 4343},
                    new int[] {7}, 1L << 10, 077);
            try (Identity.Assumed _ = other.assume(own)) {
                out.append(credentials()).append(' ').append(Integer.toOctalString(ThreadCredentials.umask(077))).append(" | ");
            }
            out.append(credentials().equals(before)).append(" | ");
            Identity same = own.identity();
            Identity sameWithMask = new Identity(same.uids(), same.gids(), same.groups(), same.caps(), 022);
            assertThat(own.sameCredentials(sameWithMask)).isTrue();
            int mask = ThreadCredentials.umask(0);
            ThreadCredentials.umask(mask);
            try (Identity.Assumed _ = sameWithMask.assume(own)) {
                out.append(credentials().equals(before)).append(' ')
                        .append(Integer.toOctalString(ThreadCredentials.umask(022)));
            }
            return out.append(' ').append(ThreadCredentials.umask(mask) == mask).toString();
        });
        assertThat(seen).isEqualTo("[0, 4242, 0, 4243] [0, 4342, 4340, 4343] [7] 400 77 | true | true 22 true");
    }

    /**
     * The switches that skip calls (nothing to change) still take exactly the identity and give
     * everything back: uid 65534 with no capability (the effective uid leaving 0 clears them), and
     * root without CAP_SETGID or CAP_DAC_OVERRIDE (whose groups must still come back).
     */
    @Test
    void theShortSwitchesTakeExactlyTheIdentityAndGiveEverythingBack() throws Exception {
        long fewer = Identity.Own.current().effective() & ~(1L << 6) & ~(1L << 1);
        String seen = onAThreadOfItsOwn(own -> {
            String before = credentials();
            StringBuilder out = new StringBuilder();
            for (Identity id : new Identity[] {nobody(),
                new Identity(new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0}, new int[] {5, 6}, fewer, Identity.KEEP_UMASK)}) {
                try (Identity.Assumed _ = id.assume(own)) {
                    out.append(credentials()).append(" | ");
                }
                out.append(credentials().equals(before)).append(" | ");
            }
            return out.toString();
        });
        assertThat(seen).isEqualTo("[0, 65534, 0, 65534] [0, 65534, 65534, 65534] [] 0 | true | "
                + "[0, 0, 0, 0] [0, 0, 0, 0] [5, 6] " + Long.toHexString(fewer) + " | true | ");
    }

    /**
     * A thread made while its creator has a program's credentials has them too, and takes
     * seccheck's back with {@link Identity.Own#reclaim}: after a send's (real ids too) and an
     * ordinary call's. Then it can take another identity, as an emulation thread must.
     */
    @Test
    void aThreadMadeWhileItsCreatorCallsAsTheProgramTakesSecchecksCredentialsBack() throws Exception {
        String seen = onAThreadOfItsOwn(own -> {
            String before = credentials();
            StringBuilder out = new StringBuilder();
            for (boolean send : new boolean[] {false, true}) {
                java.util.concurrent.CompletableFuture<String> child = new java.util.concurrent.CompletableFuture<>();
                try (Identity.Assumed _ = send ? nobody().assumeToSend(own) : nobody().assume(own)) {
                    Thread.ofPlatform().start(() -> {
                        String made = credentials();
                        own.reclaim();
                        String back = credentials();
                        try (Identity.Assumed __ = nobody().assume(own)) {
                            back += " " + credentials().startsWith("[0, 65534, 0, 65534]");
                        }
                        child.complete(made + " -> " + back.equals(before + " true") + " " + credentials().equals(before));
                    });
                }
                out.append(child.join()).append(" | ");
            }
            return out.toString();
        });
        assertThat(seen).isEqualTo("[0, 65534, 0, 65534] [0, 65534, 65534, 65534] [] 0 -> true true | "
                + "[65534, 65534, 0, 65534] [65534, 65534, 65534, 65534] [] 0 -> true true | ");
    }

    /** A send, whose receiver may read the real ids (SCM_CREDENTIALS), takes the program's real ids too. */
    @Test
    void aSendTakesTheRealIdsToo() throws Exception {
        String seen = onAThreadOfItsOwn(own -> {
            String before = credentials();
            StringBuilder out = new StringBuilder();
            try (Identity.Assumed _ = nobody().assumeToSend(own)) {
                out.append(credentials());
            }
            return out.append(" | ").append(credentials().equals(before)).toString();
        });
        assertThat(seen).isEqualTo("[65534, 65534, 0, 65534] [65534, 65534, 65534, 65534] [] 0 | true");
    }
}
