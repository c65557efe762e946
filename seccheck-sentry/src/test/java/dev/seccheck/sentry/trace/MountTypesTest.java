package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** MountTypes reads a mountinfo's filesystem types: only the local ones let the tracer look at files itself. */
class MountTypesTest {

    private static String line(String mountPoint, String type) {
        return "36 35 98:0 / " + mountPoint + " rw,noatime master:1 - " + type + " /dev/x rw,errors=continue";
    }

    @Test
    void onlyLocalTypesAreTakenNotToBlock() {
        assertThat(MountTypes.blocking(List.of(line("/", "ext4"), line("/tmp", "tmpfs"), line("/proc", "proc"),
                line("/sys/fs/cgroup", "cgroup2")))).isFalse();
        assertThat(MountTypes.blocking(List.of(line("/", "ext4"), line("/mnt", "fuse.sshfs")))).isTrue();
        assertThat(MountTypes.blocking(List.of(line("/", "ext4"), line("/mnt", "fuse")))).isTrue();
        assertThat(MountTypes.blocking(List.of(line("/home", "nfs4")))).isTrue();
        assertThat(MountTypes.blocking(List.of(line("/net", "autofs")))).isTrue();
        assertThat(MountTypes.blocking(List.of(line("/x", "somethingnew")))).as("an unknown type").isTrue();
        // A mount point with " - " in its name is escaped by the kernel (\\040), so the separator is the first " - ".
        assertThat(MountTypes.blocking(List.of("36 35 98:0 / /a\\040-\\040b rw - ext4 /dev/x rw"))).isFalse();
    }

    @Test
    void thisTasksNamespaceIsReadAndAnsweredAgainFromTheWatch() {
        MountTypes m = new MountTypes();
        int self = (int) ProcessHandle.current().pid();
        boolean first = m.mayBlock(self);
        assertThat(m.mayBlock(self)).isEqualTo(first);
        assertThat(m.mayBlock(Integer.MAX_VALUE)).as("a task that is gone").isTrue();
    }
}
