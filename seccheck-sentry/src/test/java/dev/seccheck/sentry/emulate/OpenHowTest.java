package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import org.junit.jupiter.api.Test;

/**
 * openat2's struct open_how is refused as the kernel's build_open_flags refuses it, before the
 * path or the dirfd is looked at: EINVAL for what it does not know or allow, then EAGAIN for
 * RESOLVE_CACHED on an open that may create or truncate.
 */
class OpenHowTest {
    private static final long RDWR = Fcntl.O_RDWR;
    private static final long CREAT = Fcntl.O_CREAT;

    private static int refused(long flags, long mode, long resolve) {
        return OpenEmulation.refusedHow(flags, mode, resolve);
    }

    @Test
    void whatItTakes() {
        assertThat(refused(RDWR, 0, 0)).isZero();
        assertThat(refused(RDWR | CREAT, 06755, 0)).isZero(); // set-id and sticky bits are a mode's
        assertThat(refused(Fcntl.O_TMPFILE | RDWR, 0600, 0)).isZero();
        assertThat(refused(Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_NOFOLLOW | Fcntl.O_CLOEXEC, 0, 0)).isZero();
        assertThat(refused(3, 0, PathWalk.RESOLVE_CACHED)).isZero(); // O_ACCMODE's both bits are known
    }

    @Test
    void whatItRefusesWithEinval() {
        assertThat(refused(RDWR | (1L << 24), 0, 0)).isEqualTo(Errno.EINVAL); // a flag it does not know
        assertThat(refused(RDWR | (1L << 40), 0, 0)).isEqualTo(Errno.EINVAL);
        assertThat(refused(RDWR, 0, 0x40)).isEqualTo(Errno.EINVAL);
        assertThat(refused(RDWR, 0, PathWalk.RESOLVE_BENEATH | PathWalk.RESOLVE_IN_ROOT)).isEqualTo(Errno.EINVAL);
        assertThat(refused(RDWR, 0644, 0)).isEqualTo(Errno.EINVAL); // a mode on an open that creates nothing
        assertThat(refused(RDWR | CREAT, 010000, 0)).isEqualTo(Errno.EINVAL);
        assertThat(refused(CREAT | Fcntl.O_DIRECTORY, 0644, 0)).isEqualTo(Errno.EINVAL);
        assertThat(refused(Fcntl.O_TMPFILE, 0600, 0)).isEqualTo(Errno.EINVAL); // read-only
        assertThat(refused(Fcntl.O_PATH | Fcntl.O_TRUNC, 0, 0)).isEqualTo(Errno.EINVAL);
    }

    @Test
    void theCacheAloneNeverCreatesOrTruncates() {
        assertThat(refused(RDWR | CREAT, 0600, PathWalk.RESOLVE_CACHED)).isEqualTo(Errno.EAGAIN);
        assertThat(refused(RDWR | Fcntl.O_TRUNC, 0, PathWalk.RESOLVE_CACHED)).isEqualTo(Errno.EAGAIN);
        // EINVAL first: the flags are checked before the cache is thought of.
        assertThat(refused(RDWR | CREAT | (1L << 24), 0600, PathWalk.RESOLVE_CACHED)).isEqualTo(Errno.EINVAL);
    }
}
