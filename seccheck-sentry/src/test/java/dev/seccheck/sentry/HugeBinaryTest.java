package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.sentry.ExecveInfo;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that executes a file far larger than any binary (a copy of /bin/true made sparse past
 * the hashing bound: no cost to the program) does not make seccheck hash it. Before, the tracer
 * read all of it for sentry/execve's hashes: every task of the run, and the run's end, waited
 * (12 s per GB here; ext4 takes 16 TiB files). Its hashes are left out, with a line saying why;
 * a binary within the bound is still hashed.
 */
class HugeBinaryTest {

    @TempDir
    Path dir;

    @Test
    void aBinaryPastTheBoundIsNotHashedAndOneWithinItIs() throws Exception {
        Path small = Files.copy(Path.of("/bin/true").toRealPath(), dir.resolve("small"));
        Path huge = Files.copy(small, dir.resolve("huge"));
        try (FileChannel f = FileChannel.open(huge, StandardOpenOption.WRITE)) {
            // An ELF ignores what lies past its segments: the padding is a hole, nothing is written.
            f.write(java.nio.ByteBuffer.wrap(new byte[] {0}), (1L << 30) - 1);
        }
        for (Path p : List.of(small, huge)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        SupervisorTest.Run run = new SupervisorTest.Run("sentry/execve");
        assertThat(Supervised.Background.start(run.sup, List.of("/bin/sh", "-c", huge + " && " + small))
                .await(120, "the huge binary and the small one")).isZero();

        List<ExecveInfo> execs = run.sink.of("sentry/execve").stream().map(m -> (ExecveInfo) m).toList();
        ExecveInfo hugeExec = execs.stream().filter(e -> e.getBinaryPath().equals(huge.toString())).findFirst().orElseThrow();
        ExecveInfo smallExec = execs.stream().filter(e -> e.getBinaryPath().equals(small.toString())).findFirst().orElseThrow();
        assertThat(hugeExec.getBinarySha256().isEmpty()).as("the huge binary's sha256 left out").isTrue();
        assertThat(hugeExec.getBinarySha1().isEmpty()).as("and its sha1").isTrue();
        assertThat(hugeExec.getBinarySize()).as("its other fields are there").isEqualTo(1L << 30);
        assertThat(run.warnings).anyMatch(w -> w.contains("was not hashed: " + (1L << 30) + " bytes"));
        assertThat(smallExec.getBinarySha256().toByteArray())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(small)));
    }
}
