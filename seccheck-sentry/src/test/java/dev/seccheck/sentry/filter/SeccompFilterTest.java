package dev.seccheck.sentry.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Seccomp;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Runs the compiled seccomp programs in a small classic-BPF interpreter and checks every decision. */
class SeccompFilterTest {

    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int ENOSYS = Seccomp.RET_ERRNO | Errno.ENOSYS;

    /** Evaluates a seccomp program on seccomp_data {nr, arch}; fails on anything seccomp would reject. */
    static int run(Program prog, int nr, int arch) {
        return BpfInterpreter.run(prog, new BpfInterpreter.Data(nr, arch, 0));
    }

    private static void checkAll(FilterAction[] table) {
        Program prog = SeccompFilter.compile(table);
        assertThat(prog.size()).isLessThanOrEqualTo(Bpf.MAX_INSNS);
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
        Assembler a = new Assembler();
        Assembler.Label other = a.label();
        a.load(SeccompData.NR).jump(Bpf.Cond.EQ, 59, null, other).ret(Seccomp.RET_TRACE).bind(other);
        FilterAction[] t = new FilterAction[400];
        t[257] = FilterAction.NOTIFY;
        t[59] = FilterAction.NOTIFY;
        Program prog = SeccompFilter.compile(t, a.fragment());
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
        assertThat(SeccompFilter.compile(three).size()).isLessThan(Bpf.MAX_INSNS);
    }
}
