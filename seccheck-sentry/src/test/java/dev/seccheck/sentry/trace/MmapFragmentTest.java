package dev.seccheck.sentry.trace;

import static dev.seccheck.abi.Mman.MAP_ANONYMOUS;
import static dev.seccheck.abi.Mman.MAP_PRIVATE;
import static dev.seccheck.abi.Mman.PROT_EXEC;
import static dev.seccheck.abi.Mman.PROT_READ;
import static dev.seccheck.abi.Sysno.MMAP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The mmap fragment holds exactly the executable file mappings, in the interpreter. */
class MmapFragmentTest {

    private static OptionalInt mmap(int nr, long prot, long flags) {
        return BpfInterpreter.run(MmapPoints.FILTER_FRAGMENT,
                new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, 0, 4096, prot, flags, 3, 0));
    }

    @Test
    void holdsExecutableFileMappings() {
        assertThat(mmap(MMAP, PROT_READ | PROT_EXEC, MAP_PRIVATE)).hasValue(Seccomp.RET_USER_NOTIF);
        assertThat(mmap(MMAP, PROT_EXEC | (1L << 40), MAP_PRIVATE)).hasValue(Seccomp.RET_USER_NOTIF);
    }

    @Test
    void letsEveryOtherCallThrough() {
        assertThat(mmap(MMAP, PROT_READ, MAP_PRIVATE)).as("not executable").isEmpty();
        assertThat(mmap(MMAP, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS)).as("anonymous").isEmpty();
        assertThat(mmap(10, PROT_READ | PROT_EXEC, MAP_PRIVATE)).as("mprotect").isEmpty();
        for (int nr = 0; nr < 450; nr++) {
            if (nr != MMAP) {
                assertThat(mmap(nr, PROT_EXEC, MAP_PRIVATE)).as("syscall %d", nr).isEmpty();
            }
        }
    }

    @Test
    void isExecutableFileMappingAgreesWithTheFragment() {
        for (long prot = 0; prot < 8; prot++) {
            for (long flags : new long[] {MAP_PRIVATE, MAP_PRIVATE | MAP_ANONYMOUS, 1, 0x21}) {
                assertThat(mmap(MMAP, prot, flags).isPresent())
                        .as("prot %d flags %x", prot, flags)
                        .isEqualTo(MmapPoints.isExecutableFileMapping(prot, flags));
            }
        }
    }
}
