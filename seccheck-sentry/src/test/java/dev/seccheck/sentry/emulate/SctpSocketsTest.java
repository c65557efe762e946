package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The filter holds exactly the socket() calls that make an SCTP socket, as {@link SctpSockets#holds} says. */
class SctpSocketsTest {

    private static final int SOCKET = 41;

    @Test
    void theFilterAndTheNotifierAgreeOnEverySocketCall() {
        for (long family : new long[] {1, 2, 10, 2 | (1L << 32)}) {
            for (int kind : new int[] {1, 2, 3, 5}) {
                for (int flags : new int[] {0, 04000, 02000000, 04000 | 02000000, 0x100}) {
                    for (long protocol : new long[] {0, 6, 17, 132, 132 | (7L << 32)}) {
                        OptionalInt r = BpfInterpreter.run(SctpSockets.FILTER_FRAGMENT,
                                new BpfInterpreter.Data(SOCKET, Seccomp.AUDIT_ARCH_X86_64, 0, family, kind | flags, protocol));
                        boolean held = SctpSockets.holds(family, kind | flags, protocol);
                        assertThat(r.isPresent()).as("socket(%d, %#x, %d)", family, kind | flags, protocol).isEqualTo(held);
                        r.ifPresent(v -> assertThat(v).isEqualTo(Seccomp.RET_USER_NOTIF));
                    }
                }
            }
        }
    }

    @Test
    void sctpsTwoTypesAreHeldAndNothingElse() {
        assertThat(SctpSockets.holds(2, 1, 132)).as("SOCK_STREAM of SCTP").isTrue();
        assertThat(SctpSockets.holds(10, 5 | 02000000, 132)).as("SOCK_SEQPACKET of SCTP").isTrue();
        assertThat(SctpSockets.holds(2, 5 | 04000, 0)).as("SOCK_SEQPACKET, which the kernel makes SCTP").isTrue();
        assertThat(SctpSockets.holds(2, 3, 132)).as("a raw socket of protocol 132").isFalse();
        assertThat(SctpSockets.holds(2, 1, 0)).as("TCP").isFalse();
        assertThat(SctpSockets.holds(1, 5, 0)).as("a unix SOCK_SEQPACKET").isFalse();
        assertThat(SctpSockets.holds(2, 5 | 0x100, 0)).as("a bit the kernel refuses").isFalse();
        assertThat(SctpSockets.refusal(5 | 04000)).isEqualTo(Errno.ESOCKTNOSUPPORT);
        assertThat(SctpSockets.refusal(1)).isEqualTo(Errno.EPROTONOSUPPORT);
    }
}
