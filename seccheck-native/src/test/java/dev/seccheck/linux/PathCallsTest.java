package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PathCalls' stat gives, for a file and through /proc's magic links, what the JDK's own
 * {@code unix:} attributes give (the points' binary and mapped-file fields were read from those).
 */
class PathCallsTest {

    @Test
    void statGivesWhatTheJdksUnixAttributesGive(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "twelve bytes");
        Files.createLink(dir.resolve("g"), file);
        PathCalls calls = new PathCalls();
        for (Path p : new Path[] {file, Path.of("/proc/self/exe"), Path.of("/bin/true")}) {
            Map<String, Object> jdk = Files.readAttributes(p, "unix:dev,ino,mode,uid,gid,nlink,size,ctime,lastModifiedTime");
            PathCalls.Stat st = calls.stat(p.toString());
            assertThat(st).as("%s", p).isNotNull();
            assertThat(st.dev()).as("dev of %s", p).isEqualTo(jdk.get("dev"));
            assertThat(st.ino()).as("ino of %s", p).isEqualTo(jdk.get("ino"));
            assertThat(st.mode()).as("mode of %s", p).isEqualTo(jdk.get("mode"));
            assertThat(st.uid()).as("uid of %s", p).isEqualTo(jdk.get("uid"));
            assertThat(st.gid()).as("gid of %s", p).isEqualTo(jdk.get("gid"));
            assertThat(st.nlink()).as("nlink of %s", p).isEqualTo(((Integer) jdk.get("nlink")).longValue());
            assertThat(st.size()).as("size of %s", p).isEqualTo(jdk.get("size"));
            assertThat(st.ctimeNs()).as("ctime of %s", p).isEqualTo(((FileTime) jdk.get("ctime")).to(TimeUnit.NANOSECONDS));
            assertThat(st.mtimeNs()).as("mtime of %s", p)
                    .isEqualTo(((FileTime) jdk.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS));
        }
        assertThat(calls.stat(file.toString()).nlink()).isEqualTo(2);
        assertThat(calls.stat(file.toString()).size()).isEqualTo(12);
        assertThat(calls.stat(dir.resolve("missing").toString())).isNull();
    }

    /** names lists what the JDK lists, over several getdents64 reads, without "." and ".."; null when the fd cannot be read. */
    @Test
    void namesListsADirectoryWholeAcrossSeveralReads(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 3000; i++) {
            Files.createFile(dir.resolve("entry-with-a-longish-name-" + i));
        }
        Files.createDirectory(dir.resolve("sub dir"));
        PathCalls calls = new PathCalls();
        int fd = calls.openat(dev.seccheck.abi.Fcntl.AT_FDCWD, dir.toString(),
                dev.seccheck.abi.Fcntl.O_RDONLY | dev.seccheck.abi.Fcntl.O_DIRECTORY | dev.seccheck.abi.Fcntl.O_CLOEXEC);
        int path = calls.openat(dev.seccheck.abi.Fcntl.AT_FDCWD, dir.toString(),
                dev.seccheck.abi.Fcntl.O_PATH | dev.seccheck.abi.Fcntl.O_CLOEXEC);
        try (var jdk = Files.list(dir)) {
            assertThat(calls.names(fd)).containsExactlyInAnyOrderElementsOf(
                    jdk.map(p -> p.getFileName().toString()).toList());
            assertThat(calls.names(path)).as("an O_PATH fd reads nothing").isNull();
        } finally {
            PathCalls.close(fd);
            PathCalls.close(path);
        }
    }

    /**
     * statx without sync gives what fstat gives, and the filesystem of a mount comes from the
     * kernel's record of it: what fstatfs gives, for procfs and for the file's own filesystem.
     */
    @Test
    void statNoSyncAndTheMountsMagicGiveWhatFstatAndFstatfsGive(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "twelve bytes");
        PathCalls calls = new PathCalls();
        for (String p : new String[] {file.toString(), "/proc/self/exe", "/bin/true", "/proc/self", "/"}) {
            int fd = calls.openat(dev.seccheck.abi.Fcntl.AT_FDCWD, p, dev.seccheck.abi.Fcntl.O_PATH | dev.seccheck.abi.Fcntl.O_CLOEXEC);
            assertThat(fd).as(p).isNotNegative();
            try {
                PathCalls.Statx sx = calls.statNoSync(fd);
                assertThat(sx).as(p).isNotNull();
                assertThat(sx.stat()).as(p).isEqualTo(calls.fstat(fd));
                assertThat(sx.uniqueMountId()).as("a unique mount id (Linux 6.8+) for %s", p).isPositive();
                assertThat(calls.superMagic(sx.uniqueMountId())).as(p).isEqualTo(calls.fsType(fd));
            } finally {
                PathCalls.close(fd);
            }
        }
        assertThat(calls.superMagic(Long.MAX_VALUE)).as("no such mount").isNegative();
    }

    /** A device's number, from fstat and from statx alike, in stat's encoding; 0 for anything else. */
    @Test
    void aDevicesNumberIsReadAsStatEncodesIt() {
        PathCalls calls = new PathCalls();
        int fd = calls.openat(-100, "/dev/null", 010000000); // O_PATH
        int dir = calls.openat(-100, "/", 010000000);
        try {
            PathCalls.Stat st = calls.fstat(fd);
            assertThat(st.isCharDevice()).isTrue();
            assertThat(st.rdev()).isEqualTo(PathCalls.encode(1, 3)).isEqualTo(0x103);
            assertThat(calls.statNoSync(fd).stat().rdev()).isEqualTo(st.rdev());
            assertThat(calls.fstat(dir).rdev()).isZero();
            assertThat(calls.fstat(dir).isCharDevice()).isFalse();
            assertThat(PathCalls.encode(136, 300)).as("a minor above 255").isEqualTo((300 & 0xff) | (136 << 8) | ((300 & ~0xffL) << 12));
        } finally {
            PathCalls.close(fd);
            PathCalls.close(dir);
        }
    }

    /** prlimit64 reads the soft descriptor limit /proc/PID/limits shows, and a process that is gone has none. */
    @Test
    void softLimitReadsWhatProcShows() throws Exception {
        int self = (int) ProcessHandle.current().pid();
        String line = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        long shown = Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
        assertThat(new PathCalls().softLimit(self, PathCalls.RLIMIT_NOFILE)).isEqualTo(shown);
        assertThat(new PathCalls().softLimit(Integer.MAX_VALUE, PathCalls.RLIMIT_NOFILE)).isEqualTo(-3); // ESRCH
    }
}
