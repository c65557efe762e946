package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.testing.CWorkloads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program serves its own page faults (userfaultfd), answers only its own threads, and passes a
 * path lying in such a page (src/test/c/uffd_stall.c). The thread of seccheck that copies the path
 * (the notifier performing an open, the tracer at an exec's enter) faults on that page too, is
 * never answered, and waits in the kernel, where no signal reaches it: before, the whole run
 * stopped for good. The program's filter now refuses (EPERM) a userfaultfd that handles the
 * kernel's faults, as the kernel refuses one to a user without privilege; the one left to it, of
 * user-mode faults only, makes the kernel fail seccheck's copy (EFAULT) instead of waiting, as it
 * fails the program's own call natively.
 */
class UserfaultfdStallTest {

    @TempDir
    Path dir;

    /**
     * As root (natively the program may then have a userfaultfd of kernel faults, and its calls
     * succeed): under seccheck that userfaultfd is refused and named on the run's log, the
     * program's user-mode one stalls nothing, and the run goes on to its last command.
     */
    @Test
    void aUserfaultfdOfTheProgramCannotStallSeccheckSReads() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "natively only root may have a userfaultfd that handles the kernel's faults");
        Path stall = CWorkloads.binary("uffd_stall");
        String script = "'" + stall + "' open /etc/hostname; '" + stall + "' exec /bin/echo; echo after";
        String hostname = Files.readAllLines(Path.of("/etc/hostname")).getFirst();

        Path nativeOut = dir.resolve("native");
        Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(nativeOut.toFile()).start();
        assertThat(p.waitFor()).isZero();
        assertThat(Files.readString(nativeOut)).as("natively")
                .contains("userfaultfd ok", "open GOT " + hostname, "exec ran", "after")
                .doesNotContain("user-mode");

        Path out = dir.resolve("supervised");
        SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter", "syscall/openat/exit",
                "syscall/execve/enter", "syscall/execve/exit");
        int status = Supervised.Background.start(r.sup, List.of("/bin/sh", "-c", "(" + script + ") > '" + out + "' 2>&1"))
                .await(60, "a run whose program serves its own page faults");
        String got = Files.readString(out);
        assertThat(status).as(got).isZero();
        assertThat(got).as("under seccheck")
                .contains("userfaultfd NO EPERM", "user-mode userfaultfd ok", "open NO EFAULT", "exec NO EFAULT", "after")
                .doesNotContain("exec ran", "open GOT");
        assertThat(r.warnings).anyMatch(w -> w.startsWith("refused userfaultfd from task "));
    }
}
