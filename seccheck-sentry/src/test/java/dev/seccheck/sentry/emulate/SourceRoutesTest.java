package dev.seccheck.sentry.emulate;

import static dev.seccheck.sentry.emulate.AncillaryRecords.concat;
import static dev.seccheck.sentry.emulate.AncillaryRecords.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The source routes seccheck refuses under a rule on reaching the network: found in IPv4 option
 * lists as the kernel walks them, in IPv6 routing headers and RFC 2292's packet options, and in a
 * message's ancillary data; the filter holding just the setsockopt calls that may set one.
 * PolicyEnforcementTest sends each route for real.
 */
class SourceRoutesTest {

    private static final int NOP = 1;
    private static final int END = 0;
    private static final int LSRR = 0x83;
    private static final int SSRR = 0x89;
    private static final int RR = 7;

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static String ipOptions(byte[] value) throws AncillaryData.Malformed {
        return SourceRoutes.inOption(SourceRoutes.SOL_IP, SourceRoutes.IP_OPTIONS, value);
    }

    @Test
    void aLooseOrStrictSourceRouteAnywhereInTheListIsOne() throws Exception {
        assertThat(ipOptions(bytes(NOP, LSRR, 7, 4, 10, 1, 2, 3))).contains("LSRR");
        assertThat(ipOptions(bytes(SSRR, 7, 4, 10, 1, 2, 3, END))).contains("SSRR");
        assertThat(ipOptions(bytes(RR, 7, 4, 0, 0, 0, 0, NOP, LSRR, 7, 4, 10, 1, 2, 3, END))).contains("LSRR");
    }

    @Test
    void aRouteCutShortIsReadIntoTheKernelsPadding() throws Exception {
        // Six bytes are padded to eight with end options: a seven-byte route to 10.1.2.0.
        assertThat(ipOptions(bytes(LSRR, 7, 4, 10, 1, 2))).contains("LSRR");
        assertThat(ipOptions(bytes(NOP, SSRR, 7, 4, 10))).contains("SSRR");
        byte[] message = new byte[38];
        java.util.Arrays.fill(message, (byte) NOP);
        System.arraycopy(bytes(LSRR, 7, 4, 10, 1, 2), 0, message, 32, 6);
        assertThat(route(SourceRoutes.SOL_IP, SourceRoutes.IP_RETOPTS, message)).contains("LSRR");
        // Past the padding, the list is refused whole.
        assertThat(ipOptions(bytes(LSRR, 11, 4, 10, 1, 2))).isNull();
    }

    @Test
    void otherOptionsAndListsTheKernelEndsOrRefusesRouteNothing() throws Exception {
        assertThat(ipOptions(bytes())).isNull();
        assertThat(ipOptions(bytes(NOP, RR, 7, 4, 0, 0, 0, 0))).isNull();
        // The end option ends the list: a route after it is never read.
        assertThat(ipOptions(bytes(END, LSRR, 7, 4, 10, 1, 2, 3))).isNull();
        // A length below 2 or past the list: the kernel refuses the whole list (EINVAL).
        assertThat(ipOptions(bytes(RR, 1, LSRR, 7, 4, 10, 1, 2))).isNull();
        assertThat(ipOptions(bytes(RR, 40, 0, 0))).isNull();
    }

    @Test
    void aMessagesOptionsAreReadAsFarAsTheKernelTakesThem() throws Exception {
        byte[] within = new byte[40];
        java.util.Arrays.fill(within, (byte) NOP);
        System.arraycopy(bytes(LSRR, 7, 4, 10, 1, 2, 3), 0, within, 32, 7);
        assertThat(route(SourceRoutes.SOL_IP, SourceRoutes.IP_RETOPTS, within)).contains("LSRR");
        // The kernel takes the first 40 bytes of IP_RETOPTS: a route starting beyond them is not sent.
        byte[] beyond = new byte[48];
        java.util.Arrays.fill(beyond, (byte) NOP);
        System.arraycopy(bytes(LSRR, 7, 4, 10, 1, 2, 3), 0, beyond, 40, 7);
        assertThat(route(SourceRoutes.SOL_IP, SourceRoutes.IP_RETOPTS, beyond)).isNull();
        assertThat(route(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, new byte[24])).contains("IPV6_RTHDR");
        assertThat(route(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_2292RTHDR, new byte[24])).contains("IPV6_2292RTHDR");
        assertThat(route(SourceRoutes.SOL_IP, 2 /* IP_TTL */, new byte[4])).isNull();
        assertThat(route(1 /* SOL_SOCKET */, 1 /* SCM_RIGHTS */, new byte[4])).isNull();
    }

