package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The program's CPU mask is the program's after every ptrace stop: the full mask, and one CPU it
 * pinned itself to. Each getppid here is two stops (its enter and exit points). A resumed tracee
 * runs at once, so the tracer may not narrow its mask for the wake-up as the emulation does for a
 * task blocked in an fd install (CpuHandover; that one is checked by conformance.c): tried, this
 * test saw the narrowed mask.
 */
class ProgramCpuMaskTest {

    private static final String PROGRAM = String.join("\n",
            "import os",
            "def kept(want):",
            "    ok = True",
            "    for _ in range(200):",
            "        os.getppid()",
            "        ok = ok and os.sched_getaffinity(0) == want",
            "    return ok",
            "os.sched_setaffinity(0, range(1024))  # every CPU it may use, whatever came before",
            "every = os.sched_getaffinity(0)",
            "print('every cpu kept', kept(every))",
            "os.sched_setaffinity(0, {max(every)})",
            "print('one cpu kept', kept({max(every)}))",
            "os.sched_setaffinity(0, every)",
            "print('every cpu kept again', kept(every))",
            "");

    @TempDir
    Path dir;

    @BeforeEach
    void twoCpus() {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "a hold needs two CPUs");
    }

    @Test
    void aTraceeResumedAfterItsStopsKeepsItsOwnCpuMask() throws Exception {
        Path script = Files.writeString(dir.resolve("mask.py"), PROGRAM);
        Path out = dir.resolve("out");
        SupervisorTest.Run r = new SupervisorTest.Run("syscall/sysno/110/enter", "syscall/sysno/110/exit");
        assertThat(r.run("/bin/sh", "-c", "exec /usr/bin/python3 '" + script + "' > '" + out + "'")).isZero();
        assertThat(Files.readAllLines(out)).containsExactly("every cpu kept True", "one cpu kept True",
                "every cpu kept again True");
        assertThat(r.sink.of("syscall/sysno/110/exit")).hasSizeGreaterThanOrEqualTo(600);
    }
}
