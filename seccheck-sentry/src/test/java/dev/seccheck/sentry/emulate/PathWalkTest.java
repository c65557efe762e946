package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PathWalk reaches the object the program's own open would, whether the kernel opened the
 * leading directories in one step or the walk went component by component: absolute and relative
 * paths, symlinked directories (absolute and relative targets), "." and "..", missing and
 * non-directory components, a mount crossed, procfs; and under a root that is not seccheck's, an
 * absolute symlink and ".." resolve inside that root; openat2's RESOLVE_NO_XDEV where the kernel
 * jumps (an absolute symlink, a magic link). Each case is compared with the kernel's own
 * openat(O_PATH) or openat2 of the same name (from this process, whose root is the walk's in
 * those cases), and the cases the kernel may shorten are checked to have been shortened.
 */
class PathWalkTest {

    @TempDir
    Path dir;

    private final PathCalls calls = new PathCalls();
    private final PathWalk walk = new PathWalk(calls, -1);
    private final int tid = ownTid();

    /** What a walk or the kernel reached: the object's device and inode, or the errno. */
    private record Reached(long dev, long ino, int errno) {
        static Reached of(PathCalls calls, int fd) {
            if (fd < 0) {
                return new Reached(0, 0, -fd);
            }
            PathCalls.Stat st = calls.fstat(fd);
            PathCalls.close(fd);
            return new Reached(st.dev(), st.ino(), 0);
        }
    }

    private void tree() throws IOException {
        Files.createDirectories(dir.resolve("a/b/c"));
        Files.writeString(dir.resolve("a/b/c/file"), "x");
        Files.createSymbolicLink(dir.resolve("abs"), dir.resolve("a").toAbsolutePath());
        Files.createSymbolicLink(dir.resolve("rel"), Path.of("a/b"));
        Files.writeString(dir.resolve("plain"), "y");
    }