    @Test
    void anyIpv6RoutingHeaderIsOneAndAnEmptyOneRemovesIt() throws Exception {
        assertThat(SourceRoutes.inOption(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, new byte[40]))
                .contains("IPV6_RTHDR");
        assertThat(SourceRoutes.inOption(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, new byte[0])).isNull();
    }

    @Test
    void rfc2292PacketOptionsAreReadRecordByRecord() throws Exception {
        byte[] pktinfo = record(SourceRoutes.SOL_IPV6, 50 /* IPV6_PKTINFO */, new byte[20]);
        byte[] rthdr = record(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, new byte[24]);
        int pkt = SourceRoutes.IPV6_2292PKTOPTIONS;
        assertThat(SourceRoutes.inOption(SourceRoutes.SOL_IPV6, pkt, pktinfo)).isNull();
        assertThat(SourceRoutes.inOption(SourceRoutes.SOL_IPV6, pkt, concat(pktinfo, rthdr)))
                .contains("IPV6_RTHDR").contains("IPV6_2292PKTOPTIONS");
        byte[] malformed = rthdr.clone();
        ByteBuffer.wrap(malformed).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 8);
        assertThatThrownBy(() -> SourceRoutes.inOption(SourceRoutes.SOL_IPV6, pkt, malformed))
                .isInstanceOf(AncillaryData.Malformed.class);
    }

    @Test
    void recordsAreWalkedAsTheKernelWalksThem() throws Exception {
        byte[] two = concat(record(1, 1, new byte[4]), record(0, 2, new byte[4]));
        assertThat(AncillaryData.records(two)).extracting(AncillaryData.Record::at, AncillaryData.Record::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 1), org.assertj.core.groups.Tuple.tuple(24, 2));
        // A tail shorter than a header is ignored; a record running past the data is refused.
        assertThat(AncillaryData.records(concat(record(1, 1, new byte[4]), new byte[8]))).hasSize(1);
        byte[] past = record(1, 1, new byte[4]);
        ByteBuffer.wrap(past).order(ByteOrder.LITTLE_ENDIAN).putLong(0, past.length + 8);
        assertThatThrownBy(() -> AncillaryData.records(past)).isInstanceOf(AncillaryData.Malformed.class);
    }

    @Test
    void aMessagePassingARouteOrCredentialsIsRefusedAndOtherRecordsGoAsWritten() throws Exception {
        byte[] ttl = record(SourceRoutes.SOL_IP, 2, new byte[] {7, 0, 0, 0});
        try (PassedFds passed = PassedFds.take(ttl, fd -> -Errno.EBADF, TAKEN, true, ROOMY)) {
            assertThat(passed.control()).isEqualTo(ttl);
        }
        byte[] route = record(SourceRoutes.SOL_IP, SourceRoutes.IP_RETOPTS, bytes(NOP, LSRR, 7, 4, 10, 1, 2, 3));
        assertThatThrownBy(() -> PassedFds.take(concat(ttl, route), fd -> -Errno.EBADF, TAKEN, true, ROOMY))
                .isInstanceOfSatisfying(PassedFds.Refused.class, e -> {
                    assertThat(e.errno).isEqualTo(Errno.EPERM);
                    assertThat(e.attempt).contains("LSRR");
                });
        byte[] credentials = record(1, 2 /* SCM_CREDENTIALS */, new byte[12]);
        assertThatThrownBy(() -> PassedFds.take(credentials, fd -> -Errno.EBADF, TAKEN, true, ROOMY))
                .isInstanceOfSatisfying(PassedFds.Refused.class, e -> assertThat(e.errno).isEqualTo(Errno.EPERM));
        // Descriptors are renamed to seccheck's copies (here fds of /dev/null, closed with the
        // PassedFds); the TTL beside them is kept as written.
        byte[] rights = AncillaryRecords.rights(3, 4);
        PathCalls calls = new PathCalls();
        java.util.List<Integer> ours = new java.util.ArrayList<>();
        try (PassedFds passed = PassedFds.take(concat(rights, ttl), fd -> {
            int copy = calls.openat(Fcntl.AT_FDCWD, "/dev/null", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
            ours.add(copy);
            return copy;
        }, TAKEN, true, ROOMY)) {
            ByteBuffer out = ByteBuffer.wrap(passed.control()).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(out.getInt(16)).isEqualTo(ours.get(0));
            assertThat(out.getInt(20)).isEqualTo(ours.get(1));
            assertThat(java.util.Arrays.copyOfRange(passed.control(), 24, 24 + ttl.length)).isEqualTo(ttl);
        }
    }

    @Test
    void aRouteTheSocketIgnoresGoesAsWrittenAndOneTheKernelRefusesIsMadeRefusedWherever() throws Exception {
        byte[] ttl = record(SourceRoutes.SOL_IP, 2, new byte[] {7, 0, 0, 0});
        byte[] route = record(SourceRoutes.SOL_IP, SourceRoutes.IP_RETOPTS, bytes(NOP, LSRR, 7, 4, 10, 1, 2, 3));
        byte[] both = concat(ttl, route);
        try (PassedFds passed = PassedFds.take(both, fd -> -Errno.EBADF, (r, data) -> PassedFds.Route.IGNORED, true, ROOMY)) {
            assertThat(passed.control()).isEqualTo(both);
        }
        try (PassedFds passed = PassedFds.take(both, fd -> -Errno.EBADF, (r, data) -> PassedFds.Route.REFUSED, true, ROOMY)) {
            byte[] refused = both.clone();
            refused[ttl.length + AncillaryData.HEADER] = (byte) IpOptions.RECORD_ROUTE;
            refused[ttl.length + AncillaryData.HEADER + 1] = 0;
            assertThat(passed.control()).isEqualTo(refused); // RouteFuzzTest sends such lists for real
        }
    }

    private static final PassedFds.Routes TAKEN = (r, data) -> PassedFds.Route.TAKEN;
    /** Room for any message's descriptors. */
    private static final PassedFdBudget ROOMY = new PassedFdBudget(PassedFdBudget.MOST);

    @Test
    void theKernelsLengthChecksAreMadeBeforeTheValueIsRead() {
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IP, SourceRoutes.IP_OPTIONS, 40)).isFalse();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IP, SourceRoutes.IP_OPTIONS, 41)).isTrue();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, 0)).isFalse();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, 12)).isTrue();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, 2040)).isFalse();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_RTHDR, 2048)).isTrue();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_2292PKTOPTIONS, 65536))
                .isFalse();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IPV6, SourceRoutes.IPV6_2292PKTOPTIONS, 65537))
                .isTrue();
        assertThat(SourceRoutes.lengthRefused(SourceRoutes.SOL_IP, SourceRoutes.IP_OPTIONS, -1)).isTrue();
    }

    @Test
    void theFilterHoldsExactlyTheOptionsThatMaySetARoute() {
        int[][] options = {{0, 4}, {41, 57}, {41, 6}, {0, 2}, {41, 50}, {1, 4}, {6, 4}, {0, 57}, {41, 4}};
        for (int[] o : options) {
            OptionalInt verdict = BpfInterpreter.run(SourceRoutes.FILTER_FRAGMENT,
                    new BpfInterpreter.Data(Sysno.SETSOCKOPT, Seccomp.AUDIT_ARCH_X86_64, 0, 3, o[0], o[1], 0, 8));
            boolean held = SourceRoutes.holds(o[0], o[1]);
            assertThat(verdict).as("setsockopt level %d name %d", o[0], o[1])
                    .isEqualTo(held ? OptionalInt.of(Seccomp.RET_USER_NOTIF) : OptionalInt.empty());
        }
        assertThat(SourceRoutes.holds(0, 4)).isTrue();
        assertThat(SourceRoutes.holds(41, 6)).isTrue();
        assertThat(SourceRoutes.holds(41, 50)).isFalse();
        // The upper halves of level and name are not the kernel's: they do not change the verdict.
        assertThat(BpfInterpreter.run(SourceRoutes.FILTER_FRAGMENT, new BpfInterpreter.Data(Sysno.SETSOCKOPT,
                Seccomp.AUDIT_ARCH_X86_64, 0, 3, 1L << 32, 4L | 7L << 32, 0, 8))).hasValue(Seccomp.RET_USER_NOTIF);
        // Other syscalls with the same arguments fall through.
        assertThat(BpfInterpreter.run(SourceRoutes.FILTER_FRAGMENT,
                new BpfInterpreter.Data(Sysno.GETSOCKOPT, Seccomp.AUDIT_ARCH_X86_64, 0, 3, 0, 4, 0, 8))).isEmpty();
    }

    private static String route(int level, int type, byte[] value) throws AncillaryData.Malformed {
        byte[] data = record(level, type, value);
        return SourceRoutes.inMessage(AncillaryData.records(data).getFirst(), data);
    }
}
