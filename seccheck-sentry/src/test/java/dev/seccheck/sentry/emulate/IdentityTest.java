package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity is read from a task's status in place, into a buffer its thread reuses: the four lines
 * it needs come out as the kernel wrote them, a status longer than the buffer is read whole, and a
 * shorter one read after it is not mixed with the longer one's leftovers.
 */
class IdentityTest {

    private static String status(String uid, String gid, String groups, String umask) {
        return "Name:\tcat\nUmask:\t" + umask + "\nState:\tR (running)\nTgid:\t42\nUid:\t" + uid + "\nGid:\t" + gid
                + "\nFDSize:\t64\nGroups:\t" + groups + "\nNSpid:\t42\n";
    }

    @Test
    void theFsIdsGroupsAndOctalUmaskComeFromTheirLines(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("status"), status("1000\t1001\t1002\t1003", "50\t51\t52\t53", "4 24 27 ", "0027"));
        Identity id = Identity.ofStatus(f.toString()).orElseThrow();
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
        assertThat(Identity.of(Integer.MAX_VALUE)).isEmpty();
    }

    @Test
    void withoutUmaskOrGroupsLinesTheDefaultsHold(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("status"), List.of("Uid:\t1\t1\t1\t1", "Gid:\t2\t2\t2\t2"), StandardCharsets.US_ASCII);
        Identity id = Identity.ofStatus(f.toString()).orElseThrow();
        assertThat(id.groups()).isEmpty();
        assertThat(id.umask()).isEqualTo(022);
    }

    @Test
    void theCallingThreadsOwnStatusMatchesWhatTheKernelSays() throws Exception {
        long tid = Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        Identity id = Identity.of((int) tid).orElseThrow();
        List<String> lines = Files.readAllLines(Path.of("/proc/thread-self/status"));
        String uid = lines.stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertThat(id.fsuid()).isEqualTo(Integer.parseInt(uid.substring(4).trim().split("\\s+")[3]));
    }
}
