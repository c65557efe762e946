package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The times calls' filter part holds exactly the forms that name a file, in the interpreter, and
 * the times are read as the kernel reads them.
 */
class FileTimesTest {

    private static OptionalInt call(int nr, long dirfd, long name) {
        return BpfInterpreter.run(FileTimes.FILTER_FRAGMENT,
                new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, dirfd, name, 0x1000, 0));
    }

    @Test
    void holdsTheFormsThatNameAFile() {
        for (int nr : new int[] {Sysno.UTIMENSAT, Sysno.FUTIMESAT}) {
            assertThat(call(nr, AT_FDCWD, 0x7ffd0000L)).as("a name from the cwd").hasValue(Seccomp.RET_USER_NOTIF);
            assertThat(call(nr, 3, 0x7ffd0000L)).as("a name from a dirfd").hasValue(Seccomp.RET_USER_NOTIF);
            assertThat(call(nr, 3, 1L << 32)).as("a name above 4 GiB").hasValue(Seccomp.RET_USER_NOTIF);
            assertThat(call(nr, AT_FDCWD & 0xffffffffL, 0)).as("no name from the cwd: looked up, EFAULT")
                    .hasValue(Seccomp.RET_USER_NOTIF);
        }
    }

    @Test
    void letsADescriptorWithoutANameAndEveryOtherCallThrough() {
        assertThat(call(Sysno.UTIMENSAT, 3, 0)).as("futimens").isEmpty();
        assertThat(call(Sysno.FUTIMESAT, 3, 0)).as("futimesat on a descriptor").isEmpty();
        for (int nr = 0; nr < 450; nr++) {
            if (nr != Sysno.UTIMENSAT && nr != Sysno.FUTIMESAT) {
                assertThat(call(nr, AT_FDCWD, 0x7ffd0000L)).as("syscall %d", nr).isEmpty();
            }
        }
    }

    private static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.nativeOrder());
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    @Test
    void readsEachFormAsTheKernelDoes() {
        assertThat(FileTimes.of(Sysno.UTIME, longs(100, 200)).given()).containsExactly(100, 0, 200, 0);
        assertThat(FileTimes.of(Sysno.UTIMES, longs(100, 5, 200, 999_999)).given())
                .containsExactly(100, 5_000, 200, 999_999_000);
        assertThat(FileTimes.of(Sysno.FUTIMESAT, longs(1, 1_000_000, 2, 0)).errno()).isEqualTo(Errno.EINVAL);
        assertThat(FileTimes.of(Sysno.UTIMES, longs(1, 0, 2, -1)).errno()).isEqualTo(Errno.EINVAL);
        FileTimes ns = FileTimes.of(Sysno.UTIMENSAT, longs(1, FileTimes.UTIME_NOW, 2, 1_000_000_000));
        assertThat(ns.given()).as("nanoseconds are the kernel's to check, after the look-up")
                .containsExactly(1, FileTimes.UTIME_NOW, 2, 1_000_000_000);
        assertThat(ns.errno()).isZero();
        assertThat(ns.nothing()).isFalse();
        assertThat(FileTimes.of(Sysno.UTIMENSAT, longs(1, FileTimes.UTIME_OMIT, 2, FileTimes.UTIME_OMIT)).nothing())
                .isTrue();
        assertThat(FileTimes.size(Sysno.UTIME)).isEqualTo(16);
        assertThat(FileTimes.size(Sysno.UTIMENSAT)).isEqualTo(32);
    }
}
