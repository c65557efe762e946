package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The filter part of the ioctls that change a file through any descriptor of its owner's holds
 * exactly FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION, EXT4_IOC_SETVERSION,
 * FS_IOC_SET_ENCRYPTION_POLICY, EXT4_IOC_MIGRATE and FS_IOC_ENABLE_VERITY, whatever the
 * descriptor and the argument's upper word, and lets every other request and syscall through, in
 * the interpreter.
 */
class FileAttributeIoctlsTest {

    private static OptionalInt call(int nr, long fd, long request) {
        return BpfInterpreter.run(FileAttributeIoctls.FILTER_FRAGMENT,
                new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, fd, request, 0x7ffd0000L, 0));
    }

    @Test
    void holdsTheRequestsThatSetAFilesFlags() {
        for (int request : new int[] {FileAttributeIoctls.FS_IOC_SETFLAGS, FileAttributeIoctls.FS_IOC_FSSETXATTR,
                FileAttributeIoctls.FS_IOC_SETVERSION, FileAttributeIoctls.EXT4_IOC_SETVERSION,
                FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY, FileAttributeIoctls.EXT4_IOC_MIGRATE,
                FileAttributeIoctls.FS_IOC_ENABLE_VERITY}) {
            assertThat(call(Sysno.IOCTL, 3, request)).hasValue(Seccomp.RET_USER_NOTIF);
            assertThat(call(Sysno.IOCTL, -1, request)).as("a bad descriptor too").hasValue(Seccomp.RET_USER_NOTIF);
            assertThat(call(Sysno.IOCTL, 3, (7L << 32) | Integer.toUnsignedLong(request)))
                    .as("the kernel takes an unsigned int: the upper word is not the request")
                    .hasValue(Seccomp.RET_USER_NOTIF);
            assertThat(FileAttributeIoctls.held(request)).isTrue();
        }
    }

    @Test
    void letsEveryOtherRequestAndSyscallThrough() {
        int fsIocGetflags = 0x80086601;
        int fsIocFsgetxattr = 0x801c581f;
        int fsIocGetversion = 0x80087601;
        int ext4IocGetversion = 0x80086603;
        int tcgets = 0x5401;
        int fsIocGetEncryptionPolicy = 0x400c6615;
        int fsIocGetEncryptionPolicyEx = 0xc0096616;
        int fsIocAddEncryptionKey = 0xc0506617;
        int fsIocMeasureVerity = 0xc0046686;
        int ext4IocPrecacheExtents = 0x6612;
        for (int request : new int[] {fsIocGetflags, fsIocFsgetxattr, fsIocGetversion, ext4IocGetversion, tcgets,
                0x40046602, fsIocGetEncryptionPolicy, fsIocGetEncryptionPolicyEx, fsIocAddEncryptionKey,
                fsIocMeasureVerity, ext4IocPrecacheExtents, 0x40186613 /* a v2-sized SET_ENCRYPTION_POLICY: no such number */}) {
            assertThat(call(Sysno.IOCTL, 3, request)).as("request %x", request).isEmpty();
            assertThat(FileAttributeIoctls.held(request)).isFalse();
        }
        for (int nr = 0; nr < 470; nr++) {
            if (nr != Sysno.IOCTL) {
                assertThat(call(nr, 3, FileAttributeIoctls.FS_IOC_SETFLAGS)).as("syscall %d", nr).isEmpty();
            }
        }
    }

    @Test
    void theNumbersAreTheKernelHeaders() {
        // _IOC(dir, type, nr, size): dir << 30 | size << 16 | type << 8 | nr (W = 1, R = 2).
        assertThat(FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY).isEqualTo(2 << 30 | 12 << 16 | 'f' << 8 | 19);
        assertThat(FileAttributeIoctls.EXT4_IOC_MIGRATE).isEqualTo('f' << 8 | 9);
        assertThat(FileAttributeIoctls.FS_IOC_ENABLE_VERITY).isEqualTo(1 << 30 | 128 << 16 | 'f' << 8 | 133);
        assertThat(FileAttributeIoctls.encoded(FileAttributeIoctls.FS_IOC_SETFLAGS)).isEqualTo(8);
        assertThat(FileAttributeIoctls.encoded(FileAttributeIoctls.FS_IOC_FSSETXATTR)).isEqualTo(28);
        assertThat(FileAttributeIoctls.encoded(FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY)).isEqualTo(12);
    }
}
