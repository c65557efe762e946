package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.sentry.filter.BpfInterpreter;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.Program;
import dev.seccheck.sentry.filter.SeccompFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files are seccheck's own, and which calls the program's filter holds for them. */
class OwnFilesTest {

    private static final int NOTIFY = Seccomp.RET_USER_NOTIF;
    private static final int ALLOW = Seccomp.RET_ALLOW;

    @TempDir
    Path tmp;

    /** The uid that owns files this test makes: the scan is asked as that user. */
    private int owner(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid");
    }

    private static long[] id(Path p) throws IOException {
        return new long[] {(Long) Files.getAttribute(p, "unix:dev"), (Long) Files.getAttribute(p, "unix:ino")};
    }

    @Test
    void aFileOfTheUserIsKnownUnderEveryNameByDeviceAndInode() throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        Path jar = Files.writeString(lib.resolve("app.jar"), "classes");
        Path link = Files.createLink(tmp.resolve("elsewhere.jar"), jar);
        int uid = owner(jar) == 0 ? 4242 : owner(jar);
        Files.setAttribute(jar, "unix:uid", uid);

        OwnFiles own = OwnFiles.scan(List.of(lib), uid);

        assertThat(own.guarded()).isTrue();
        assertThat(own.size()).isEqualTo(1);
        long[] byLink = id(link);
        assertThat(own.named(byLink[0], byLink[1])).contains(jar.toString());
        assertThat(own.named(byLink[0], byLink[1] + 1)).isEmpty();
    }

    @Test
    void aRootIsAFileOrADirectoryWalkedWholeAndSymlinksCountForTheirTarget() throws IOException {
        Path deep = Files.createDirectories(tmp.resolve("a/b/c"));
        Path inDeep = Files.writeString(deep.resolve("x.class"), "x");
        Path alone = Files.writeString(tmp.resolve("alone.jar"), "y");
        Path target = Files.writeString(Files.createDirectories(tmp.resolve("t")).resolve("real.so"), "z");
        Path links = Files.createDirectories(tmp.resolve("links"));
        Files.createSymbolicLink(links.resolve("lib.so"), target);
        int uid = owner(inDeep) == 0 ? 4242 : owner(inDeep);
        for (Path p : List.of(inDeep, alone, target)) {
            Files.setAttribute(p, "unix:uid", uid);
        }

        OwnFiles own = OwnFiles.scan(List.of(tmp.resolve("a"), alone, links, tmp.resolve("missing")), uid);

        assertThat(own.size()).isEqualTo(3);
        for (Path p : List.of(inDeep, alone, target)) {
            long[] i = id(p);
            assertThat(own.named(i[0], i[1])).as(p.toString()).isPresent();
        }
    }

    @Test
    void asRootNothingIsGuarded() throws IOException {
        Path jar = Files.writeString(tmp.resolve("app.jar"), "classes");
        OwnFiles own = OwnFiles.scan(List.of(jar), 0);
        assertThat(own.guarded()).isFalse();
        assertThat(own.fragment()).isEqualTo(Fragment.EMPTY);
    }

    @Test
    void flagsThatWriteAreAccessForWritingAndTruncationButNotOPathNorANewFile() {
        assertThat(OwnFiles.writes(Fcntl.O_RDONLY)).isFalse();
        assertThat(OwnFiles.writes(Fcntl.O_RDONLY | Fcntl.O_CREAT | Fcntl.O_CLOEXEC)).isFalse();
        assertThat(OwnFiles.writes(Fcntl.O_WRONLY)).isTrue();
        assertThat(OwnFiles.writes(Fcntl.O_RDWR)).isTrue();
        assertThat(OwnFiles.writes(Fcntl.O_ACCMODE)).isTrue();
        assertThat(OwnFiles.writes(Fcntl.O_RDONLY | Fcntl.O_TRUNC)).isTrue();
        assertThat(OwnFiles.writes(Fcntl.O_WRONLY | Fcntl.O_CREAT | Fcntl.O_TRUNC)).isTrue();
        assertThat(OwnFiles.writes(Fcntl.O_WRONLY | Fcntl.O_EXCL)).isTrue();
        assertThat(OwnFiles.writes(Fcntl.O_PATH | Fcntl.O_RDWR)).isFalse();
        assertThat(OwnFiles.writes(Fcntl.O_WRONLY | Fcntl.O_CREAT | Fcntl.O_EXCL)).isFalse();
        assertThat(OwnFiles.writes(Fcntl.O_RDWR | Fcntl.O_TMPFILE)).isFalse();
    }

    @Test
    void theFilterHoldsOpensThatCouldWriteAndTruncateAndPassesTheRest() throws IOException {
        Path jar = Files.writeString(tmp.resolve("app.jar"), "classes");
        int uid = owner(jar) == 0 ? 4242 : owner(jar);
        Files.setAttribute(jar, "unix:uid", uid);
        Program p = SeccompFilter.compile(new FilterAction[0],
                new Guard(5000, 4990, Set.of(5001), false, OwnFiles.scan(List.of(jar), uid)).fragment(true));

        // Held exactly when writes(flags): the filter and the emulation agree.
        int[] held = {Fcntl.O_WRONLY, Fcntl.O_RDWR, Fcntl.O_ACCMODE, Fcntl.O_RDONLY | Fcntl.O_TRUNC,
            Fcntl.O_WRONLY | Fcntl.O_CREAT | Fcntl.O_TRUNC, Fcntl.O_WRONLY | Fcntl.O_EXCL,
            Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_APPEND | Fcntl.O_CLOEXEC};
        int[] passed = {Fcntl.O_RDONLY, Fcntl.O_RDONLY | Fcntl.O_CREAT, Fcntl.O_PATH | Fcntl.O_CLOEXEC,
            Fcntl.O_DIRECTORY, Fcntl.O_PATH | Fcntl.O_RDWR, Fcntl.O_WRONLY | Fcntl.O_CREAT | Fcntl.O_EXCL,
            Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_TRUNC, Fcntl.O_RDWR | Fcntl.O_TMPFILE};
        for (int flags : held) {
            assertThat(OwnFiles.writes(flags)).as("writes(0%o)", flags).isTrue();
            assertThat(run(p, Sysno.OPEN, 0x1000, flags, 0644)).as("open flags 0%o", flags).isEqualTo(NOTIFY);
            assertThat(run(p, Sysno.OPENAT, -100, 0x1000, flags, 0644)).as("openat flags 0%o", flags).isEqualTo(NOTIFY);
        }
        for (int flags : passed) {
            assertThat(OwnFiles.writes(flags)).as("writes(0%o)", flags).isFalse();
            assertThat(run(p, Sysno.OPEN, 0x1000, flags, 0)).as("open flags 0%o", flags).isEqualTo(ALLOW);
            assertThat(run(p, Sysno.OPENAT, -100, 0x1000, flags, 0)).as("openat flags 0%o", flags).isEqualTo(ALLOW);
        }
        // The flags are an int: the upper half of the register is not looked at, as by the kernel.
        assertThat(run(p, Sysno.OPENAT, -100, 0x1000, 0xffff_ffff_0000_0000L, 0)).isEqualTo(ALLOW);
        assertThat(run(p, Sysno.CREAT, 0x1000, 0644)).isEqualTo(NOTIFY);
        assertThat(run(p, Sysno.OPENAT2, -100, 0x1000, 0x2000, 24)).isEqualTo(NOTIFY);
        assertThat(run(p, Sysno.TRUNCATE, 0x1000, 0)).isEqualTo(NOTIFY);
        for (int nr : new int[] {Sysno.READ, Sysno.WRITE, Sysno.FTRUNCATE, Sysno.RENAME, Sysno.EXECVE}) {
            assertThat(run(p, nr, 3, 0x1000, 1)).as("syscall %d", nr).isEqualTo(ALLOW);
        }
        // The guard's own refusals come first and are unchanged.
        assertThat(run(p, Sysno.PTRACE, 16, 5000)).isEqualTo(NOTIFY);

        // Without an own file within reach, nothing more is held; nor without a listener (not visible).
        Program none = SeccompFilter.compile(new FilterAction[0], new Guard(5000, 4990, Set.of(5001), false).fragment(true));
        assertThat(run(none, Sysno.OPENAT, -100, 0x1000, Fcntl.O_RDWR, 0)).isEqualTo(ALLOW);
        Program hidden = SeccompFilter.compile(new FilterAction[0],
                new Guard(5000, 4990, Set.of(5001), false, OwnFiles.scan(List.of(jar), uid)).fragment(false));
        assertThat(run(hidden, Sysno.OPENAT, -100, 0x1000, Fcntl.O_RDWR, 0)).isEqualTo(ALLOW);
    }

    @Test
    void everyHeldSyscallIsOneTheEmulationServes() {
        for (int nr : new int[] {Sysno.OPEN, Sysno.OPENAT, Sysno.CREAT, Sysno.OPENAT2, Sysno.TRUNCATE}) {
            assertThat(OwnFiles.holds(nr)).as("syscall %d", nr).isTrue();
        }
        assertThat(OwnFiles.holds(Sysno.FTRUNCATE)).isFalse();
    }

    private static int run(Program p, int nr, long... args) {
        return BpfInterpreter.run(p, new BpfInterpreter.Data(nr, Seccomp.AUDIT_ARCH_X86_64, 0x1000, args));
    }
}
