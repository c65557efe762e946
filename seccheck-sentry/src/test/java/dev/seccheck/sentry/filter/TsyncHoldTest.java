package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The TSYNC hold traces exactly seccomp(SECCOMP_SET_MODE_FILTER) with the TSYNC flag, as the kernel reads it. */
class TsyncHoldTest {

    private static final int SECCOMP = 317;

    private static OptionalInt run(int nr, long op, long flags) {
        return BpfInterpreter.run(TsyncHold.FRAGMENT, new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, op, flags));
    }

    @Test
    void tracesAFilterInstalledOnEveryThread() {
        assertThat(run(SECCOMP, 1, TsyncHold.FLAG_TSYNC)).hasValue(TraceTag.RET);
        assertThat(run(SECCOMP, 1, TsyncHold.FLAG_TSYNC | 8)).as("with other flags").hasValue(TraceTag.RET);
        assertThat(run(SECCOMP, 1L | (7L << 32), TsyncHold.FLAG_TSYNC)).as("op's high half, which the kernel ignores")
                .hasValue(TraceTag.RET);
        assertThat(TsyncHold.matches(SECCOMP, 1L | (7L << 32), TsyncHold.FLAG_TSYNC | (1L << 40))).isTrue();
    }

    @Test
    void everythingElseFallsThrough() {
        assertThat(run(SECCOMP, 1, 0)).as("a filter for the calling thread").isEmpty();
        assertThat(run(SECCOMP, 0, TsyncHold.FLAG_TSYNC)).as("strict mode").isEmpty();
        assertThat(run(SECCOMP, 3, TsyncHold.FLAG_TSYNC)).as("GET_NOTIF_SIZES").isEmpty();
        assertThat(run(SECCOMP, 1, 1L << 32)).as("a flag in the high half, which the kernel ignores").isEmpty();
        assertThat(run(157, 22, TsyncHold.FLAG_TSYNC)).as("prctl").isEmpty();
        assertThat(TsyncHold.matches(SECCOMP, 1, 0)).isFalse();
        assertThat(TsyncHold.matches(157, 1, 1)).isFalse();
    }
}
