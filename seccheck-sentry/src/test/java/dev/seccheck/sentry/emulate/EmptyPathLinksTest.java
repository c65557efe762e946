package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The filter's part that holds links by descriptor while seccheck performs opens
 * ({@link NameEmulation#EMPTY_PATH_LINKS}) holds exactly linkat with AT_EMPTY_PATH in its flags,
 * whatever else they hold, and what it holds is what the emulator says it serves
 * ({@link NameEmulation#linksByDescriptor}); every other syscall falls through.
 */
class EmptyPathLinksTest {

    private static OptionalInt run(int nr, long flags) {
        return BpfInterpreter.run(NameEmulation.EMPTY_PATH_LINKS,
                new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, 3, 0, -100, 0, flags));
    }

    @Test
    void holdsLinkatWithAtEmptyPathAndNothingElse() {
        long[] flags = {0, Fcntl.AT_EMPTY_PATH, Fcntl.AT_SYMLINK_FOLLOW, Fcntl.AT_EMPTY_PATH | Fcntl.AT_SYMLINK_FOLLOW,
            Fcntl.AT_EMPTY_PATH | 0xffff_ffff_0000_0000L, 0xffff_ffff_0000_0000L};
        for (int nr = 0; nr < 512; nr++) {
            for (long f : flags) {
                boolean held = nr == Sysno.LINKAT && ((int) f & Fcntl.AT_EMPTY_PATH) != 0;
                assertThat(run(nr, f)).as("syscall %d flags %x", nr, f)
                        .isEqualTo(held ? OptionalInt.of(Seccomp.RET_USER_NOTIF) : OptionalInt.empty());
                SeccompNotification n = new SeccompNotification(1, 1, nr, Seccomp.AUDIT_ARCH_X86_64, 0, 3, 0, -100, 0, f, 0);
                assertThat(NameEmulation.linksByDescriptor(n)).as("syscall %d flags %x", nr, f).isEqualTo(held);
            }
        }
    }
}
