package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The sendto filter part, in the interpreter: a send naming an address is held, a plain send is not. */
class AddressedSendsTest {

    private static OptionalInt call(int nr, long address) {
        return BpfInterpreter.run(AddressedSends.FILTER_FRAGMENT,
                new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, 3, 0x7ffd0000L, 5, 0, address, 16));
    }

    @Test
    void holdsASendtoNamingAnAddress() {
        assertThat(call(Sysno.SENDTO, 0x7ffd1000L)).hasValue(Seccomp.RET_USER_NOTIF);
        assertThat(call(Sysno.SENDTO, 1L << 32)).as("an address above 4 GiB").hasValue(Seccomp.RET_USER_NOTIF);
        assertThat(call(Sysno.SENDTO, 0xffff_ffff_0000_0000L)).as("only the high half set").hasValue(Seccomp.RET_USER_NOTIF);
    }

    @Test
    void letsASendWithoutAnAddressAndEveryOtherCallThrough() {
        assertThat(call(Sysno.SENDTO, 0)).as("send(2)").isEmpty();
        for (int nr = 0; nr < 450; nr++) {
            if (nr != Sysno.SENDTO) {
                assertThat(call(nr, 0x7ffd1000L)).as("syscall %d", nr).isEmpty();
            }
        }
    }
}
