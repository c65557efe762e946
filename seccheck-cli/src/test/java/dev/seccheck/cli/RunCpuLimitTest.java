package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ulimit -t} counts seccheck's own CPU time: a run that reaches it ends cleanly, the program
 * killed, with a closing line that says why and status 128+SIGXCPU, and no runtime directory left.
 * Before, the kernel SIGKILLed seccheck at the limit (status 137, nothing printed, the program
 * killed with it, the runtime directory stale), as root and as uid 65534.
 */
class RunCpuLimitTest {

    @TempDir
    Path tmp;

    /**
     * {@code prlimit --cpu=2:2} (what {@code ulimit -t 2} sets) on {@code seccheck run -e
     * trace=openat} of a program that opens a file until it has used 1 s of CPU of its own:
     * seccheck spends more than that on the trace.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aRunThatReachesSecchecksCpuLimitEndsCleanlyWithStatus152(boolean nobody) throws Exception {
        Path dir = tmp;
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            dir = PackagedCli.nobodysDir(tmp.resolve("u"));
        }
        Path program = CPrograms.compile("src/test/c/cpu_opens.c", tmp);
        Path root = dir.resolve("root");
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--cpu=2:2", "--"));
        cmd.addAll(nobody ? PackagedCli.asNobody(PackagedCli.nobodyClasspath())
                : PackagedCli.java(System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--root", root.toString(), "-e", "trace=openat", "-o", "/dev/null", "--",
                program.toString(), "1"));
        Path out = tmp.resolve("out");
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertThat(run.waitFor(120, TimeUnit.SECONDS)).as("the run ended: %s", Files.readString(out)).isTrue();
        } finally {
            run.destroyForcibly();
        }
        String printed = Files.readString(out);
        assertThat(run.exitValue()).as("128+SIGXCPU; output %s", printed).isEqualTo(152);
        assertThat(printed.lines().toList()).as("output").last().asString()
                .matches("seccheck: run run-\\w+ ended: seccheck's CPU time limit \\(ulimit -t 2\\) was reached.*");
        assertThat(printed).as("the program was killed before it finished").doesNotContain("done ");
        assertThat(RunSignalsTest.runtimeDirectoriesLeft(root)).as("runtime directories left").isEmpty();
    }
}
