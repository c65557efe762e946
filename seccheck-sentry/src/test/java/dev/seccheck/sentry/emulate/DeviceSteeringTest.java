package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import dev.seccheck.sentry.filter.Fragment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The parts of {@link DeviceSteering} and {@link MulticastJoins} that need no kernel: the filter
 * holds exactly the options they serve, which addresses are loopback, and what a join reports.
 * End to end, with a capture on a real link: the CLI's DeviceSteeringTest.
 */
class DeviceSteeringTest {

    private static final int[][] OPTIONS = {{1, 25}, {1, 62}, {0, 50}, {41, 76}, {0, 35}, {0, 38}, {0, 39}, {0, 42},
        {0, 43}, {0, 46}, {41, 20}, {41, 42}, {41, 43}, {41, 46}, {0, 36}, {41, 21}, {0, 48}, {1, 2}, {0, 8}, {41, 50},
        {6, 25}, {0, 25}, {41, 35}};

    @Test
    void theFiltersHoldExactlyTheOptionsServed() {
        for (int[] o : OPTIONS) {
            assertThat(verdict(DeviceSteering.FILTER_FRAGMENT, o)).as("device option level %d name %d", o[0], o[1])
                    .isEqualTo(DeviceSteering.holds(o[0], o[1]) ? OptionalInt.of(Seccomp.RET_USER_NOTIF) : OptionalInt.empty());
            assertThat(verdict(MulticastJoins.FILTER_FRAGMENT, o)).as("join level %d name %d", o[0], o[1])
                    .isEqualTo(MulticastJoins.holds(o[0], o[1]) ? OptionalInt.of(Seccomp.RET_USER_NOTIF) : OptionalInt.empty());
        }
        assertThat(DeviceSteering.holds(1, 25)).isTrue();
        assertThat(DeviceSteering.holds(0, 50)).isTrue();
        assertThat(DeviceSteering.holds(41, 50)).isFalse();
        assertThat(MulticastJoins.holds(0, 35)).isTrue();
        assertThat(MulticastJoins.holds(41, 20)).isTrue();
        assertThat(MulticastJoins.holds(0, 36)).as("a drop").isFalse();
    }

    private static OptionalInt verdict(Fragment f, int[] o) {
        return BpfInterpreter.run(f, new BpfInterpreter.Data(Sysno.SETSOCKOPT, Seccomp.AUDIT_ARCH_X86_64, 0, 3, o[0], o[1],
                0, 4));
    }

    @Test
    void loopbackAddressesAreIpv4sWholeBlockIpv6sOneAndItsMappedForm() {
        assertThat(DeviceSteering.loopback(in4(127, 0, 0, 1))).isTrue();
        assertThat(DeviceSteering.loopback(in4(127, 9, 8, 7))).isTrue();
        assertThat(DeviceSteering.loopback(in4(10, 0, 0, 1))).isFalse();
        assertThat(DeviceSteering.loopback(in4(0, 0, 0, 0))).as("unspecified: delivered here by any device").isFalse();
        assertThat(DeviceSteering.loopback(in6(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}))).isTrue();
        assertThat(DeviceSteering.loopback(in6(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 127, 0, 0, 1}))).isTrue();
        assertThat(DeviceSteering.loopback(in6(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, 0, 1}))).isFalse();
        assertThat(DeviceSteering.loopback(in6(new byte[16]))).isFalse();
        assertThat(DeviceSteering.loopback(null)).isFalse();
    }

    @Test
    void aJoinReportsItsGroupAndSources() {
        byte[] mreq = {(byte) 239, 1, 2, 3, 10, 9, 9, 1, 'L', 'E', 'A', 'K'};
        assertThat(MulticastJoins.reached(0, 39, mreq)).containsExactly(in4(239, 1, 2, 3), in4('L', 'E', 'A', 'K'));
        assertThat(MulticastJoins.reached(0, 35, java.util.Arrays.copyOf(mreq, 8))).containsExactly(in4(239, 1, 2, 3));
        assertThat(MulticastJoins.reached(0, 35, new byte[7])).as("refused by the kernel").isEmpty();
        ByteBuffer greq = ByteBuffer.allocate(264).order(ByteOrder.LITTLE_ENDIAN);
        greq.put(8, in4(239, 7, 7, 7)).put(136, in4(1, 2, 3, 4));
        assertThat(MulticastJoins.reached(0, 46, greq.array())).containsExactly(in4(239, 7, 7, 7), in4(1, 2, 3, 4));
        assertThat(MulticastJoins.reached(41, 42, java.util.Arrays.copyOf(greq.array(), 136)))
                .containsExactly(in4(239, 7, 7, 7));
        byte[] group6 = {(byte) 0xff, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'L', 'E', 'A', 'K'};
        assertThat(MulticastJoins.reached(41, 20, java.util.Arrays.copyOf(group6, 20))).containsExactly(in6(group6));
    }

    private static byte[] in4(int a, int b, int c, int d) {
        return new byte[] {2, 0, 0, 0, (byte) a, (byte) b, (byte) c, (byte) d, 0, 0, 0, 0, 0, 0, 0, 0};
    }

    private static byte[] in6(byte[] ip) {
        byte[] s = new byte[28];
        s[0] = 10;
        System.arraycopy(ip, 0, s, 8, 16);
        return s;
    }
}
