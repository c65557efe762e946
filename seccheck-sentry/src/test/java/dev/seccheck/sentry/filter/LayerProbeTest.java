package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The probe mark traces exactly its two getpid calls, each with its own tag, and nothing else. */
class LayerProbeTest {

    private static final int GETPID = 39;
    private static final LayerProbe PROBE = new LayerProbe(0x8765_4321_0fed_cba9L, 0x1234, 0xbeef);

    private static OptionalInt run(int nr, long... args) {
        return BpfInterpreter.run(PROBE.fragment(), new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, args));
    }

    @Test
    void eachProbeCallStopsWithItsTag() {
        assertThat(run(GETPID, PROBE.key(), 0)).hasValue(Seccomp.RET_TRACE | 0x1234);
        assertThat(run(GETPID, PROBE.key(), 1)).hasValue(Seccomp.RET_TRACE | 0xbeef);
    }

    @Test
    void everythingElseFallsThrough() {
        long key = PROBE.key();
        assertThat(run(GETPID)).isEmpty();
        assertThat(run(GETPID, key, 2)).isEmpty();
        assertThat(run(GETPID, key, 1L << 32)).as("selector's high word set").isEmpty();
        assertThat(run(GETPID, key ^ 1, 0)).isEmpty();
        assertThat(run(GETPID, key ^ (1L << 40), 0)).as("key's high word differs").isEmpty();
        for (int nr = 0; nr < 450; nr++) {
            if (nr != GETPID) {
                assertThat(run(nr, key, 0)).as("syscall %d", nr).isEmpty();
            }
        }
    }

    @Test
    void tagsKeepToTheDataBitsAndFreshProbesDiffer() throws Exception {
        LayerProbe wide = new LayerProbe(1, 0x7_ffff, -1);
        assertThat(wide.tag(0)).isEqualTo(0xffff);
        assertThat(wide.tag(1)).isEqualTo(0xffff);
        assertThat(LayerProbe.fresh().key()).isNotEqualTo(LayerProbe.fresh().key());
    }
}
