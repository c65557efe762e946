package dev.seccheck.sentry.defense;

import static dev.seccheck.abi.Fcntl.O_ACCMODE;
import static dev.seccheck.abi.Fcntl.O_CREAT;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_EXCL;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static dev.seccheck.abi.Fcntl.O_RDWR;
import static dev.seccheck.abi.Fcntl.O_TMPFILE;
import static dev.seccheck.abi.Fcntl.O_TRUNC;
import static dev.seccheck.abi.Fcntl.O_WRONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.ThreadCredentials;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * OwnFiles are the files the running supervisor executes or reads that the supervised program
 * could write: the JDK it runs on (walked whole when its directory is the user's, see
 * {@link #scan}), its class and module path, and every file it has mapped (its ahead-of-time
 * cache among them), kept by device and inode so that every name of a file counts.
 * The JVM reads a class from its jar when first needed and pages its AOT cache in from the file,
 * so a program of the same user writing into one of them would be running its code in seccheck.
 *
 * <p>When there is any such file, the program's filter holds every open that could write an
 * existing file ({@code open} and {@code openat} with O_WRONLY, O_RDWR or O_TRUNC, but not with
 * O_CREAT|O_EXCL or O_TMPFILE, which always make a new file, nor O_PATH; {@code creat};
 * {@code openat2}, whose flags are out of BPF's sight) and {@code truncate}, and seccheck
 * performs them itself (the emulation of issue 10): it decides on the object reached, whatever
 * the name, symlink, hard link or {@code /proc/self/fd} path, and refuses with EPERM a write to
 * one of these files. Read-only opens are not held: they cost nothing more than before.
 *
 * <p>Not covered, and said in the README: replacing such a file by renaming another over its
 * name. The JVM holds its jars open and its AOT cache mapped from start-up, so that reaches the
 * current run only through a JDK file opened later (a native library the JDK loads on first use)
 * in a JDK the program's user can write. A workload running as root is out of scope, as for the
 * rest of the supervisor's defense (see the README): as root this is always {@link #NONE}.
 */
public final class OwnFiles {

    /** No file to guard: nothing is held. */
    public static final OwnFiles NONE = new OwnFiles(Map.of());

    /**
     * The open flags with which an open may change an existing file: access for writing,
     * truncation (which Linux does even for O_RDONLY). O_CREAT alone changes no existing file.
     */
    private static final int WRITING = O_WRONLY | O_RDWR | O_TRUNC;
    /** The kernel's __O_TMPFILE: an unnamed new file in the directory opened. */
    private static final int TMPFILE = O_TMPFILE & ~O_DIRECTORY;

    private static final int W_OK = 2;
    private static final int NOTIFY = Seccomp.RET_USER_NOTIF;

    /** A file as the kernel knows it. */
    private record Id(long dev, long ino) {}

    private final Map<Id, String> files;

    private OwnFiles(Map<Id, String> files) {
        this.files = Map.copyOf(files);
    }

    /**
     * Returns the files of this JVM, found once (they do not change while it runs): waits for
     * {@link #findAhead}'s search, or makes it.
     */
    public static OwnFiles ofThisProcess() {
        try {
            return OfThisProcess.FILES.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Starts finding this JVM's files on a thread of its own, so that {@link #ofThisProcess} need
     * not wait for it; as root, where there is nothing to find, no thread is started.
     */
    public static void findAhead() {
        OfThisProcess.FILES.getNow(null);
    }

    private static final class OfThisProcess {
        // setfsuid(-1) changes nothing and returns the fsuid, which is the effective uid.
        private static final int EUID = ThreadCredentials.setfsuid(-1);
        static final CompletableFuture<OwnFiles> FILES = EUID == 0
                ? CompletableFuture.completedFuture(NONE)
                : CompletableFuture.supplyAsync(() -> scan(roots(), EUID),
                        r -> Thread.ofPlatform().daemon().name("seccheck-own-files").start(r));
    }

    /** The JDK, the class and module path, and the files mapped into this process, each once. */
    private static Collection<Path> roots() {
        Set<Path> roots = new LinkedHashSet<>();
        roots.add(Path.of(System.getProperty("java.home")));
        for (String property : List.of("java.class.path", "jdk.module.path")) {
            String value = System.getProperty(property, "");
            for (String entry : value.split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    roots.add(Path.of(entry).toAbsolutePath());
                }
            }
        }
        roots.addAll(mapped());
        return roots;
    }

    /** The files this process has mapped, from /proc/self/maps (a file mapped in parts is named once per part). */
    private static List<Path> mapped() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            throw new UncheckedIOException("reading seccheck's own /proc/self/maps", e);
        }
        List<Path> out = new ArrayList<>();
        for (String line : lines) {
            int slash = line.indexOf(" /");
            if (slash > 0 && !line.endsWith(" (deleted)")) {
                out.add(Path.of(line.substring(slash + 1)));
            }
        }
        return out;
    }

    /**
     * Returns the regular files among and under {@code roots} that a process of {@code euid}
     * could write: its own (their owner can make them writable, unless they sit on a read-only
     * mount) or writable to it by their permissions and ACLs. As root: none.
     *
     * <p>A directory is walked whole (symbolic links followed: a Debian JDK's {@code conf} is a
     * link into /etc) only when it is itself within reach: owned by {@code euid} or writable. A
     * JDK installed by another user is thus taken as a whole, only its files given as roots (the
     * mapped ones) checked one by one; walking its few hundred files cost 13-39 ms of every
     * unprivileged start (BENCHMARKS.md), to find files that every user of the machine could
     * already write into everyone's Java. Plain stat and access calls, not NIO's tree walker.
     */
    static OwnFiles scan(Collection<Path> roots, int euid) {
        if (euid == 0) {
            return NONE;
        }
        PathCalls calls = new PathCalls();
        Map<Id, String> found = new HashMap<>();
        Set<Id> walked = new HashSet<>();
        for (Path root : roots) {
            String name = root.toString();
            PathCalls.Stat st = calls.stat(name);
            if (st != null && (!st.isDirectory() || st.uid() == euid || calls.access(name, W_OK) == 0)) {
                visit(calls, name, st, euid, found, walked);
            }
        }
        return found.isEmpty() ? NONE : new OwnFiles(found);
    }

    private static void visit(PathCalls calls, String name, PathCalls.Stat st, int euid, Map<Id, String> found,
            Set<Id> walked) {
        if (st.isDirectory()) {
            String[] entries = walked.add(new Id(st.dev(), st.ino())) ? new File(name).list() : null;
            for (String entry : entries == null ? new String[0] : entries) {
                String child = name + "/" + entry;
                PathCalls.Stat cs = calls.stat(child);
                if (cs != null) { // what seccheck cannot see, the JVM cannot read either
                    visit(calls, child, cs, euid, found, walked);
                }
            }
            return;
        }
        if (!st.isRegular()) {
            return;
        }
        int access = calls.access(name, W_OK);
        if (access == 0 || (st.uid() == euid && access == -Errno.EACCES)) {
            found.putIfAbsent(new Id(st.dev(), st.ino()), name);
        }
    }

    /** Returns whether there is any file to guard, i.e. whether the filter holds writing opens. */
    public boolean guarded() {
        return !files.isEmpty();
    }

    /** Returns how many files are guarded. */
    public int size() {
        return files.size();
    }

    /** Returns the name of the guarded file with this device and inode, if it is one. */
    public Optional<String> named(long dev, long ino) {
        return Optional.ofNullable(files.get(new Id(dev, ino)));
    }

    /**
     * Returns whether an open with {@code flags} may change an existing file: it asks for writing
     * or truncation, and is not O_PATH (which reads and writes nothing), O_CREAT|O_EXCL (which
     * fails on any existing name, a symlink too) or O_TMPFILE (an unnamed new file).
     */
    public static boolean writes(int flags) {
        return (flags & (O_ACCMODE | O_TRUNC)) != 0 && (flags & (O_PATH | TMPFILE)) == 0
                && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
    }

    /**
     * Returns whether syscall {@code nr} is one this guard's filter may hold: the emulation serves
     * every such call it is handed, whatever its flags (a read-only one held for a point too).
     */
    public static boolean holds(int nr) {
        return nr == Sysno.OPEN || nr == Sysno.OPENAT || nr == Sysno.CREAT || nr == Sysno.OPENAT2
                || nr == Sysno.TRUNCATE;
    }

    /**
     * Returns the filter fragment that holds for the supervisor every call that could write a
     * file by its name (see the class comment) and falls through for the rest; empty when nothing
     * is guarded.
     */
    public Fragment fragment() {
        if (!guarded()) {
            return Fragment.EMPTY;
        }
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label hold = a.label();
        Assembler.Label open = a.label();
        Assembler.Label openat = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.OPEN, open, null);
        a.jump(Bpf.Cond.EQ, Sysno.OPENAT, openat, null);
        a.jump(Bpf.Cond.EQ, Sysno.CREAT, hold, null);
        a.jump(Bpf.Cond.EQ, Sysno.OPENAT2, hold, null);
        a.jump(Bpf.Cond.EQ, Sysno.TRUNCATE, hold, out);
        // The flags are an int: the kernel ignores the upper half of the register. The test is
        // writes(flags).
        Assembler.Label flags = a.label();
        a.bind(open);
        a.load(SeccompData.argLow(1));
        a.jumpAlways(flags);
        a.bind(openat);
        a.load(SeccompData.argLow(2));
        a.bind(flags);
        a.jump(Bpf.Cond.SET, WRITING, null, out);
        a.jump(Bpf.Cond.SET, O_PATH | TMPFILE, out, null);
        a.jump(Bpf.Cond.SET, O_CREAT, null, hold);
        a.jump(Bpf.Cond.SET, O_EXCL, out, hold);
        a.bind(hold);
        a.ret(NOTIFY);
        a.bind(out);
        return a.fragment();
    }

    /** The line the run's log gets when a write to one of these files is refused. */
    public static String refusal(String syscall, int tid, String comm, String file) {
        return "refused " + syscall + " from task " + tid + " (" + comm + "): it would write " + file
                + ", which seccheck runs from (EPERM)";
    }
}
