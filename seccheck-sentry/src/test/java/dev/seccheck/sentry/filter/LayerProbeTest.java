package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The probe mark traces exactly its two getpid calls, each with its own tag, and nothing else. */
class LayerProbeTest {

    private static final int GETPID = 39;
    private static final LayerProbe PROBE = new LayerProbe(GETPID, 0x8765_4321_0fed_cba9L, 0x1234, 0xbeef);

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
        LayerProbe wide = new LayerProbe(GETPID, 1, 0x7_ffff, -1);
        assertThat(wide.tag(0)).isEqualTo(0xffff);
        assertThat(wide.tag(1)).isEqualTo(0xffff);
        assertThat(LayerProbe.fresh(GETPID).key()).isNotEqualTo(LayerProbe.fresh(GETPID).key());
    }

    @Test
    void aProbeIsMadeOfASyscallTheNotifierDoesNotHold() {
        FilterAction[] notified = new FilterAction[450];
        assertThat(LayerProbe.syscallOutside(notified)).hasValue(GETPID);
        notified[GETPID] = FilterAction.NOTIFY;
        assertThat(LayerProbe.syscallOutside(notified)).hasValue(186); // gettid
        for (int nr : new int[] {24, 39, 102, 104, 107, 108, 110, 111, 186}) {
            notified[nr] = FilterAction.NOTIFY;
        }
        assertThat(LayerProbe.syscallOutside(notified)).isEmpty();
        LayerProbe ofGettid = new LayerProbe(186, PROBE.key(), 1, 2);
        assertThat(BpfInterpreter.run(ofGettid.fragment(),
                new BpfInterpreter.Data(186, Seccomp.AUDIT_ARCH_X86_64, 0, PROBE.key(), 0))).hasValue(Seccomp.RET_TRACE | 1);
        assertThat(BpfInterpreter.run(ofGettid.fragment(),
                new BpfInterpreter.Data(GETPID, Seccomp.AUDIT_ARCH_X86_64, 0, PROBE.key(), 0))).isEmpty();
    }
}
