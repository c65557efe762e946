package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The filter holds exactly the socket() calls that make an MPTCP socket, as {@link MptcpSockets#holds} says. */
class MptcpSocketsTest {

    private static final int SOCKET = 41;

    @Test
    void theFilterAndTheNotifierAgreeOnEverySocketCall() {
        for (long family : new long[] {1, 2, 10, 2 | (1L << 32)}) {
            for (int kind : new int[] {1, 2, 3, 5}) {
                for (int flags : new int[] {0, 04000, 02000000, 04000 | 02000000, 0x100}) {
                    for (long protocol : new long[] {0, 6, 262, 6 | (1L << 8), 262 | (7L << 32)}) {
                        OptionalInt r = BpfInterpreter.run(MptcpSockets.FILTER_FRAGMENT,
                                new BpfInterpreter.Data(SOCKET, Seccomp.AUDIT_ARCH_X86_64, 0, family, kind | flags, protocol));
                        boolean held = MptcpSockets.holds(family, kind | flags, protocol);
                        assertThat(r.isPresent()).as("socket(%d, %#x, %d)", family, kind | flags, protocol).isEqualTo(held);
                        r.ifPresent(v -> assertThat(v).isEqualTo(Seccomp.RET_USER_NOTIF));
                    }
                }
            }
        }
    }

    @Test
    void onlyAStreamOfProtocol262IsHeld() {
        assertThat(MptcpSockets.holds(2, 1, 262)).as("IPv4").isTrue();
        assertThat(MptcpSockets.holds(10, 1 | 04000 | 02000000, 262)).as("IPv6, with both flags").isTrue();
        assertThat(MptcpSockets.holds(2, 1, 262 | (7L << 32))).as("the kernel reads an int").isTrue();
        assertThat(MptcpSockets.holds(2, 3, 262)).as("a raw socket of protocol 262").isFalse();
        assertThat(MptcpSockets.holds(2, 1, 6)).as("TCP").isFalse();
        assertThat(MptcpSockets.holds(1, 1, 262)).as("a unix stream").isFalse();
        assertThat(MptcpSockets.holds(2, 1 | 0x100, 262)).as("a bit the kernel refuses").isFalse();
    }
}
