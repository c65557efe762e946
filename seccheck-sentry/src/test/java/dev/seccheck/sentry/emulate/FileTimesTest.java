package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompNotification;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The times calls that name no file (a descriptor and a null name) are told from those that name
 * one, and the times are read as the kernel reads them.
 */
class FileTimesTest {

    private static boolean namesNone(int nr, long dirfd, long name) {
        return FileTimes.namesNone(new SeccompNotification(1, 100, nr, Seccomp.AUDIT_ARCH_X86_64, 0, dirfd, name,
                0x1000, 0, 0, 0));
    }

    @Test
    void aDescriptorWithANullNameNamesNoFile() {
        for (int nr : new int[] {Sysno.UTIMENSAT, Sysno.FUTIMESAT}) {
            assertThat(namesNone(nr, 3, 0)).as("futimens").isTrue();
            assertThat(namesNone(nr, -1, 0)).as("a bad descriptor: the kernel's EBADF").isTrue();
            assertThat(namesNone(nr, AT_FDCWD, 0)).as("no name from the cwd: looked up, EFAULT").isFalse();
            assertThat(namesNone(nr, AT_FDCWD & 0xffffffffL, 0)).as("the kernel takes an int").isFalse();
            assertThat(namesNone(nr, 3, 0x7ffd0000L)).as("a name from a dirfd").isFalse();
            assertThat(namesNone(nr, 3, 1L << 32)).as("a name above 4 GiB").isFalse();
        }
        assertThat(namesNone(Sysno.FCHMOD, 3, 0)).isFalse();
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
