package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.seccheck.abi.Fcntl;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MountStatus describes a mount of our own namespace as our mount table does. */
class MountStatusTest {

    @Test
    void theMountOfRootIsDescribedAsMountinfoDescribesIt() throws Exception {
        PathCalls calls = new PathCalls();
        int root = calls.openat(Fcntl.AT_FDCWD, "/", Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        int ns = calls.openat(Fcntl.AT_FDCWD, "/proc/self/ns/mnt", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        try {
            PathCalls.Statx sx = calls.statNoSync(root);
            long nsId = NamespaceFiles.mountNamespaceId(ns);
            assumeThat(sx.uniqueMountId()).as("statx's unique mount ids (Linux 6.8)").isPositive();
            assumeThat(nsId).as("NS_GET_MNTNS_ID (Linux 6.9)").isPositive();
            var described = new MountStatus().describe(sx.uniqueMountId(), nsId);
            assumeThat(described).as("statmount with a namespace id (Linux 6.11)").isPresent();
            long id = calls.mountId(root);
            List<Mountinfo.Mount> table = Mountinfo.read("/proc/self/mountinfo");
            Mountinfo.Mount m = table.stream().filter(t -> t.id() == id).findFirst().orElseThrow();
            MountStatus.Described d = described.get();
            assertThat(d.devMajor() + ":" + d.devMinor()).isEqualTo(m.device());
            assertThat(d.root()).isEqualTo(m.root());
            assertThat(d.mountPoint()).isEqualTo("/");
            assertThat(d.type()).isEqualTo(m.type());
            assertThat(new MountStatus().describe(Long.MAX_VALUE, nsId)).as("no such mount").isEmpty();
        } finally {
            PathCalls.close(root);
            PathCalls.close(ns);
        }
    }
}
