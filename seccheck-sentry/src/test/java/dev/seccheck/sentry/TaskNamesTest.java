package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Open;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The name seccheck gives a task after an exec ({@code process_name} of its points) is the one the
 * kernel set, read by the program itself from {@code /proc/self/comm}: for names longer than the
 * kernel keeps, with blanks, not ASCII, through a symlink, and run through a descriptor alone
 * (execveat with AT_EMPTY_PATH, which recent kernels name after the file, not its path). The
 * program's open of its comm file is the point whose name is compared (sentry/execve carries the
 * caller's context, as gVisor's does).
 */
class TaskNamesTest {

    @TempDir
    Path dir;

    @Test
    void theNameOfAnExecutedTaskIsTheOneTheKernelGaveIt() throws Exception {
        Path seen = dir.resolve("seen");
        String probe = "#!/bin/sh\nread n < /proc/$$/comm\necho \"$n\" >> '" + seen + "'\n";
        List<String> names = List.of("a-program-name-longer-than-fifteen", "with space", " leading-blank",
                "exactly-15-char", "ünïcödé-näme", "x");
        StringBuilder script = new StringBuilder("cd '" + dir + "'");
        for (String name : names) {
            Path p = Files.writeString(dir.resolve(name), probe);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            script.append(" && './").append(name).append("'");
        }
        Files.createSymbolicLink(dir.resolve("a-link-to-the-probe"), dir.resolve("x"));
        script.append(" && ./a-link-to-the-probe && ").append(dir.resolve("x"));
        // execveat(fd, "", AT_EMPTY_PATH): Python's os.execve with a descriptor.
        script.append(" && /usr/bin/python3 -c \"import os; fd = os.open('with space', os.O_RDONLY);"
                + " os.set_inheritable(fd, True); os.execve(fd, ['probe'], {})\"");

        SupervisorTest.Run r = new SupervisorTest.Run("sentry/execve", "syscall/openat/enter");
        assertThat(r.run("/bin/sh", "-c", script.toString())).isZero();

        List<String> truth = Files.readAllLines(seen);
        assertThat(truth).hasSize(names.size() + 3);
        List<String> reported = r.sink.of("syscall/openat/enter").stream().map(m -> (Open) m)
                .filter(o -> o.getPathname().matches("/proc/\\d+/comm"))
                .map(o -> o.getContextData().getProcessName()).toList();
        assertThat(reported).containsExactlyElementsOf(truth);
        assertThat(truth).contains("a-program-name-", "with space", "exactly-15-char", "a-link-to-the-p");
    }
}
