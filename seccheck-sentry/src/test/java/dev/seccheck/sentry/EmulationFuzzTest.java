package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.sentry.testing.FuzzRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * EmulationFuzzTest: a program that lies in the arguments of the calls seccheck performs for it
 * (pointers to nothing or to an unreadable page, strings and structures running into it, lengths
 * and counts past their limits, unknown flags, control records that misstate their lengths) gets
 * exactly the kernel's answers under seccheck, call for call, and seccheck's emulation meets no
 * error of its own ({@code src/test/c/argument_fuzz.c}, 2,500 calls per seed). Seeds 1 to 8 run
 * by default; {@code -Dfuzz.seeds=1-500} runs more (docs/emulation.md).
 */
class EmulationFuzzTest {

    private static final int CALLS = 2500;

    @TempDir
    Path dir;

    /** The seeds to run: {@code fuzz.seeds}, "FIRST-LAST", 1-8 when unset. */
    static IntStream seeds() {
        return FuzzRuns.seeds("1-8");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void liesInTheArgumentsGetTheKernelsAnswers(int seed) throws Exception {
        Path natively = Files.createDirectory(dir.resolve("n"));
        Path emulated = Files.createDirectory(dir.resolve("e"));
        Path bin = CWorkloads.binary("argument_fuzz");
        Process p = new ProcessBuilder(bin.toString(), Integer.toString(seed), Integer.toString(CALLS))
                .directory(natively.toFile()).redirectOutput(dir.resolve("native.out").toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter", "syscall/openat/exit",
                "syscall/open/enter", "syscall/creat/enter", "syscall/connect/enter", "syscall/connect/exit",
                "syscall/bind/enter", "syscall/accept4/enter", "syscall/accept4/exit");
        r.sink.deciding = true; // a sink that may deny: links, renames and the calls on names are emulated too
        Path out = dir.resolve("emulated.out");
        assertThat(r.run("/bin/sh", "-c",
                "cd '" + emulated + "' && exec '" + bin + "' " + seed + " " + CALLS + " > '" + out + "'")).isZero();

        FuzzRuns.sameLines(Files.readAllLines(dir.resolve("native.out")), Files.readAllLines(out), seed, CALLS);
        assertThat(r.warnings).as("seccheck's own errors while emulating").noneMatch(w -> w.contains("emulating"));
    }
}
