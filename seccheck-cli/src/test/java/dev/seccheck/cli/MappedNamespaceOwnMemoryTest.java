package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program in a user namespace whose root is another host uid than the namespace's maker (a
 * rootless container, "0 100000 1" written from its parent as newuidmap does) reads its own
 * /proc/self/maps, environ and thread's maps, and pthread_getattr_np on its main thread answers
 * 0, as natively (red-team report R5 F3; {@code src/test/c/userns_mapped_self.c}). The kernel
 * lets a task into its own process's memory files before it asks anything of ids or namespaces;
 * before, seccheck asked the caller's user namespace with the program's credentials, which the
 * kernel refuses them (their uid is not the namespace's maker's), and refused every such open
 * (EACCES). The program's other thread answers as natively too. One line stays refused where
 * natively it is not (the README's Limits): a child of the same ids in that namespace opening its
 * dumpable parent's maps, which seccheck's thread, holding the program's host uid from outside the
 * namespace, may not, and for which it is not given CAP_SYS_PTRACE (it fails closed). Line for
 * line against a native run; the first part as root only (only root maps another host uid), under
 * the default session and a guard's; as uid 65534, the program maps its own uid (an identity
 * mapping), and every line is as natively.
 */
class MappedNamespaceOwnMemoryTest {

    private static final String PROGRAM = "src/test/c/userns_mapped_self.c";

    /** What the program prints natively as root mapping host uid 100000 (the environ is 0400, root's while not dumpable). */
    private static final String NATIVE = """
            in the namespace: own maps = read
            in the namespace: own environ = EACCES
            in the namespace: own thread's maps = read
            in the namespace: pthread_getattr_np = 0
            in the namespace: a thread: its process's maps = read
            in the namespace: a child: its parent's maps = EACCES
            after exec: own maps = read
            after exec: own environ = read
            after exec: own thread's maps = read
            after exec: pthread_getattr_np = 0
            after exec: a thread: its process's maps = read
            after exec: a child: its parent's maps = read
            """;

    @TempDir
    Path tmp;

    @Test
    void aProgramMappedToAnotherHostUidReadsItsOwnMemoryFilesAsNativelyAsRoot() throws Exception {
        mapped(false, "100000");
    }

    @Test
    void aProgramMappedToItsOwnUidReadsItsOwnMemoryFilesAsNativelyAsUid65534() throws Exception {
        mapped(true, String.valueOf(PackagedCli.NOBODY));
    }

    private void mapped(boolean nobody, String hostId) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM, "-pthread");
        Path guard = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        Files.setPosixFilePermissions(guard, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> command = List.of(program.toString(), hostId, hostId);
        PackagedCli.Result natively = run(nobody, false, command);
        Assumptions.assumeFalse(natively.out().startsWith("unshare ="), "user namespaces are not allowed here");
        if (!nobody) {
            assertThat(natively.out()).as("natively").isEqualTo(NATIVE);
        } else {
            assertThat(natively.out()).as("natively").contains("after exec: own maps = read",
                    "after exec: pthread_getattr_np = 0");
        }
        String expected = nobody ? natively.out() : natively.out().replace(
                "after exec: a child: its parent's maps = read", "after exec: a child: its parent's maps = EACCES");
        SoftAssertions soft = new SoftAssertions();
        PackagedCli.Result byDefault = run(nobody, true, command);
        soft.assertThat(byDefault.out()).as("the default session: " + byDefault.err()).isEqualTo(expected);
        PackagedCli.Result guarded = run(nobody, true, command, guard);
        soft.assertThat(guarded.out()).as("a guard's session: " + guarded.err()).isEqualTo(expected);
        soft.assertAll();
    }

    /** Runs {@code command} natively or under seccheck's sessions of {@code configs}. */
    private PackagedCli.Result run(boolean nobody, boolean under, List<String> command, Path... configs) throws Exception {
        ProcessBuilder pb = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, PackagedCli.nobodyClasspath(), under, command,
                        configs)
                : PackagedCli.nativeOrUnderSeccheckProcess(tmp, under, command, configs);
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as((under ? "under seccheck: " : "natively: ") + r.out() + r.err()).isZero();
        return r;
    }
}
