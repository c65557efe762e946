package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The program {@code seccheck run} starts gets exactly the world the same shell line gives it
 * natively, in the corners {@link TransparencyTest} does not reach: a soft descriptor limit below
 * the hard one (the JVM raises its own) and the caller's coredump_filter (the JVM sets bits of its
 * own); a descriptor inherited above the limit; descriptor 0, 1 or 2 closed by the caller (bash
 * leaves its script open on a free descriptor 2: that one is the launcher's, never the caller's);
 * and a first command named through a symbolic link and {@code ..}, or as {@code ./script} (the
 * kernel resolves the name as given, and a script sees it as its $0). Each line runs natively and
 * through a launcher script that does what {@code ./seccheck} does ({@code scripts/caller.sh}, then
 * exec java), as root and as uid 65534, and the two outputs must be the same.
 */
class CallersWorldEdgesTest {

    @TempDir
    Path tmp;

    /** Soft RLIMIT_NOFILE below the hard one, a coredump_filter that is not the JVM's 0x3f. */
    @ParameterizedTest(name = "uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void softLimitsAndCoredumpFilter(boolean nobody) throws Exception {
        String line = "ulimit -Sn 256; ulimit -Ss 4096; echo 0x31 > /proc/self/coredump_filter";
        String natively = probeNatively(nobody, line);
        assertThat(natively).contains("rlimit 7 256 ").contains("rlimit 3 4194304 ").contains("coredump_filter 00000031");
        assertThat(probeUnderSeccheck(nobody, line)).isEqualTo(natively);
    }

    /** A descriptor above the hard limit the caller set after opening it. */
    @ParameterizedTest(name = "uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aDescriptorAboveTheLimit(boolean nobody) throws Exception {
        String line = "exec 100</etc/hostname; ulimit -n 64";
        String natively = probeNatively(nobody, line);
        assertThat(natively).contains("fd 100 -> /etc/hostname").contains("rlimit 7 64 64");
        assertThat(probeUnderSeccheck(nobody, line)).isEqualTo(natively);
    }

    /** stdin, stdout, stderr closed, one at a time and all three: they stay closed for the program. */
    @ParameterizedTest(name = "uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void closedStandardDescriptors(boolean nobody) throws Exception {
        java.util.Map<String, List<Integer>> closes = new java.util.LinkedHashMap<>();
        closes.put("2>&-", List.of(2));
        closes.put("<&-", List.of(0));
        closes.put(">&-", List.of(1));
        closes.put("<&- >&- 2>&-", List.of(0, 1, 2));
        for (var c : closes.entrySet()) {
            String line = "exec " + c.getKey();
            String natively = probeNatively(nobody, line);
            assertThat(natively).as(c.getKey()).contains("first open -> " + c.getValue().get(0) + "\n");
            for (int fd : c.getValue()) {
                assertThat(natively).as(c.getKey()).doesNotContain("fd " + fd + " ->");
            }
            assertThat(probeUnderSeccheck(nobody, line)).as(c.getKey()).isEqualTo(natively);
        }
    }

    /** The first command by the name given: {@code lnk/../prog} is what the kernel finds, and a script's $0 is its name. */
    @ParameterizedTest(name = "uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theFirstCommandRunsByTheNameGiven(boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path d = Files.createDirectories(tmp.resolve("names/real/sub"));
        Path names = d.getParent().getParent();
        script(names.resolve("real/prog"), "echo \"ran real/prog, \\$0=$0\"");
        script(names.resolve("prog"), "echo \"ran prog, \\$0=$0\"");
        Files.createSymbolicLink(names.resolve("lnk"), Path.of("real/sub"));
        // sh (dash), as the report's: bash makes a relative name absolute before its execve.
        for (String command : List.of("lnk/../prog", "./prog", "real/../prog", "./real//prog")) {
            String line = "cd " + names + "; exec sh -c 'exec ";
            String natively = shell(nobody, line + command + "'", "native " + command);
            assertThat(natively).isEqualTo(command.startsWith("lnk") || command.startsWith("./real")
                    ? "ran real/prog, $0=" + command + "\n" : "ran prog, $0=" + command + "\n");
            assertThat(shell(nobody, line + launcher(nobody) + " " + command + "'", "seccheck " + command))
                    .as(command).isEqualTo(natively);
        }
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private String probeNatively(boolean nobody, String line) throws Exception {
        return probe(nobody, line, false);
    }

    private String probeUnderSeccheck(boolean nobody, String line) throws Exception {
        return probe(nobody, line, true);
    }

    /**
     * Runs the world probe after {@code line} from a shell whose descriptor 7 is the probe's
     * output (so that stdout may be closed), through /usr/bin/env on both sides (bash sets {@code _}
     * to what it executes), natively or through the launcher.
     */
    private String probe(boolean nobody, String line, boolean underSeccheck) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path probe = tmp.resolve("world_probe");
        if (!Files.exists(probe)) {
            TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-cli/src/test/c/world_probe.c"), probe);
        }
        String command = "cd " + tmp + "; exec 7>&1; " + line + "; exec /usr/bin/env "
                + (underSeccheck ? launcher(nobody) + " " : "") + probe + " 7";
        return shell(nobody, command, underSeccheck ? "seccheck" : "native");
    }

    /** Runs {@code line} with bash, as uid 65534 when {@code nobody}; returns its stdout once it exited 0. */
    private String shell(boolean nobody, String line, String name) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", line));
        if (nobody) {
            cmd = PackagedCli.nobody(cmd.toArray(String[]::new));
        }
        // The same files on both sides, so that descriptors 1 and 2 name the same targets.
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("%s ended within 120 s", name).isTrue();
        } finally {
            p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(p.exitValue()).as("%s exit; stdout: %s; stderr: %s", name, Files.readString(out), Files.readString(err))
                .isZero();
        return Files.readString(out);
    }

    /**
     * A launcher script that does what {@code ./seccheck} does before java runs (sources
     * {@code scripts/caller.sh} and records the caller, under the same shell options), then runs
     * {@code seccheck run} of its arguments with the null session.
     */
    private Path launcher(boolean nobody) throws IOException {
        Path launcher = tmp.resolve(nobody ? "launcher-nobody" : "launcher");
        if (Files.exists(launcher)) {
            return launcher;
        }
        Path root = nobody ? PackagedCli.nobodysDir(tmp.resolve("root-nobody")) : tmp.resolve("root");
        List<String> java = PackagedCli.java(nobody ? PackagedCli.nobodyClasspath() : System.getProperty("java.class.path"));
        String quoted = java.stream().map(a -> "'" + a + "'").collect(Collectors.joining(" "));
        Files.writeString(launcher, "#!/usr/bin/env bash\nset -euo pipefail\n. '" + TestPrograms.repoRoot().resolve("scripts/caller.sh")
                + "'\nseccheck_record_caller\nexec " + quoted + " run --quiet --root '" + root + "' --config '"
                + TestPrograms.nullSession(tmp) + "' -- \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return launcher;
    }
}
