package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The program {@code seccheck run} starts lives in the world it would live in natively: one
 * probe, run natively and under seccheck from the same shell (descriptors 3 and 9 redirected,
 * USR1 and HUP ignored, a umask set, a soft descriptor limit below the hard one, a coredump_filter
 * that is not the JVM's), prints the same descriptors, environment (bytes and order), signal mask
 * and dispositions, rlimits, coredump_filter, umask, cwd, process group, session and terminal; and
 * the same with QUIT and USR2 ignored, two signals the JVM keeps for itself. The seccheck side goes through the launcher's {@code scripts/caller.sh}, as {@code ./seccheck} does.
 */
class TransparencyTest {

    /** The caller's soft RLIMIT_NOFILE: below any hard limit a test machine has. */
    private static final int SOFT_NOFILE = 1000;

    @TempDir
    Path tmp;

    @Test
    void theProgramSeesTheCallersWorldUnchanged() throws Exception {
        Path probe = compile();
        String nativeOut = shell("USR1 HUP", probe.toString(), "native");
        String underSeccheck = shell("USR1 HUP", underSeccheck(probe), "seccheck");
        assertThat(nativeOut).contains("fd 3 -> " + tmp.resolve("three")).contains("fd 9 -> " + tmp.resolve("nine"))
                .contains("sig 10 blocked=0 ignored").contains("umask 0027").contains("rlimit 7 " + SOFT_NOFILE + " ")
                .contains("coredump_filter 00000031");
        assertThat(underSeccheck).isEqualTo(nativeOut);
    }

    /**
     * QUIT (whose HotSpot handler a signal pipe replaces) and USR2 (HotSpot's suspend signal,
     * which the JVM keeps handled) stay ignored in the program when the caller ignored them:
     * posix_spawn can only reset a disposition, so the tracer sets them ignored in the held child.
     */
    @Test
    void signalsTheJvmKeepsForItselfStayIgnoredWhenTheCallerIgnoredThem() throws Exception {
        Path probe = compile();
        String nativeOut = shell("QUIT USR2", probe.toString(), "native");
        String underSeccheck = shell("QUIT USR2", underSeccheck(probe), "seccheck");
        assertThat(nativeOut).contains("sig 3 blocked=0 ignored").contains("sig 12 blocked=0 ignored");
        assertThat(underSeccheck).isEqualTo(nativeOut);
    }

    /** The command that runs {@code probe} under seccheck through the launcher's caller.sh. */
    private String underSeccheck(Path probe) throws IOException {
        Path callerScript = TestPrograms.repoRoot().resolve("scripts/caller.sh");
        String java = ProcessHandle.current().info().command().orElseThrow();
        // The launcher's own shell options: caller.sh must survive set -e (an unreadable fdinfo once ended it).
        return "bash -c 'set -euo pipefail; . " + callerScript + "; seccheck_record_caller; export JAVA_HOME=/not/the/callers; exec "
                + java + " --enable-native-access=ALL-UNNAMED -XX:-UsePerfData -cp " + System.getProperty("java.class.path")
                + " " + Main.class.getName() + " run --root " + tmp.resolve("root") + " --quiet --config "
                + TestPrograms.nullSession(tmp) + " -- " + probe + "'";
    }

    /**
     * Runs {@code command} from a shell that set up the caller's world ({@code ignored} the
     * signals it ignores); returns what it printed on stdout.
     */
    private String shell(String ignored, String command, String name) throws IOException, InterruptedException {
        // The same files on both sides: descriptors 1 and 2 must name the same targets.
        Path out = tmp.resolve("probe.out");
        Path err = tmp.resolve("probe.err");
        // The JVM raises its own soft descriptor limit to the hard one and sets coredump_filter
        // bits 2 and 3: the caller's must reach the program all the same.
        String script = "ulimit -Sn " + SOFT_NOFILE + "; echo 0x31 > /proc/self/coredump_filter; trap '' " + ignored + "; umask 027; cd " + tmp + "; exec 3<three 9<nine; exec /usr/bin/env PROBE_MARK=1 "
                + command;
        Process p = new ProcessBuilder("bash", "-c", script).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ended within 60 s", name).isTrue();
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(p.exitValue()).as("%s exit; stderr: %s", name, Files.readString(err)).isZero();
        String printed = Files.readString(out);
        Files.delete(out);
        Files.delete(err);
        return printed;
    }

    private Path compile() throws IOException, InterruptedException {
        Files.writeString(tmp.resolve("three"), "3");
        Files.writeString(tmp.resolve("nine"), "9");
        return TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-cli/src/test/c/world_probe.c"),
                tmp.resolve("world_probe"));
    }
}
