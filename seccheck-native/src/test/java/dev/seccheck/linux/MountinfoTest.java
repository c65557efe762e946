package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Mountinfo reads mountinfo's lines as the kernel writes them, escapes and optional fields included. */
class MountinfoTest {

    @Test
    void readsTheFieldsItsUsersNeed() {
        List<Mountinfo.Mount> m = Mountinfo.parse(List.of(
                "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
                "41 36 0:40 / /home/a\\040-\\040b rw shared:7 - fuse.sshfs host: rw,user_id=0",
                "",
                "42 36 0:41 / /n rw - nfs4 server:/x rw",
                "43 36 0:42 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices"));
        assertThat(m).containsExactly(
                new Mountinfo.Mount(36, "98:0", "/mnt1", "/mnt/parent", "ext3", "rw,errors=continue"),
                // " - " escaped in a mount point (\040) is not the separator; the type is after the real one.
                new Mountinfo.Mount(41, "0:40", "/", "/home/a - b", "fuse.sshfs", "rw,user_id=0"),
                new Mountinfo.Mount(42, "0:41", "/", "/n", "nfs4", "rw"),
                new Mountinfo.Mount(43, "0:42", "/", "/sys/fs/cgroup/devices", "cgroup", "rw,devices"));
    }

    @Test
    void thisProcessTableHasItsRoot() throws Exception {
        assertThat(Mountinfo.read("/proc/self/mountinfo")).anyMatch(m -> m.mountPoint().equals("/"));
    }
}