    /** Symlinks whose targets a walk takes up after the link: chained, with "..", onto a file, onto /proc. */
    private void linkedTree() throws IOException {
        tree();
        Files.createSymbolicLink(dir.resolve("chain"), Path.of("abs"));
        Files.createSymbolicLink(dir.resolve("updown"), Path.of("a/b/../b/c"));
        Files.createSymbolicLink(dir.resolve("a/b/up"), Path.of("../../rel/c"));
        Files.createSymbolicLink(dir.resolve("absfile"), dir.resolve("a/b/c/file").toAbsolutePath());
        Files.createSymbolicLink(dir.resolve("self"), Path.of("/proc/self/status"));
        Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("a/none/x").toAbsolutePath());
    }

    /** Walks {@code path} from {@code start} (an fd of ours or -1 for an absolute path) under {@code root}. */
    private Reached walk(String path, int start, ProgramRoot root) {
        return walk(path, 0, start, root);
    }

    /** Walks {@code path} with openat2's {@code resolve} flags from {@code start} under {@code root}. */
    private Reached walk(String path, long resolve, int start, ProgramRoot root) {
        PathWalk.Located at = walk.find(new PathWalk.Request(tid, (int) ProcessHandle.current().pid(), 0, path, 0,
                resolve), start, root);
        return switch (at) {
            case PathWalk.Located.Found f -> {
                PathCalls.close(f.parent());
                yield Reached.of(calls, f.fd());
            }
            case PathWalk.Located.Missing m -> {
                PathCalls.close(m.dir());
                yield new Reached(0, 0, dev.seccheck.abi.Errno.ENOENT);
            }
            case PathWalk.Located.Failed f -> new Reached(0, 0, f.errno());
            case PathWalk.Located.Elsewhere e -> throw new AssertionError("a walk that may block everywhere gave up");
            case PathWalk.Located.Sysctls s -> throw new AssertionError("a walk that never asks about /proc/sys did");
        };
    }

    /**
     * A walk about to look a name up below procfs's sys, for a task whose network or IPC namespace
     * is not the walking thread's, stops there (the kernel would look those names up in the walking
     * thread's namespaces): from the root, from a directory there, through a magic link to one. The
     * question is asked only there.
     */
    @Test
    void aWalkIntoProcSysForATaskInOtherNamespacesStopsToBeWalkedThere() {
        int[] asked = {0};
        java.util.function.BooleanSupplier other = () -> ++asked[0] > 0;
        int pid = (int) ProcessHandle.current().pid();
        try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
            assertThat(walk.find(new PathWalk.Request(tid, pid, 0, "/proc/sys/net/ipv4/ip_forward", 0, 0, false, other),
                    -1, root)).isInstanceOf(PathWalk.Located.Sysctls.class);
            assertThat(walk.find(new PathWalk.Request(tid, pid, 0, "ipv4/ip_forward", 0, 0, false, other),
                    openDir("/proc/sys/net"), root)).isInstanceOf(PathWalk.Located.Sysctls.class);
            assertThat(walk.find(new PathWalk.Request(tid, pid, 0, "/proc/sysvipc/shm", 0, 0, false, other),
                    -1, root)).isInstanceOf(PathWalk.Located.Sysctls.class);
            assertThat(asked[0]).isEqualTo(3);
            PathWalk.Located status = walk.find(new PathWalk.Request(tid, pid, 0, "/proc/self/status", 0, 0, false, other),
                    -1, root);
            assertThat(status).isInstanceOf(PathWalk.Located.Found.class);
            PathCalls.close(((PathWalk.Located.Found) status).fd());
            PathCalls.close(((PathWalk.Located.Found) status).parent());
            assertThat(asked[0]).as("not asked outside /proc/sys").isEqualTo(3);
            PathWalk.Located same = walk.find(new PathWalk.Request(tid, pid, 0, "/proc/sys/net/ipv4/ip_forward", 0, 0,
                    false, () -> false), -1, root);
            assertThat(same).isInstanceOf(PathWalk.Located.Found.class);
            PathCalls.close(((PathWalk.Located.Found) same).fd());
            PathCalls.close(((PathWalk.Located.Found) same).parent());
        }
    }

    private int openDir(String path) {
        int fd = calls.openat(AT_FDCWD, path, O_PATH | O_CLOEXEC);
        assertThat(fd).as(path).isNotNegative();
        return fd;
    }

    @Test
    void absoluteAndRelativePathsReachWhatTheKernelReaches() throws IOException {
        tree();
        String d = dir.toAbsolutePath().toString();
        List<String> absolute = List.of(d + "/a/b/c/file", d + "/abs/b/c/file", d + "/rel/c/file",
                d + "/a/b/../b/c/file", d + "/a/./b/c/file", d + "/a/b/missing/file", d + "/plain/x/y",
                d + "/a/b/c/", d + "/a/b/c/missing", "/proc/self/status", "/proc/thread-self/comm",
                "/dev/null", "/", d + "//a//b/c//file");
        for (String path : absolute) {
            try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
                assertThat(walk(path, -1, root)).as(path)
                        .isEqualTo(Reached.of(calls, calls.openat(AT_FDCWD, path, O_PATH | O_CLOEXEC)));
            }
        }
        List<String> relative = List.of("a/b/c/file", "abs/b/c/file", "rel/c/file", "a/b/../../plain",
                "a/b/c/missing", "plain/x/y", "missing/x/y", "a/b/c");
        int base = openDir(dir.toString());
        try {
            for (String path : relative) {
                try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
                    assertThat(walk(path, calls.openat(base, ".", O_PATH | O_CLOEXEC), root)).as(path)
                            .isEqualTo(Reached.of(calls, calls.openat(base, path, O_PATH | O_CLOEXEC)));
                }
            }
        } finally {
            PathCalls.close(base);
        }
    }

    @Test
    void namesThroughSymlinksReachWhatTheKernelReaches() throws IOException {
        linkedTree();
        String d = dir.toAbsolutePath().toString();
        List<String> names = List.of("chain/b/c/file", "updown/file", "a/b/up/file", "absfile", "self", "dangling",
                "chain/b/../b/c/file", "rel/c/../c/file", "updown/");
        int base = openDir(d);
        try {
            for (String path : names) {
                for (String name : List.of(path, d + "/" + path)) {
                    int start = name.startsWith("/") ? -1 : calls.openat(base, ".", O_PATH | O_CLOEXEC);
                    try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
                        assertThat(walk(name, start, root)).as(name)
                                .isEqualTo(Reached.of(calls, calls.openat(base, name, O_PATH | O_CLOEXEC)));
                    }
                }
            }
        } finally {
            PathCalls.close(base);
        }
    }

    @Test
    void theKernelOpensTheLeadingDirectoriesWhereItResolvesAsTheProgramWould() throws IOException {
        tree();
        String d = dir.toAbsolutePath().toString();
        int base = openDir(d);
        try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
            long before = walk.descents();
            walk(d + "/a/b/c/file", -1, root);
            walk(d + "/abs/b/c/file", -1, root); // a symlink, from the program's root: followed under IN_ROOT
            walk("a/b/c/file", calls.openat(base, ".", O_PATH | O_CLOEXEC), root);
            assertThat(walk.descents() - before).isEqualTo(3);
            before = walk.descents();
            // A symlink met from a cwd is the component walk's; its target's leading directories
            // are the kernel's again.
            walk("abs/b/c/file", calls.openat(base, ".", O_PATH | O_CLOEXEC), root); // from the program's root
            walk("rel/c/file", calls.openat(base, ".", O_PATH | O_CLOEXEC), root); // from the link's directory
            assertThat(walk.descents() - before).as("walks the kernel took up again after a symlink").isEqualTo(2);
            before = walk.descents();
            walk("/proc/self/status", -1, root); // procfs is another mount
            walk("../x/y", calls.openat(base, ".", O_PATH | O_CLOEXEC), root);
            walk("file", calls.openat(base, ".", O_PATH | O_CLOEXEC), root);
            assertThat(walk.descents() - before).as("walks the kernel must leave to the component walk").isZero();
        } finally {
            PathCalls.close(base);
        }
    }

    @Test
    void underAnotherRootAbsoluteSymlinksAndDotDotStayInsideIt() throws IOException {
        // The program's root is dir (as after chroot): "/etc" names dir/etc, not seccheck's /etc,
        // whose passwd is the decoy a resolution from seccheck's root would reach.
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/passwd"), "inside");
        Files.createSymbolicLink(dir.resolve("jailed"), Path.of("/etc"));
        Files.createSymbolicLink(dir.resolve("up"), Path.of("../../../../../../../../etc"));
        Files.createDirectories(dir.resolve("d"));
        Files.createSymbolicLink(dir.resolve("d/back"), Path.of("../../../../../../../../etc"));
        Reached inside = Reached.of(calls, calls.openat(AT_FDCWD, dir.resolve("etc/passwd").toString(), O_PATH | O_CLOEXEC));
        assertThat(inside).isNotEqualTo(Reached.of(calls, calls.openat(AT_FDCWD, "/etc/passwd", O_PATH | O_CLOEXEC)));
        long before = walk.descents();
        for (String path : List.of("/etc/passwd", "/jailed/passwd", "/up/passwd", "/d/back/passwd", "/../../etc/passwd")) {
            try (ProgramRoot root = ProgramRoot.ofFd(calls, openDir(dir.toString()))) {
                assertThat(walk(path, -1, root)).as(path).isEqualTo(inside);
            }
        }
        assertThat(walk.descents() - before).as("walks shortened by the kernel").isEqualTo(4);
        // A relative name from a directory of the root, through a symlink to "/etc": the target's
        // directories, opened by the kernel after the jump, are the program's root's too.
        before = walk.descents();
        for (String path : List.of("jailed/passwd", "d/back/passwd")) {
            try (ProgramRoot root = ProgramRoot.ofFd(calls, openDir(dir.toString()))) {
                assertThat(walk(path, openDir(dir.toString()), root)).as(path).isEqualTo(inside);
            }
        }
        assertThat(walk.descents() - before).as("walks taken up by the kernel after the link").isEqualTo(1);
        // Removed here: JUnit warns in every build when its cleanup meets a link leading out of @TempDir.
        for (String link : List.of("jailed", "up", "d/back")) {
            Files.delete(dir.resolve(link));
        }
    }

    /**
     * Under RESOLVE_NO_XDEV the kernel's nd_jump_root() compares the walk's mount with its root's
     * before it sets a root it lacks: a relative walk sets it at its first "..", so an absolute
     * symlink met before one fails with EXDEV even to the walk's own mount ("lw", "./lw", "ldot/lw"),
     * and opens after one ("sub/../lw", "lsib/lw", whose target climbs) or from an absolute name,
     * when the root is on that mount (seccheck opened all of them). nd_jump_link() refuses a magic
     * link onto another mount ("cwd" from /proc/self) and any under BENEATH or IN_ROOT.
     */
    @Test
    void absoluteSymlinksAndMagicLinksUnderNoXdevFailWhereTheKernelsDo() throws IOException {
        String d = dir.toAbsolutePath().toString();
        Files.createDirectories(dir.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("lw"), dir.toAbsolutePath());
        Files.createSymbolicLink(dir.resolve("lroot"), Path.of("/"));
        Files.createSymbolicLink(dir.resolve("lsib"), Path.of("../" + dir.getFileName()));
        Files.createSymbolicLink(dir.resolve("ldot"), Path.of("."));
        Files.createSymbolicLink(dir.resolve("lin"), Path.of("/sub"));
        long noXdev = PathWalk.RESOLVE_NO_XDEV;
        record Case(String path, long resolve) {}
        List<Case> relative = List.of(new Case("lw", noXdev), new Case("./lw", noXdev), new Case("ldot/lw", noXdev),
                new Case("lroot", noXdev), new Case("sub/../lw", noXdev), new Case("sub/../lroot", noXdev),
                new Case("lsib/lw", noXdev), new Case("lsib/lroot", noXdev), new Case("lw", 0),
                new Case("lin", noXdev | PathWalk.RESOLVE_IN_ROOT), new Case("lw", noXdev | PathWalk.RESOLVE_BENEATH),
                new Case(d + "/lw/lw", noXdev), new Case(d + "/lroot", noXdev));
        int base = openDir(d);
        int self = openDir("/proc/self");
        String fdLink = "fd/" + self;
        List<Case> magic = List.of(new Case("cwd", noXdev), new Case("root", noXdev), new Case(fdLink, noXdev),
                new Case(fdLink, 0), new Case(fdLink, noXdev | PathWalk.RESOLVE_IN_ROOT),
                new Case("cwd", PathWalk.RESOLVE_BENEATH), new Case("cwd", PathWalk.RESOLVE_IN_ROOT));
        try {
            for (int from : new int[] {base, self}) {
                for (Case c : from == base ? relative : magic) {
                    try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
                        boolean absolute = c.path().startsWith("/");
                        assertThat(walk(c.path(), c.resolve(), absolute ? -1 : calls.openat(from, ".", O_PATH | O_CLOEXEC),
                                root)).as(c.toString())
                                .isEqualTo(Reached.of(calls, calls.openat2(from, c.path(), O_PATH | O_CLOEXEC, 0, c.resolve())));
                    }
                }
            }
            assertThat(Reached.of(calls, calls.openat2(base, "lw", O_PATH | O_CLOEXEC, 0, noXdev)).errno())
                    .as("the kernel's answer this test is about").isEqualTo(dev.seccheck.abi.Errno.EXDEV);
        } finally {
            PathCalls.close(base);
            PathCalls.close(self);
            // Removed here: JUnit warns in every build when its cleanup meets a link leading out of @TempDir.
            for (String link : List.of("lw", "lroot", "lsib", "ldot", "lin")) {
                Files.delete(dir.resolve(link));
            }
        }
    }

    /**
     * A descriptor's magic link to an O_PATH file goes on only to an object whose O_PATH open was
     * decided ({@link DecidedPathFiles}): the kernel made that open from the program's memory,
     * which another thread may have changed after the decision (red-team round 20). A descriptor
     * of another kind is followed as before.
     */
    @Test
    void aMagicLinkToAnOPathFileOfNoDecisionIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        Path other = Files.writeString(dir.resolve("g"), "y");
        DecidedPathFiles decided = new DecidedPathFiles();
        PathWalk checking = new PathWalk(calls, -1, dev.seccheck.sentry.defense.Shielded.NONE, null, line -> {}, decided);
        int pathOnly = calls.openat(AT_FDCWD, file.toString(), O_PATH | O_CLOEXEC);
        int readable = calls.openat(AT_FDCWD, other.toString(), dev.seccheck.abi.Fcntl.O_RDONLY | O_CLOEXEC);
        try (ProgramRoot root = ProgramRoot.of(calls, tid)) {
            Reached f = Reached.of(calls, calls.openat(AT_FDCWD, file.toString(), O_PATH | O_CLOEXEC));
            Reached g = Reached.of(calls, calls.openat(AT_FDCWD, other.toString(), O_PATH | O_CLOEXEC));
            assertThat(walk(checking, "/proc/self/fd/" + pathOnly, root)).as("undecided")
                    .isEqualTo(new Reached(0, 0, dev.seccheck.abi.Errno.EACCES));
            assertThat(walk(checking, "/proc/self/fd/" + readable, root)).as("no O_PATH file").isEqualTo(g);
            assertThat(walk(walk, "/proc/self/fd/" + pathOnly, root)).as("a walk that does not check").isEqualTo(f);
            checking.pathFileMade(pathOnly);
            assertThat(walk(checking, "/proc/self/fd/" + pathOnly, root)).as("decided").isEqualTo(f);
        } finally {
            PathCalls.close(pathOnly);
            PathCalls.close(readable);
        }
    }

    /**
     * A name below an O_PATH directory of no decision is walked only where the directory's own
     * name reaches it ({@link PathWalk#refusalBelow}): a directory removed since (its name reaches
     * nothing), unlike one still in place or a directory opened for reading, is refused; the
     * kernel made such an open from the program's memory (red-team round 21's raced O_PATH opens
     * of a directory an outside process holds).
     */
    @Test
    void aNameBelowAnOPathDirectoryOfNoDecisionIsWalkedOnlyWhereItsNameReachesIt() throws IOException {
        Path kept = Files.createDirectory(dir.resolve("kept"));
        Path gone = Files.createDirectory(dir.resolve("gone"));
        DecidedPathFiles decided = new DecidedPathFiles();
        List<String> lines = new java.util.ArrayList<>();
        PathWalk checking = new PathWalk(calls, -1, dev.seccheck.sentry.defense.Shielded.NONE, null, lines::add, decided);
        int keptPath = calls.openat(AT_FDCWD, kept.toString(), O_PATH | O_CLOEXEC);
        int gonePath = calls.openat(AT_FDCWD, gone.toString(), O_PATH | O_CLOEXEC);
        int goneRead = calls.openat(AT_FDCWD, gone.toString(), dev.seccheck.abi.Fcntl.O_RDONLY | O_CLOEXEC);
        Files.delete(gone);
        try {
            assertThat(checking.refusalBelow(keptPath, tid, "kept")).as("reached by its name").isZero();
            assertThat(checking.refusalBelow(gonePath, tid, "gone")).as("removed").isEqualTo(dev.seccheck.abi.Errno.EACCES);
            assertThat(lines).singleElement().asString().contains("gone").contains("its name does not reach it");
            assertThat(checking.refusalBelow(goneRead, tid, "read")).as("no O_PATH file").isZero();
            assertThat(walk.refusalBelow(gonePath, tid, "gone")).as("a walk that does not check").isZero();
            checking.pathFileMade(gonePath);
            assertThat(checking.refusalBelow(gonePath, tid, "gone")).as("decided").isZero();
        } finally {
            PathCalls.close(keptPath);
            PathCalls.close(gonePath);
            PathCalls.close(goneRead);
        }
    }

    /** Walks absolute {@code path} with {@code by}. */
    private Reached walk(PathWalk by, String path, ProgramRoot root) {
        PathWalk.Located at = by.find(new PathWalk.Request(tid, (int) ProcessHandle.current().pid(), 0, path, 0, 0), -1,
                root);
        return switch (at) {
            case PathWalk.Located.Found found -> {
                PathCalls.close(found.parent());
                yield Reached.of(calls, found.fd());
            }
            case PathWalk.Located.Failed failed -> new Reached(0, 0, failed.errno());
            default -> throw new AssertionError(at.toString());
        };
    }

    private static int ownTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * RESOLVE_NO_XDEV's question: a bind mount of the start's own filesystem (one device, another
     * mount) is another mount; without unique mount ids (before Linux 6.8), devices decide.
     */
    @Test
    void noXdevComparesMountsAndDevicesOnlyWithoutMountIds() {
        assertThat(PathWalk.crossesAMount(statx(8, 100), statx(8, 101))).as("a bind mount on one device").isTrue();
        assertThat(PathWalk.crossesAMount(statx(8, 100), statx(8, 100))).isFalse();
        assertThat(PathWalk.crossesAMount(statx(8, -1), statx(8, -1))).as("no mount ids").isFalse();
        assertThat(PathWalk.crossesAMount(statx(8, -1), statx(9, -1))).isTrue();
    }

    private static PathCalls.Statx statx(long dev, long mountId) {
        return new PathCalls.Statx(new PathCalls.Stat(dev, 2, 040755, 0, 0, 0, 2, 0, 0, 0), mountId);
    }
}
