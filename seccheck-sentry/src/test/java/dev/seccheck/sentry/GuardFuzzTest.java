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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GuardFuzzTest: a program that lies in the arguments of the calls seccheck's guard holds for it
 * (signals to one task, the scheduling calls, a file's signal owner, the calls on another
 * process's memory and limits) gets exactly the kernel's answers under seccheck, call for call,
 * where seccheck answers for the kernel: a call aimed at no task, whose answer seccheck gives so
 * that no task can take the number in between, must fail as the kernel fails it, its arguments
 * checked first in the kernel's order ({@code src/test/c/guard_fuzz.c}, 2,000 calls per seed; it
 * never names seccheck). Seeds 1 to 16 run by default; {@code -Dfuzz.seeds=1-100} runs more.
 */
class GuardFuzzTest {

    private static final int CALLS = 2000;

    @TempDir
    Path dir;

    /** The seeds to run: {@code fuzz.seeds}, "FIRST-LAST", 1-16 when unset. */
    static IntStream seeds() {
        return FuzzRuns.seeds("1-16");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void liesInTheArgumentsOfHeldCallsGetTheKernelsAnswers(int seed) throws Exception {
        compare(seed, "");
    }

    /**
     * The same from a pid namespace of the program's own (and a user namespace, where it may make
     * one), where its processes have numbers of their own: a call aimed at its child or thread
     * there was looked up by seccheck's numbers and refused (EPERM) as aimed outside the run.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4})
    void inAPidNamespaceOfItsOwnTooTheCallsGetTheKernelsAnswers(int seed) throws Exception {
        compare(seed, "unshare --user --map-root-user --pid --fork --mount-proc ");
    }

    /** Runs the fuzzer with {@code seed} after {@code prefix} natively and under seccheck, and compares them. */
    private void compare(int seed, String prefix) throws Exception {
        Path bin = CWorkloads.binary("guard_fuzz");
        // Under a shell, so that in a new pid namespace the fuzzer is not its first process, whose
        // process group 1 would make kill(-group) a kill(-1), which seccheck refuses on purpose.
        String fuzz = prefix + "sh -c '\"" + bin + "\" " + seed + " " + CALLS + "'";
        Process p = new ProcessBuilder("/bin/sh", "-c", fuzz).directory(dir.toFile())
                .redirectOutput(dir.resolve("native.out").toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        SupervisorTest.Run r = new SupervisorTest.Run("sentry/task_exit");
        Path out = dir.resolve("supervised.out");
        assertThat(r.run("/bin/sh", "-c", fuzz + " > '" + out + "'")).isZero();

        FuzzRuns.sameLines(Files.readAllLines(dir.resolve("native.out")), Files.readAllLines(out), seed, CALLS);
    }
}
