package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A look made through TaskLooks, with seccheck run as root, reaches a name only where the task it
 * is made for could: a file in a directory only root may search is found by seccheck's own look,
 * not by one made for a process of uid 65534; a look for a root task finds it; the thread has
 * seccheck's credentials again afterwards, and a task that is gone gets ESRCH.
 */
class TaskLooksTest {

    @TempDir
    Path tmp;

    @Test
    void aNameOnlyRootCanReachIsFoundForARootTaskAloneAndTheThreadIsLeftAsItWas() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.uids()[1] == 0, "runs as root: it looks for another user");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path hidden = Files.createDirectory(tmp.resolve("hidden"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String file = Files.writeString(hidden.resolve("file"), "x").toString();
        Process nobody = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "sleep", "60").start();
        try {
            int pid = (int) nobody.pid();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("sleep")) {
                assertThat(System.nanoTime()).as("sleep started as uid 65534").isLessThan(deadline);
                Thread.sleep(10);
            }
            PathCalls calls = new PathCalls();
            TaskLooks looks = new TaskLooks();
            int[] before = ThreadCredentials.uids();

            assertThat(looks.as(pid, () -> calls.openat(Fcntl.AT_FDCWD, file, Fcntl.O_PATH | Fcntl.O_CLOEXEC)))
                    .as("the look made for uid 65534").isEqualTo(-Errno.EACCES);
            assertThat(ThreadCredentials.uids()).as("the thread's ids after it").containsExactly(before);

            int self = (int) ProcessHandle.current().pid();
            int fd = looks.as(self, () -> calls.openat(Fcntl.AT_FDCWD, file, Fcntl.O_PATH | Fcntl.O_CLOEXEC));
            assertThat(fd).as("the look made for a root task").isNotNegative();
            PathCalls.close(fd);

            assertThat(looks.as(Integer.MAX_VALUE, () -> 0)).as("a task that does not exist").isEqualTo(-Errno.ESRCH);
        } finally {
            nobody.destroyForcibly();
            nobody.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
