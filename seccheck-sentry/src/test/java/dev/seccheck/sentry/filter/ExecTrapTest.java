package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The exec trap traces exactly the execve whose path pointer is the spawner's, all 64 bits of it. */
class ExecTrapTest {

    private static final int EXECVE = 59;
    private static final int EXECVEAT = 322;
    private static final long PATH = 0x7f12_3456_789aL;

    private static OptionalInt run(int nr, long arg0) {
        return BpfInterpreter.run(ExecTrap.fragment(PATH), new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, arg0));
    }

    @Test
    void tracesTheSpawnersExecve() {
        assertThat(run(EXECVE, PATH)).hasValue(TraceTag.RET);
    }

    @Test
    void everythingElseFallsThrough() {
        assertThat(run(EXECVE, PATH + 1)).isEmpty();
        assertThat(run(EXECVE, PATH ^ (1L << 40))).as("high word differs").isEmpty();
        assertThat(run(EXECVE, PATH & 0xffff_ffffL)).as("high word zero").isEmpty();
        assertThat(run(EXECVEAT, PATH)).isEmpty();
        for (int nr = 0; nr < 450; nr++) {
            if (nr != EXECVE) {
                assertThat(run(nr, PATH)).as("syscall %d", nr).isEmpty();
            }
        }
    }

    @Test
    void inAFilterItRunsAfterTheArchitectureCheck() {
        FilterAction[] table = new FilterAction[EXECVE + 1];
        Program p = SeccompFilter.compile(table, ExecTrap.fragment(PATH));
        assertThat(BpfInterpreter.run(p, new BpfInterpreter.Data(EXECVE, Seccomp.AUDIT_ARCH_X86_64, 0, PATH)))
                .isEqualTo(TraceTag.RET);
        assertThat(BpfInterpreter.run(p, new BpfInterpreter.Data(EXECVE, Seccomp.AUDIT_ARCH_X86_64, 0, 1)))
                .isEqualTo(Seccomp.RET_ALLOW);
        assertThat(BpfInterpreter.run(p, new BpfInterpreter.Data(EXECVE, 0x40000003, 0, PATH)))
                .isEqualTo(Seccomp.RET_ERRNO | 38);
    }
}
