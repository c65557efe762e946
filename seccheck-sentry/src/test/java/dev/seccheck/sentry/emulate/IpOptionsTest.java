package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The list seccheck's trial asks the kernel about, made so that the answer does not depend on
 * the trial thread's CAP_NET_RAW: the options only that capability lets through become options
 * anyone may set when the program holds it, and refuse the list when it does not; the rest is
 * tried as given, padded as the kernel pads it. RouteFuzzTest checks the answers against the
 * kernel's, natively and in a namespace of the program's own.
 */
class IpOptionsTest {

    private static final int NOP = 1;
    private static final int LSRR = 0x83;
    private static final int TS = 0x44;
    private static final int SEC = 0x82;
    private static final int CIPSO = 0x86;
    private static final BooleanSupplier HOLDS = () -> true;
    private static final BooleanSupplier LACKS = () -> false;

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static byte[] trial(BooleanSupplier netRaw, int... list) {
        byte[] b = bytes(list);
        return IpOptions.of(b, 0, b.length).forTrial(netRaw);
    }

    @Test
    void optionsAnyoneMaySetAreTriedAsGivenPadded() {
        AtomicInteger asked = new AtomicInteger();
        byte[] route = trial(() -> asked.incrementAndGet() > 0, LSRR, 7, 4, 10, 1, 2, 3, TS, 8, 5, 0x01);
        assertThat(route).containsExactly(LSRR, 7, 4, 10, 1, 2, 3, TS, 8, 5, 0x01, 0);
        assertThat(asked).as("the capability is asked only when an option needs it").hasValue(0);
    }

    @Test
    void anOptionOnlyCapNetRawLetsThroughBecomesNoOpsForAProgramHoldingIt() {
        assertThat(trial(HOLDS, SEC, 4, 0, 0, LSRR, 7, 4, 10, 1, 2, 3, 0x99))
                .containsExactly(NOP, NOP, NOP, NOP, LSRR, 7, 4, 10, 1, 2, 3, 0x99);
        assertThat(trial(LACKS, SEC, 4, 0, 0, LSRR, 7, 4, 10, 1, 2, 3, 0)).isNull();
        // An unknown type too; but not one the walk never reaches, past an end option or a bad length.
        assertThat(trial(LACKS, 0x5a, 2, LSRR, 7, 4, 10, 1, 2, 3, 0)).isNull();
        assertThat(trial(LACKS, LSRR, 7, 4, 10, 1, 2, 3, 0, 0x5a, 2, 0, 0)).isNotNull();
        assertThat(trial(LACKS, LSRR, 1, 4, 10, 0x5a, 2, 0, 0)).isNotNull();
    }

    @Test
    void aTimestampWithAnUnknownFlagBecomesOneOfTimesOnly() {
        // Flag 0xf (overflow 0x7): only CAP_NET_RAW lets it through, and it still counts as the
        // list's one timestamp, as a timestamp of times only (flag 0) does.
        assertThat(trial(HOLDS, TS, 8, 5, 0x7f, 0, 0, 0, 0)).containsExactly(TS, 8, 5, 0x70, 0, 0, 0, 0);
        assertThat(trial(LACKS, TS, 8, 5, 0x7f, 0, 0, 0, 0)).isNull();
        // A pointer past the option: the kernel counts an overflow and never reads the flag.
        assertThat(trial(LACKS, TS, 8, 9, 0x7f, 0, 0, 0, 0)).containsExactly(TS, 8, 9, 0x7f, 0, 0, 0, 0);
    }

    @Test
    void aCipsoOptionIsLeftToTheKernelsLabelsForAProgramHoldingTheCapability() {
        assertThat(trial(HOLDS, CIPSO, 6, 0, 0, 0, 1, 0, 0)).containsExactly(CIPSO, 6, 0, 0, 0, 1, 0, 0);
        assertThat(trial(LACKS, CIPSO, 6, 0, 0, 0, 1, 0, 0)).isNull();
    }
}
