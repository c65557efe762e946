package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Errno;
import dev.seccheck.linux.Seccomp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Runs the compiled seccomp programs in a small classic-BPF interpreter and checks every decision. */
class SeccompFilterTest {

    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int ENOSYS = Seccomp.RET_ERRNO | Errno.ENOSYS;

    /** Evaluates a seccomp program on seccomp_data {nr, arch}; fails on anything seccomp would reject. */
    static int run(byte[] prog, int nr, int arch) {
        ByteBuffer b = ByteBuffer.wrap(prog).order(ByteOrder.LITTLE_ENDIAN);
        int n = prog.length / 8;
        int acc = 0;
        int pc = 0;
        int steps = 0;
        while (true) {
            assertThat(pc).as("pc inside program").isBetween(0, n - 1);
            assertThat(++steps).as("no loops").isLessThanOrEqualTo(n);
            int code = b.getShort(pc * 8) & 0xffff;
            int jt = b.get(pc * 8 + 2) & 0xff;
            int jf = b.get(pc * 8 + 3) & 0xff;
            int k = b.getInt(pc * 8 + 4);
            switch (code) {
                case 0x20 -> {
                    acc = switch (k) {
                        case 0 -> nr;
                        case 4 -> arch;
                        default -> throw new AssertionError("load from offset " + k);
                    };
                    pc++;
                }
                case 0x15 -> pc += 1 + (acc == k ? jt : jf);
                case 0x35 -> pc += 1 + (Integer.compareUnsigned(acc, k) >= 0 ? jt : jf);
                case 0x05 -> pc += 1 + k;
                case 0x06 -> {
                    return k;
                }
                default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(code));
            }
        }
    }

    private static void checkAll(FilterAction[] table) {
        byte[] prog = SeccompFilter.compile(table);
        assertThat(prog.length / 8).isLessThanOrEqualTo(4096);
        for (int nr = 0; nr <= SeccompFilter.MAX_SYSNO + 200; nr++) {
            FilterAction want = nr < table.length && table[nr] != null ? table[nr] : FilterAction.ALLOW;
            if (nr > SeccompFilter.MAX_SYSNO) {
                want = FilterAction.ALLOW;
            }
            assertThat(run(prog, nr, Seccomp.AUDIT_ARCH_X86_64)).as("syscall %d", nr).isEqualTo(want.ret());
            assertThat(run(prog, nr, AUDIT_ARCH_I386)).as("i386 syscall %d", nr).isEqualTo(ENOSYS);
            assertThat(run(prog, nr | Seccomp.X32_SYSCALL_BIT, Seccomp.AUDIT_ARCH_X86_64))
                    .as("x32 syscall %d", nr)
                    .isEqualTo(ENOSYS);
        }
        assertThat(run(prog, -1, Seccomp.AUDIT_ARCH_X86_64)).as("nr -1 has the x32 bit").isEqualTo(ENOSYS);
        assertThat(run(prog, 0x3fffffff, Seccomp.AUDIT_ARCH_X86_64)).isEqualTo(Seccomp.RET_ALLOW);
    }

    @Test
    void emptyTableAllowsEverything() {
        checkAll(new FilterAction[0]);
        assertThat(SeccompFilter.uses(new FilterAction[10], FilterAction.TRACE)).isFalse();
    }

    @Test
    void singleSyscallsAtTheEdges() {
        for (int nr : new int[] {0, 1, 59, 322, SeccompFilter.MAX_SYSNO - 1, SeccompFilter.MAX_SYSNO}) {
            for (FilterAction a : FilterAction.values()) {
                FilterAction[] t = new FilterAction[SeccompFilter.MAX_SYSNO + 1];
                t[nr] = a;
                checkAll(t);
            }
        }
    }

    @Test
    void aFragmentRunsAfterTheArchitectureCheck() {
        // Fragment: load nr; if nr == 59 return TRACE; else fall through.
        ByteBuffer f = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        f.putShort((short) 0x20).put((byte) 0).put((byte) 0).putInt(0);
        f.putShort((short) 0x15).put((byte) 0).put((byte) 1).putInt(59);
        f.putShort((short) 0x06).put((byte) 0).put((byte) 0).putInt(Seccomp.RET_TRACE);
        FilterAction[] t = new FilterAction[400];
        t[257] = FilterAction.NOTIFY;
        t[59] = FilterAction.NOTIFY;
        byte[] prog = SeccompFilter.compile(t, f.array());
        for (int nr = 0; nr < 1100; nr++) {
            int want = nr == 59 ? Seccomp.RET_TRACE : nr == 257 ? Seccomp.RET_USER_NOTIF : Seccomp.RET_ALLOW;
            assertThat(run(prog, nr, Seccomp.AUDIT_ARCH_X86_64)).as("syscall %d", nr).isEqualTo(want);
            assertThat(run(prog, nr, AUDIT_ARCH_I386)).isEqualTo(ENOSYS);
        }
    }

    @Test
    void onlyKeepsOneAction() {
        FilterAction[] t = {FilterAction.TRACE, null, FilterAction.NOTIFY, FilterAction.ALLOW};
        assertThat(SeccompFilter.only(t, FilterAction.NOTIFY)).containsExactly(
                FilterAction.ALLOW, FilterAction.ALLOW, FilterAction.NOTIFY, FilterAction.ALLOW);
        assertThat(SeccompFilter.uses(SeccompFilter.only(t, FilterAction.NOTIFY), FilterAction.TRACE)).isFalse();
    }

    @Test
    void randomTables() {
        Random r = new Random(4);
        FilterAction[] values = FilterAction.values();
        for (int round = 0; round < 200; round++) {
            FilterAction[] t = new FilterAction[1 + r.nextInt(SeccompFilter.MAX_SYSNO + 1)];
            double density = r.nextDouble();
            for (int i = 0; i < t.length; i++) {
                if (r.nextDouble() < density) {
                    t[i] = values[r.nextInt(values.length)];
                }
            }
            checkAll(t);
            assertThat(SeccompFilter.uses(t, FilterAction.NOTIFY)).isEqualTo(java.util.Arrays.asList(t).contains(FilterAction.NOTIFY));
        }
    }

    @Test
    void alternatingMaximalTableStaysUnderTheKernelLimit() {
        FilterAction[] t = new FilterAction[SeccompFilter.MAX_SYSNO + 1];
        for (int i = 0; i < t.length; i++) {
            t[i] = i % 2 == 0 ? FilterAction.TRACE : FilterAction.ALLOW;
        }
        checkAll(t);
        FilterAction[] three = new FilterAction[SeccompFilter.MAX_SYSNO + 1];
        for (int i = 0; i < three.length; i++) {
            three[i] = FilterAction.values()[i % 3];
        }
        checkAll(three);
        assertThat(SeccompFilter.compile(three).length / 8).isLessThan(4096);
    }
}
