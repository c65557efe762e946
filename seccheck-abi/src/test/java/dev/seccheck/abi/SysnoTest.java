package dev.seccheck.abi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SysnoTest {
    @Test
    void wellKnownNumbers() {
        assertThat(Sysno.READ).isZero();
        assertThat(Sysno.OPENAT).isEqualTo(257);
        assertThat(Sysno.EXECVE).isEqualTo(59);
        assertThat(Sysno.SECCOMP).isEqualTo(317);
        assertThat(Sysno.PIDFD_GETFD).isEqualTo(438);
        assertThat(Sysno.name(257)).isEqualTo("openat");
        assertThat(Sysno.byName("openat")).isEqualTo(OptionalInt.of(257));
    }

    @Test
    void everySyscallNameRoundTrips() {
        int assigned = 0;
        for (int nr = 0; nr < Sysno.MAX; nr++) {
            if (!Sysno.exists(nr)) {
                assertThat(Sysno.name(nr)).isEqualTo("syscall " + nr);
                continue;
            }
            assertThat(Sysno.byName(Sysno.name(nr))).as("syscall %d", nr).isEqualTo(OptionalInt.of(nr));
            assigned++;
        }
        assertThat(assigned).isEqualTo(362);
        assertThat(Sysno.exists(Sysno.MAX - 1)).isTrue();
    }

    @Test
    void everyConstantIsItsKernelNameInCapitals() throws IllegalAccessException {
        int checked = 0;
        for (Field f : Sysno.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getName().equals("MAX")) {
                continue;
            }
            assertThat(Sysno.name(f.getInt(null))).as(f.getName()).isEqualTo(f.getName().toLowerCase(Locale.ROOT));
            checked++;
        }
        assertThat(checked).isEqualTo(362);
    }

    @Test
    void numbersOutsideTheTableAreSaidSo() {
        assertThat(Sysno.name(-1)).isEqualTo("syscall -1");
        assertThat(Sysno.name(Sysno.MAX)).isEqualTo("syscall " + Sysno.MAX);
        assertThat(Sysno.exists(400)).isFalse();
        assertThat(Sysno.byName("no_such_call")).isEmpty();
    }
}
