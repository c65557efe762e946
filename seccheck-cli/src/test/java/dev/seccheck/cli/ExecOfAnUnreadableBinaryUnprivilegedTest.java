package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.cli.PackagedCli.Result;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sentry/execve reads argv and the environment from the new program's stack at the exec event.
 * A program whose binary its user may execute but not read is not dumpable, so seccheck
 * unprivileged cannot read that stack: argv then comes from /proc/PID/cmdline (readable by
 * anyone), the environment from the call's enter. Run as uid 65534 with a copy of env(1) of
 * mode 0111, the point still carries both; and the exec that program makes in turn, of a readable
 * binary, is reported whole from the new image, though the caller's memory was closed at its enter.
 */
class ExecOfAnUnreadableBinaryUnprivilegedTest {

    @TempDir
    Path tmp;

    @Test
    void anExecOfABinaryItsUserCannotReadIsReportedWithArgvAndEnvironment() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path work = PackagedCli.nobodysDir(tmp.resolve("w"));
        Path xdg = PackagedCli.nobodysDir(tmp.resolve("xdg"));
        Path env = work.resolve("env");
        String script = "cp /usr/bin/env " + env + " && chmod 0111 " + env + " && exec " + env
                + " -i SEEN=yes /bin/true one two";
        ProcessBuilder run = new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "-e", "sentry/execve",
                "--format", "json", "--", "sh", "-c", script));
        run.environment().put("XDG_RUNTIME_DIR", xdg.toString());
        run.environment().put("UNREADABLE_TEST", "passed");
        Result r = PackagedCli.run(run, tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as("stderr: %s", r.err()).isZero();
        // Its binary_path is absent: /proc/PID/exe of a process that is not dumpable is closed too.
        String envLine = r.err().lines().filter(l -> l.contains("\"execfn\":\"" + env + "\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no sentry/execve of " + env + " in: " + r.err()));
        assertThat(envLine).as("argv from /proc/PID/cmdline")
                .contains("\"argv\":[\"" + env + "\",\"-i\",\"SEEN=yes\",\"/bin/true\",\"one\",\"two\"]");
        assertThat(envLine).as("the environment read at the enter").contains("UNREADABLE_TEST=passed");
        String trueLine = r.err().lines().filter(l -> l.contains("\"binary_path\":\"/usr/bin/true\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no sentry/execve of /usr/bin/true in: " + r.err()));
        assertThat(trueLine).as("the image of a readable binary, executed by one that is not dumpable")
                .contains("\"argv\":[\"/bin/true\",\"one\",\"two\"]").contains("\"env\":[\"SEEN=yes\"]")
                .contains("\"execfn\":\"/bin/true\"");
    }
}
