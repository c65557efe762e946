package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.emulate.MultipathSockets.Transport;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The filter holds exactly the socket() calls that make an SCTP or MPTCP socket, as {@link MultipathSockets#held} says. */
class MultipathSocketsTest {

    private static final int SOCKET = 41;

    @Test
    void theFilterAndTheNotifierAgreeOnEverySocketCall() {
        for (long family : new long[] {1, 2, 10, 2 | (1L << 32)}) {
            for (int kind : new int[] {1, 2, 3, 5}) {
                for (int flags : new int[] {0, 04000, 02000000, 04000 | 02000000, 0x100}) {
                    for (long protocol : new long[] {0, 6, 17, 132, 132 | (7L << 32), 262, 262 | (7L << 32)}) {
                        OptionalInt r = BpfInterpreter.run(MultipathSockets.FILTER_FRAGMENT,
                                new BpfInterpreter.Data(SOCKET, Seccomp.AUDIT_ARCH_X86_64, 0, family, kind | flags, protocol));
                        boolean held = MultipathSockets.held(family, kind | flags, protocol) != null;
                        assertThat(r.isPresent()).as("socket(%d, %#x, %d)", family, kind | flags, protocol).isEqualTo(held);
                        r.ifPresent(v -> assertThat(v).isEqualTo(Seccomp.RET_USER_NOTIF));
                    }
                }
            }
        }
    }

    @Test
    void sctpsTwoTypesAreHeldAndNothingElse() {
        assertThat(MultipathSockets.held(2, 1, 132)).as("SOCK_STREAM of SCTP").isEqualTo(Transport.SCTP);
        assertThat(MultipathSockets.held(10, 5 | 02000000, 132)).as("SOCK_SEQPACKET of SCTP").isEqualTo(Transport.SCTP);
        assertThat(MultipathSockets.held(2, 5 | 04000, 0)).as("SOCK_SEQPACKET, which the kernel makes SCTP")
                .isEqualTo(Transport.SCTP);
        assertThat(MultipathSockets.held(2, 3, 132)).as("a raw socket of protocol 132").isNull();
        assertThat(MultipathSockets.held(2, 1, 0)).as("TCP").isNull();
        assertThat(MultipathSockets.held(1, 5, 0)).as("a unix SOCK_SEQPACKET").isNull();
        assertThat(MultipathSockets.held(2, 5 | 0x100, 0)).as("a bit the kernel refuses").isNull();
        assertThat(MultipathSockets.refusal(5 | 04000)).isEqualTo(Errno.ESOCKTNOSUPPORT);
        assertThat(MultipathSockets.refusal(1)).isEqualTo(Errno.EPROTONOSUPPORT);
    }

    @Test
    void onlyAStreamOfProtocol262IsHeldForMptcp() {
        assertThat(MultipathSockets.held(2, 1, 262)).as("IPv4").isEqualTo(Transport.MPTCP);
        assertThat(MultipathSockets.held(10, 1 | 04000 | 02000000, 262)).as("IPv6, with both flags")
                .isEqualTo(Transport.MPTCP);
        assertThat(MultipathSockets.held(2, 1, 262 | (7L << 32))).as("the kernel reads an int").isEqualTo(Transport.MPTCP);
        assertThat(MultipathSockets.held(2, 3, 262)).as("a raw socket of protocol 262").isNull();
        assertThat(MultipathSockets.held(2, 5, 262)).as("a SOCK_SEQPACKET of protocol 262").isNull();
        assertThat(MultipathSockets.held(1, 1, 262)).as("a unix stream").isNull();
        assertThat(MultipathSockets.held(2, 1 | 0x100, 262)).as("a bit the kernel refuses").isNull();
    }
}
