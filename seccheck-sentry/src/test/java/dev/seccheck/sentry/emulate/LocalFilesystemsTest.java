package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import org.junit.jupiter.api.Test;

/** LocalFilesystems tells a mount's filesystem from the kernel's record of it, and which answer from local state. */
class LocalFilesystemsTest {

    @Test
    void fuseAndNetworkFilesystemsAreNotLocal() {
        assertThat(LocalFilesystems.isLocal(0x65735546L)).as("FUSE").isFalse();
        assertThat(LocalFilesystems.isLocal(0x6969L)).as("NFS").isFalse();
        assertThat(LocalFilesystems.isLocal(0xFE534D42L)).as("SMB2").isFalse();
        assertThat(LocalFilesystems.isLocal(0x0187L)).as("autofs").isFalse();
        assertThat(LocalFilesystems.isLocal(0x01021997L)).as("9p").isFalse();
        assertThat(LocalFilesystems.isLocal(PathCalls.PROC_SUPER_MAGIC)).as("proc").isTrue();
        assertThat(LocalFilesystems.isLocal(0xEF53L)).as("ext4").isTrue();
        assertThat(LocalFilesystems.isLocal(0x01021994L)).as("tmpfs").isTrue();
    }

    @Test
    void theMagicOfAMountIsWhatFstatfsSaysAndAnUnseenMountIsUnknown() {
        PathCalls calls = new PathCalls();
        for (String p : new String[] {"/", "/proc/self", "/dev/shm", "/sys"}) {
            int fd = calls.openat(Fcntl.AT_FDCWD, p, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
            try {
                long magic = LocalFilesystems.magicOf(calls, calls.statNoSync(fd));
                assertThat(magic).as(p).isEqualTo(calls.fsType(fd));
                assertThat(LocalFilesystems.isLocal(magic)).as(p).isTrue();
                assertThat(LocalFilesystems.magicOf(calls, calls.statNoSync(fd))).as("%s again, kept", p).isEqualTo(magic);
            } finally {
                PathCalls.close(fd);
            }
        }
        PathCalls.Stat any = calls.stat("/");
        assertThat(LocalFilesystems.magicOf(calls, new PathCalls.Statx(any, Long.MAX_VALUE))).isEqualTo(LocalFilesystems.UNKNOWN);
        assertThat(LocalFilesystems.magicOf(calls, new PathCalls.Statx(any, -1))).isEqualTo(LocalFilesystems.NO_STATMOUNT);
        assertThat(LocalFilesystems.magicOf(calls, null)).isEqualTo(LocalFilesystems.UNKNOWN);
    }
}
