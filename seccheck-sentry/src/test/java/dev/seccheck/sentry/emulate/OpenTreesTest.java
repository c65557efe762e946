package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.sentry.filter.BpfInterpreter;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The filter part of open_tree and open_tree_attr holds both without OPEN_TREE_CLONE, whatever
 * their other flags and the flags' upper word, and lets clones and every other syscall through,
 * in the interpreter; the flags are taken as the kernel takes them.
 */
class OpenTreesTest {

    private static OptionalInt call(int nr, long flags) {
        return BpfInterpreter.run(OpenTrees.FILTER_FRAGMENT,
                new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0, Fcntl.AT_FDCWD, 0x7ffd0000L, flags, 0));
    }

    private static SeccompNotification notification(int nr, long flags, long attr, long size) {
        return new SeccompNotification(1, 2, nr, Seccomp.AUDIT_ARCH_X86_64, 0, Fcntl.AT_FDCWD, 0x7ffd0000L, flags, attr,
                size, 0);
    }

    @Test
    void holdsBothCallsWithoutClone() {
        for (int nr : new int[] {Sysno.OPEN_TREE, OpenTrees.OPEN_TREE_ATTR}) {
            for (long flags : new long[] {0, OpenTrees.OPEN_TREE_CLOEXEC,
                    Fcntl.AT_SYMLINK_NOFOLLOW | Fcntl.AT_EMPTY_PATH, Fcntl.AT_RECURSIVE, 0x10000000, 6L << 32}) {
                assertThat(call(nr, flags)).as("syscall %d flags %x", nr, flags).hasValue(Seccomp.RET_USER_NOTIF);
                assertThat(OpenTrees.held(notification(nr, flags, 0, 0))).isTrue();
            }
        }
    }

    @Test
    void letsClonesAndEveryOtherSyscallThrough() {
        for (int nr : new int[] {Sysno.OPEN_TREE, OpenTrees.OPEN_TREE_ATTR}) {
            for (long flags : new long[] {OpenTrees.OPEN_TREE_CLONE, OpenTrees.OPEN_TREE_CLONE | Fcntl.AT_RECURSIVE
                    | OpenTrees.OPEN_TREE_CLOEXEC}) {
                assertThat(call(nr, flags)).as("syscall %d flags %x", nr, flags).isEmpty();
                assertThat(OpenTrees.held(notification(nr, flags, 0, 0))).isFalse();
            }
        }
        for (int nr = 0; nr < 520; nr++) {
            if (!OpenTrees.is(nr)) {
                assertThat(call(nr, 0)).as("syscall %d", nr).isEmpty();
            }
        }
    }

    @Test
    void refusesWhatTheKernelRefusesBeforeThePath() {
        assertThat(OpenTrees.refused(notification(Sysno.OPEN_TREE, 0, 0, 0))).isZero();
        assertThat(OpenTrees.refused(notification(Sysno.OPEN_TREE, Fcntl.AT_NO_AUTOMOUNT | Fcntl.AT_EMPTY_PATH, 0, 0)))
                .isZero();
        assertThat(OpenTrees.refused(notification(Sysno.OPEN_TREE, 0x10000000, 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(OpenTrees.refused(notification(Sysno.OPEN_TREE, Fcntl.AT_RECURSIVE, 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(OpenTrees.refused(notification(OpenTrees.OPEN_TREE_ATTR, 0, 0, 8))).as("a size without attributes")
                .isEqualTo(Errno.EINVAL);
        assertThat(OpenTrees.refused(notification(OpenTrees.OPEN_TREE_ATTR, 0, 0x7ffd1000L, 32))).isZero();
    }

    @Test
    void isDecidedAsTheOPathOpenOfItsPath() {
        assertThat(OpenTrees.openFlags(0)).isEqualTo(Fcntl.O_PATH);
        assertThat(OpenTrees.openFlags(OpenTrees.OPEN_TREE_CLOEXEC | Fcntl.AT_SYMLINK_NOFOLLOW | Fcntl.AT_NO_AUTOMOUNT))
                .isEqualTo(Fcntl.O_PATH | Fcntl.O_CLOEXEC | Fcntl.O_NOFOLLOW);
        assertThat(OpenTrees.emptyPathAllowed(Fcntl.AT_EMPTY_PATH)).isTrue();
        assertThat(OpenTrees.emptyPathAllowed(0)).isFalse();
    }
}
