package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.sentry.emulate.ProgramPaths;
import dev.seccheck.sentry.emulate.RealPath;
import dev.seccheck.sink.ReachedFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ExecutedFiles finds, at an exec event, the files the kernel executed for the new program, each
 * held open by seccheck as the object the kernel reached: the binary ({@code /proc/PID/exe}) and,
 * for a dynamically linked one, its ELF interpreter (the dynamic loader its {@code PT_INTERP}
 * names), which the kernel maps and starts first without any call of the program's. Each is named
 * as seen from seccheck's root ({@link RealPath}), or has no name when on a mount seccheck cannot
 * name (one the program mounted in a mount namespace of its own, an overlay there, a tmpfs there
 * whose name the program chose, {@link RealPath.Name#vouched}): a rule on a path cannot be checked
 * on it.
 *
 * <p>The interpreter is the one file the kernel mapped into the new image besides the binary
 * ({@code /proc/PID/maps}), opened by its mapping's /proc link where seccheck may (CAP_SYS_ADMIN).
 * Otherwise it is found as the kernel found it, the binary's {@code PT_INTERP} walked from the
 * program's root and cwd ({@link ProgramPaths}), and must be that mapped file by device and inode:
 * another process of the run could have renamed another file to that name after the kernel's
 * open, and the walk would then find that one. A file found that way is held open for the execs
 * that map it again. What cannot be found or does not match is {@link Unknown}. A mapping names its
 * file by the superblock's device, which stat may not (a btrfs subvolume reports a device of its
 * own): a file is the mapping's when the inode and either device agree.
 *
 * <p>A binfmt_misc handler registered with flag O is handed the file executed open instead
 * ({@link #handedOpen}): the binary is then the handler, and the file the handler reads is the
 * one its AT_EXECFD descriptor holds, found by that descriptor.
 *
 * <p>Tracer thread; a look that may wait on a filesystem the program serves goes to
 * {@link FileLooks}.
 */
final class ExecutedFiles {

    /** The ELF identification bytes, and the ELF64 header fields read: e_phoff, e_phentsize, e_phnum. */
    private static final int EHDR_SIZE = 64;
    private static final int ELFCLASS64 = 2;
    private static final int PT_INTERP = 3;
    /** A program header larger than this is no x86-64 ELF64 one (56 bytes); more headers than this, no real binary's. */
    private static final int PHDR_MAX = 256;
    private static final int PHNUM_MAX = 256;

    /** A file the kernel executed, or why it could not be had. Closed once decided on. */
    sealed interface Executed extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A file the kernel executed, held open.
     *
     * @param fd our O_PATH descriptor of it
     * @param named its name as an open of it would have it, or empty on a mount seccheck cannot name
     * @param file its device and inode
     */
    record Found(int fd, Optional<RealPath.Name> named, ReachedFile file) implements Executed {
        /** Its path from seccheck's root, for a rule on what runs; null when seccheck cannot vouch for one. */
        String name() {
            return named.flatMap(RealPath.Name::vouched).orElse(null);
        }

        /** Why it has no {@link #name}, for the missing field. */
        String unnamed() {
            return unnamedWhy(named);
        }

        /** A path that reaches the file from this process, for stat and hashing. */
        Path path() {
            return Path.of("/proc/self/fd/" + fd);
        }

        @Override
        public void close() {
            PathCalls.close(fd);
        }
    }

    /** A file the kernel executed that seccheck could not have: {@code why} says what failed. */
    record Unknown(String why) implements Executed {
        @Override
        public void close() {}
    }

    private final FileLooks looks;
    private final PathCalls calls = new PathCalls();
    private final RealPath names = new RealPath(calls);
    /** Whether /proc/PID/map_files opens here (CAP_SYS_ADMIN); else the interpreter is found by its name. */
    private boolean mapFiles = true;
    /** A file by device and inode. */
    private record FileId(long dev, long ino) {}
    /** How many interpreters found by their names are remembered, the least recently executed forgotten first. */
    private static final int WALKED_MAX = 16;
    /**
     * The names by which walks found interpreters (seccheck without CAP_SYS_ADMIN), by the file
     * they reached: the next exec that maps the same file (nearly every dynamically linked one
     * maps the same dynamic loader) walks that name again instead of reading the binary's headers
     * first, and takes what it reaches only if it is the file mapped ({@link #verified}), which
     * the mapping keeps alive, so no other file can have its number meanwhile. Not held open by a
     * descriptor: one kept across execs kept the interpreter's mount busy, and a program that ran
     * a binary from a mount of its own could not unmount it when it ended (EBUSY).
     */
    private final Map<FileId, String> walked = new LinkedHashMap<>(WALKED_MAX, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FileId, String> eldest) {
            return size() > WALKED_MAX;
        }
    };

    ExecutedFiles(FileLooks looks) {
        this.looks = looks;
    }

    /** The binary process {@code pid} now runs. */
    Executed binary(int pid) {
        int fd = calls.openat(Fcntl.AT_FDCWD, "/proc/" + pid + "/exe", Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        if (fd < 0) {
            return new Unknown("the executed file could not be looked at");
        }
        return found(fd, pid);
    }

    /** AT_EXECFD: the auxiliary vector entry holding the descriptor of the file a binfmt_misc handler was handed. */
    private static final long AT_EXECFD = 2;
    /** The kernel's saved auxiliary vector holds some twenty (type, value) pairs; this is more than it keeps. */
    private static final int AUXV_MAX = 4096;

    /**
     * The file the kernel handed process {@code pid} open, with the new program: a binfmt_misc
     * format registered with flag O (or C, which implies it) has the kernel open the file executed
     * and give it to the handler as the descriptor its auxiliary vector names AT_EXECFD, with no
     * open of the program's. Empty when the vector names none (every other exec). The vector is
     * the kernel's copy ({@code /proc/PID/auxv}), which only the program itself could change
     * (prctl PR_SET_MM), and it has not run; the descriptor's file is read by its /proc link,
     * which asks no filesystem. Nothing else of the program's can change its descriptor table
     * while it stops at its exec event: its other threads are gone, and pidfd_getfd only copies.
     */
    Optional<Executed> handedOpen(int pid) {
        byte[] raw = new byte[AUXV_MAX];
        int fd = calls.openat(Fcntl.AT_FDCWD, "/proc/" + pid + "/auxv", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        if (fd < 0) {
            return Optional.of(new Unknown("its auxiliary vector could not be read (" + Errno.name(-fd) + ")"));
        }
        int n;
        try {
            n = calls.pread(fd, raw, 0);
        } finally {
            PathCalls.close(fd);
        }
        if (n < 0) {
            return Optional.of(new Unknown("its auxiliary vector could not be read (" + Errno.name(-n) + ")"));
        }
        ByteBuffer auxv = ByteBuffer.wrap(raw, 0, n).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 2 * Long.BYTES <= n; at += 2 * Long.BYTES) {
            long type = auxv.getLong(at);
            if (type == 0) { // AT_NULL
                return Optional.empty();
            }
            if (type == AT_EXECFD) {
                long execfd = auxv.getLong(at + Long.BYTES);
                int handed = execfd < 0 || execfd > Integer.MAX_VALUE ? -1
                        : calls.openat(Fcntl.AT_FDCWD, "/proc/" + pid + "/fd/" + execfd, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
                if (handed < 0) {
                    return Optional.of(new Unknown("the file the kernel handed it open (AT_EXECFD " + execfd
                            + ") could not be looked at"));
                }
                return Optional.of(found(handed, pid));
            }
        }
        return Optional.of(new Unknown("its auxiliary vector has no end"));
    }

    /**
     * The ELF interpreter the kernel ran for {@code binary} in process {@code pid}: empty for a
     * binary without one (statically linked, a script's interpreter handled as its own binary).
     */
    Optional<Executed> interpreter(int pid, Executed binary) {
        if (!(binary instanceof Found b)) {
            return Optional.of(new Unknown("its binary could not be looked at"));
        }
        List<Mapping> besides;
        try {
            besides = mappedBesides(pid, b);
        } catch (IOException e) {
            return Optional.of(new Unknown("its memory map could not be read (" + e.getMessage() + ")"));
        }
        if (besides.isEmpty()) {
            return Optional.empty(); // the kernel mapped no interpreter
        }
        Mapping interp = besides.getFirst();
        if (besides.stream().anyMatch(m -> m.dev() != interp.dev() || m.ino() != interp.ino())) {
            return Optional.of(new Unknown("the kernel mapped more than one file besides its binary"));
        }
        if (mapFiles) {
            // The mapped file itself, by its /proc link, which asks no filesystem: CAP_SYS_ADMIN's.
            int fd = calls.openat(Fcntl.AT_FDCWD, "/proc/" + pid + "/map_files/" + interp.range(),
                    Fcntl.O_PATH | Fcntl.O_CLOEXEC);
            if (fd >= 0) {
                return Optional.of(verified(fd, pid, interp, "its ELF interpreter"));
            }
            if (fd != -Errno.EPERM && fd != -Errno.EACCES) {
                return Optional.of(new Unknown("its ELF interpreter's mapping could not be opened"));
            }
            mapFiles = false; // without the capability: found by its name from now on
        }
        FileId mapped = new FileId(interp.dev(), interp.ino());
        String seen = walked.get(mapped);
        if (seen != null) {
            // The name a walk found the mapped file by before: taken if it reaches that file still.
            int fd = openByName(pid, seen);
            if (fd >= 0) {
                Executed again = verified(fd, pid, interp, "its ELF interpreter " + seen);
                if (again instanceof Found) {
                    return Optional.of(again);
                }
            }
            walked.remove(mapped);
        }
        Optional<Optional<String>> read = looks.lookAt(pid, "/proc/" + pid + "/exe", () -> interpreterOf(calls, b.fd()));
        if (read.isEmpty()) {
            return Optional.of(new Unknown("its binary's filesystem did not answer in time"));
        }
        String path = read.get().orElse("");
        if (path.isEmpty()) {
            return Optional.of(new Unknown("its binary's ELF program headers could not be read"));
        }
        int fd = openByName(pid, path);
        if (fd < 0) {
            return Optional.of(new Unknown("its ELF interpreter " + path + " could not be reached"));
        }
        Executed found = verified(fd, pid, interp, "its ELF interpreter " + path);
        if (found instanceof Found) {
            walked.put(mapped, path);
        }
        return Optional.of(found);
    }

    /** Our O_PATH fd of what {@code path} reaches in process {@code pid}'s view, walked where waiting holds nothing; or -errno. */
    private int openByName(int pid, String path) {
        int fd = ExecCalls.PATHS.get().open(pid, pid, Fcntl.AT_FDCWD, path, true);
        if (fd == ProgramPaths.ELSEWHERE) {
            fd = looks.lookElsewhere(pid, () -> ExecCalls.PATHS.get().open(pid, pid, Fcntl.AT_FDCWD, path, false))
                    .orElse(-1);
        }
        return fd;
    }

    /** Our descriptor {@code fd} as the file the kernel mapped at {@code m}, or Unknown (closed) when it is another. */
    private Executed verified(int fd, int pid, Mapping m, String what) {
        PathCalls.Stat st = calls.fstat(fd);
        if (st == null || !isMapping(fd, pid, st.dev(), st.ino(), m)) {
            PathCalls.close(fd);
            return new Unknown(what + " is not the file the kernel mapped");
        }
        return found(fd, pid);
    }

    /**
     * Whether our fd {@code fd} of a file whose stat gives {@code dev} and {@code ino} is the file
     * of mapping {@code m}: the same inode on the same filesystem, which maps names by its
     * superblock's device, and stat by that or by one of its own (a btrfs subvolume's).
     */
    private boolean isMapping(int fd, int pid, long dev, long ino, Mapping m) {
        if (ino != m.ino()) {
            return false;
        }
        if (sameDevice(dev, m.dev())) {
            return true;
        }
        java.util.OptionalLong sb = names.superblockDevice(fd, pid);
        return sb.isPresent() && sameDevice(sb.getAsLong(), m.dev());
    }

    private static boolean sameDevice(long a, long b) {
        return PathCalls.major(a) == PathCalls.major(b) && PathCalls.minor(a) == PathCalls.minor(b);
    }

    /** The name of our descriptor {@code fd} of a file process {@code pid} executed (a script), as {@link Found#named}. */
    Optional<RealPath.Name> nameOf(int fd, int pid) {
        return names.name(fd, pid);
    }

    /** Why a file named {@code named} (as {@link Found#named}) has no name a rule on what runs may match. */
    static String unnamedWhy(Optional<RealPath.Name> named) {
        return named.isPresent() ? "the executed file is on a mount seccheck cannot vouch for: " + RealPath.PROGRAMS_OWN
                : "the executed file is on a mount seccheck cannot name: one of the program's own mount namespace,"
                        + " or a detached one";
    }

    private Executed found(int fd, int pid) {
        PathCalls.Stat st = calls.fstat(fd);
        if (st == null) {
            PathCalls.close(fd);
            return new Unknown("the executed file could not be looked at");
        }
        return new Found(fd, names.name(fd, pid), new ReachedFile(st.dev(), st.ino(), st.ctimeNs()));
    }

    /**
     * The {@code PT_INTERP} path of the ELF file behind our O_PATH descriptor {@code opath}: empty
     * when it has none or is no ELF64 file (the kernel then runs no interpreter for it: a script is
     * read by its own binary's look), an empty string when its headers could not be read.
     */
    static Optional<String> interpreterOf(PathCalls calls, int opath) {
        int fd = ExecHead.reopen(calls, opath);
        if (fd < 0) {
            return Optional.of("");
        }
        try {
            return interpreterIn(calls, fd, new byte[0], 0);
        } finally {
            PathCalls.close(fd);
        }
    }

    /**
     * As {@link #interpreterOf(PathCalls, int)}, from our readable descriptor {@code fd} of the
     * file, whose first {@code n} bytes are already in {@code head}: only what lies past them is read.
     */
    static Optional<String> interpreterIn(PathCalls calls, int fd, byte[] head, int n) {
        ByteBuffer ehdr = bytes(calls, fd, head, n, EHDR_SIZE, 0);
        if (ehdr == null) {
            return Optional.of("");
        }
        if (ehdr.getInt(0) != 0x464c457f || ehdr.get(4) != ELFCLASS64) {
            return Optional.empty();
        }
        long phoff = ehdr.getLong(0x20);
        int phentsize = Short.toUnsignedInt(ehdr.getShort(0x36));
        int phnum = Short.toUnsignedInt(ehdr.getShort(0x38));
        if (phentsize < 56 || phentsize > PHDR_MAX || phnum > PHNUM_MAX || phoff < 0) {
            return Optional.of("");
        }
        ByteBuffer phdrs = bytes(calls, fd, head, n, phentsize * phnum, phoff);
        if (phdrs == null) {
            return Optional.of("");
        }
        for (int i = 0; i < phnum; i++) {
            int at = i * phentsize;
            if (phdrs.getInt(at) != PT_INTERP) {
                continue;
            }
            long offset = phdrs.getLong(at + 8);
            long size = phdrs.getLong(at + 32);
            if (size < 2 || size > Fcntl.PATH_MAX || offset < 0) {
                return Optional.of("");
            }
            ByteBuffer path = bytes(calls, fd, head, n, (int) size, offset);
            if (path == null || path.get((int) size - 1) != 0) {
                return Optional.of("");
            }
            return Optional.of(new String(path.array(), path.arrayOffset(), (int) size - 1, StandardCharsets.ISO_8859_1));
        }
        return Optional.empty();
    }

    /**
     * {@code size} bytes of {@code fd} at {@code offset}, little-endian: from {@code head} (the
     * file's first {@code n} bytes) when they lie within it, else read; null when fewer could be read.
     * {@code offset} is the file's own word, never negative here but up to 2^63 - 1: compared so
     * that it cannot overflow.
     */
    private static ByteBuffer bytes(PathCalls calls, int fd, byte[] head, int n, int size, long offset) {
        if (offset <= n - size) {
            return ByteBuffer.wrap(head, (int) offset, size).slice().order(ByteOrder.LITTLE_ENDIAN);
        }
        byte[] b = new byte[size];
        return calls.pread(fd, b, offset) == size ? ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN) : null;
    }

    /** A file mapping of a process: its address range as /proc names it, and the file's device and inode. */
    record Mapping(String range, long dev, long ino) {}

    /** How much of /proc/PID/maps is read: a new image has a dozen lines. */
    private static final int MAPS_MAX = 64 << 10;

    /**
     * The file mappings of process {@code pid} that are not of {@code binary}: at the exec event,
     * the ELF interpreter's, if any (the kernel maps nothing else but anonymous memory, the stack
     * and the vDSO).
     */
    private List<Mapping> mappedBesides(int pid, Found binary) throws IOException {
        List<Mapping> out = new ArrayList<>();
        for (Mapping m : fileMappings(pid)) {
            if (!isMapping(binary.fd(), pid, binary.file().dev(), binary.file().ino(), m)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Whether process {@code pid}, at its exec event, runs just {@code binary} and
     * {@code interpreter} (null for none), each by device and inode: its {@code /proc/PID/exe} is
     * the one, and every file the kernel mapped is one of the two, the interpreter among them. A
     * stat and a read of the memory map, no name looked at; false also when either cannot be
     * read, or a filesystem's stat gives another device than its mappings do (a btrfs subvolume).
     */
    boolean runsJust(int pid, PathCalls.Stat binary, PathCalls.Stat interpreter) {
        PathCalls.Stat exe = looks.statAt(pid, "/proc/" + pid + "/exe").orElse(null);
        if (exe == null || exe.dev() != binary.dev() || exe.ino() != binary.ino()) {
            return false;
        }
        List<Mapping> mapped;
        try {
            mapped = fileMappings(pid);
        } catch (IOException e) {
            return false;
        }
        boolean interpreterMapped = false;
        for (Mapping m : mapped) {
            boolean ofInterpreter = interpreter != null && m.ino() == interpreter.ino()
                    && sameDevice(m.dev(), interpreter.dev());
            if (!ofInterpreter && !(m.ino() == binary.ino() && sameDevice(m.dev(), binary.dev()))) {
                return false;
            }
            interpreterMapped |= ofInterpreter;
        }
        return interpreter == null || interpreterMapped;
    }

    /** The file mappings of process {@code pid}, from its {@code /proc/PID/maps}. */
    private List<Mapping> fileMappings(int pid) throws IOException {
        int fd = calls.openat(Fcntl.AT_FDCWD, "/proc/" + pid + "/maps", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException(Errno.name(-fd));
        }
        byte[] raw = mapsBuffer;
        int n = 0;
        try {
            for (int r; n < raw.length && (r = calls.pread(fd, chunk, n)) > 0; n += r) {
                System.arraycopy(chunk, 0, raw, n, Math.min(r, raw.length - n));
            }
        } finally {
            PathCalls.close(fd);
        }
        n = Math.min(n, raw.length);
        List<Mapping> out = new ArrayList<>(4);
        for (int at = 0; at < n; ) {
            int end = at;
            while (end < n && raw[end] != '\n') {
                end++;
            }
            Mapping m = mapping(raw, at, end);
            if (m == null) {
                throw new IOException("a line of /proc/" + pid + "/maps reads \""
                        + new String(raw, at, end - at, StandardCharsets.ISO_8859_1) + "\"");
            }
            if (m.ino() != 0) {
                out.add(m);
            }
            at = end + 1;
        }
        return out;
    }

    /** The buffers a memory map is read into: used by one thread at a time, as {@link #calls} is. */
    private final byte[] mapsBuffer = new byte[MAPS_MAX];
    private final byte[] chunk = new byte[8192];

    /**
     * The mapping of the maps line {@code raw[at, end)}: "start-end perms offset major:minor inode
     * [path]", the device numbers in hex; null when it does not read so. Scanned by hand: splitting
     * each line by a pattern was most of the look's time (0.2 ms an exec here, before the JIT).
     */
    static Mapping mapping(byte[] raw, int at, int end) {
        int[] start = new int[5]; // where each of the first five fields starts
        int f = 0;
        for (int i = at; i < end && f < 5; f++) {
            start[f] = i;
            while (i < end && raw[i] != ' ') {
                i++;
            }
            while (i < end && raw[i] == ' ') {
                i++;
            }
        }
        if (f < 5) {
            return null;
        }
        int colon = start[3];
        while (colon < end && raw[colon] != ':' && raw[colon] != ' ') {
            colon++;
        }
        long major = hex(raw, start[3], colon);
        long minor = colon < end && raw[colon] == ':' ? hex(raw, colon + 1, end) : -1;
        long ino = decimal(raw, start[4], end);
        if (major < 0 || minor < 0 || ino < 0) {
            return null;
        }
        int rangeEnd = at;
        while (raw[rangeEnd] != ' ') {
            rangeEnd++;
        }
        return new Mapping(new String(raw, at, rangeEnd - at, StandardCharsets.ISO_8859_1),
                PathCalls.encode(major, minor), ino);
    }

    /** The hex number that starts {@code raw[from, to)}, up to a ':' or ' ', or -1. */
    private static long hex(byte[] raw, int from, int to) {
        long v = 0;
        int digits = 0;
        for (int i = from; i < to && raw[i] != ' ' && raw[i] != ':'; i++, digits++) {
            int d = Character.digit(raw[i], 16);
            if (d < 0 || digits == 16) {
                return -1;
            }
            v = v << 4 | d;
        }
        return digits == 0 ? -1 : v;
    }

    /** The decimal number that starts {@code raw[from, to)}, up to a ' ', or -1. */
    private static long decimal(byte[] raw, int from, int to) {
        long v = 0;
        int digits = 0;
        for (int i = from; i < to && raw[i] != ' '; i++, digits++) {
            if (raw[i] < '0' || raw[i] > '9' || digits == 18) {
                return -1;
            }
            v = v * 10 + raw[i] - '0';
        }
        return digits == 0 ? -1 : v;
    }

    /** Closes the watch on seccheck's mount table, and forgets the interpreters' names. */
    void close() {
        names.close();
        walked.clear();
    }
}
