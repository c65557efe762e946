package dev.seccheck.linux;

import dev.seccheck.abi.Errno;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Procfs is the one place that reads and parses {@code /proc/<pid>}: the name, the status lines
 * (ids, credentials), the stat fields (parent, start time), the links (cwd, exe, fd/N) and the
 * NUL-separated lists (cmdline, environ). A process may vanish at any moment, so the lenient
 * readers return empty values; the {@code read*} ones throw, for callers that must tell why.
 */
public final class Procfs {
    private Procfs() {}

    /** The status lines of a task, in file order ({@code Name}, {@code Tgid}, {@code Uid}...). */
    public record Status(Map<String, String> fields) {
        /** Keeps the lines as read, in order. */
        public Status {
            fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        /** Returns the thread group id ({@code Tgid}), or -1 if absent. */
        public int tgid() {
            return intField("Tgid");
        }

        /** Returns the parent's pid ({@code PPid}), or -1 if absent. */
        public int ppid() {
            return intField("PPid");
        }

        /** Returns the pid of the process ptracing this task ({@code TracerPid}, 0 for none), or -1 if absent. */
        public int tracerPid() {
            return intField("TracerPid");
        }

        /**
         * Returns the ids of a {@code Uid} or {@code Gid} line: real, effective, saved, filesystem;
         * null if the line is absent.
         */
        public long[] ids(String key) {
            return numbers(fields.get(key));
        }

        private int intField(String key) {
            String v = fields.get(key);
            return v == null ? -1 : Integer.parseInt(v);
        }
    }

    /** Returns {@code /proc/<tid>/comm} without the newline, or "" if the task is gone. */
    public static String comm(long tid) {
        try {
            return small(dir(tid).resolve("comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** Each thread's buffers for the reads of {@link #link} and {@link #smallBytes}. */
    private static final ThreadLocal<PathCalls> CALLS = ThreadLocal.withInitial(PathCalls::new);

    /**
     * Returns the target of the link {@code /proc/<pid>/<name>} (cwd, exe, fd/N), or empty if
     * unreadable. One readlink into a buffer of this thread: the tracer reads a task's cwd and exe
     * at every exec, and the JDK's {@link Files#readSymbolicLink} cost it ~20 us each time.
     */
    public static Optional<String> link(long pid, String name) {
        return Optional.ofNullable(CALLS.get().readlinkat(dev.seccheck.abi.Fcntl.AT_FDCWD, "/proc/" + pid + "/" + name));
    }

    /**
     * Returns the inode a namespace link's text names ({@code /proc/PID/ns/TYPE} reads
     * {@code TYPE:[4026531837]}), or empty when {@code link} is no such text of that type.
     */
    public static OptionalLong namespaceInode(String link, String type) {
        if (link == null || !link.startsWith(type) || !link.startsWith(":[", type.length()) || !link.endsWith("]")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseUnsignedLong(link, type.length() + 2, link.length() - 1, 10));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Returns the target of the link {@code /proc/<pid>/<name>}, or throws saying why it could not be read. */
    public static String readLink(long pid, String name) throws IOException {
        return Files.readSymbolicLink(dir(pid).resolve(name)).toString();
    }

    /** Reads a small /proc file whole as UTF-8 ({@link #smallBytes}). */
    private static String small(Path file) throws IOException {
        return new String(smallBytes(file), StandardCharsets.UTF_8);
    }

    /**
     * Reads a /proc file that the kernel generates in one piece (status, stat, comm: each a
     * single seq_file record, which a read larger than it returns whole): openat, pread into a
     * buffer of this thread until one read comes back short, close. Three system calls where
     * FileInputStream made five (an fstat to refuse a directory, a last read for the end of the
     * file), and the tracer reads a task's name and credentials at every exec.
     */
    private static byte[] smallBytes(Path file) throws IOException {
        PathCalls calls = CALLS.get();
        int fd = calls.openat(dev.seccheck.abi.Fcntl.AT_FDCWD, file.toString(),
                dev.seccheck.abi.Fcntl.O_RDONLY | dev.seccheck.abi.Fcntl.O_CLOEXEC);
        if (fd < 0) {
            throw new LinuxException("open " + file, -fd);
        }
        try {
            byte[] buf = new byte[4096];
            int len = 0;
            while (true) {
                byte[] chunk = len == 0 ? buf : new byte[buf.length - len];
                int n = calls.pread(fd, chunk, len);
                if (n < 0) {
                    throw new LinuxException("read " + file, -n);
                }
                if (chunk != buf) {
                    System.arraycopy(chunk, 0, buf, len, n);
                }
                len += n;
                if (len < buf.length) {
                    return Arrays.copyOf(buf, len);
                }
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        } finally {
            PathCalls.close(fd);
        }
    }

    /** Returns the status of a task, or empty if it is gone or its status cannot be read. */
    public static Optional<Status> status(long tid) {
        try {
            return Optional.of(readStatus(tid));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns the status of a task, or empty if it is gone (its entry is not there, ENOENT or
     * ESRCH); throws when it could not be read for another reason (seccheck out of descriptors,
     * EMFILE), which a check must not take for "no such task".
     */
    public static Optional<Status> statusUnlessGone(long tid) throws IOException {
        try {
            return Optional.of(readStatus(tid));
        } catch (IOException e) {
            if (gone(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Whether {@code e}, from a read of a task's /proc entry, says the task is gone (ENOENT or ESRCH). */
    public static boolean gone(IOException e) {
        return e instanceof LinuxException l && (l.errno() == Errno.ENOENT || l.errno() == Errno.ESRCH);
    }

    /**
     * The {@code Uid} and {@code Gid} lines of a task's status: real, effective, saved and
     * filesystem ids each, as {@link Status#ids} reads them.
     */
    public record Ids(long[] uid, long[] gid) {}

    /** Each thread's buffer for {@link #ids} through a pidfd. */
    private static final ThreadLocal<ThreadIds> THREAD_IDS = ThreadLocal.withInitial(ThreadIds::new);
    /** Whether this kernel gives a thread's ids through a pidfd (6.13 and later); false once it said not. */
    private static volatile boolean idsByPidfd = true;

    /**
     * Returns what the {@code Uid} and {@code Gid} lines of a task's status say, or empty if the
     * task is gone or they are missing. Asked of a pidfd of the thread ({@link ThreadIds}: three
     * system calls, no text), else picked out of the status: only those two lines, since the
     * whole map of {@link #status}, fifty-odd lines as strings, cost the tracer more than the read
     * itself at every exec of a session that records credentials. The status costs the kernel
     * the formatting of the whole file: ~30 us an exec under the default session, ~4 us the pidfd.
     */
    public static Optional<Ids> ids(long tid) {
        if (idsByPidfd) {
            int fd = ThreadIds.openThread((int) tid);
            if (fd == -Errno.ESRCH) {
                return Optional.empty();
            }
            int r = fd;
            if (fd >= 0) {
                ThreadIds ids = THREAD_IDS.get();
                try {
                    r = ids.read(fd);
                } finally {
                    PathCalls.close(fd);
                }
                if (r == 0) {
                    return Optional.of(new Ids(ids.uids(), ids.gids()));
                }
                // ESRCH here: the thread has exited; a zombie's status still has its lines.
            }
            if (ThreadIds.unsupported(r)) {
                idsByPidfd = false;
            }
        }
        return idsFromStatus(tid);
    }

    /** {@link #ids} as the {@code Uid} and {@code Gid} lines of the task's status, as older kernels give them. */
    static Optional<Ids> idsFromStatus(long tid) {
        try {
            byte[] raw = smallBytes(dir(tid).resolve("status"));
            long[] uid = numbers(raw, raw.length, "Uid:", 10);
            long[] gid = numbers(raw, raw.length, "Gid:", 10);
            return uid == null || gid == null ? Optional.empty() : Optional.of(new Ids(uid, gid));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The numbers on the line of a status text ({@code raw[0, len)}) that starts with {@code key}
     * (e.g. {@code "Uid:"}), their digits read in {@code radix}; null without that line. Anything
     * but a digit separates numbers. The key must start a line: a task named {@code "Uid:\t7"}
     * cannot pose as its Uid line (the kernel escapes a newline in the name). Parsed from the
     * bytes, with no map of the fifty-odd lines: this runs at every exec of a session that
     * records credentials and at every emulated open that needs the program's ids.
     */
    public static long[] numbers(byte[] raw, int len, String key, int radix) {
        int i = lineStart(raw, len, key);
        if (i < 0) {
            return null;
        }
        long[] out = new long[4];
        int n = 0;
        while (i < len && raw[i] != '\n') {
            if (!digit(raw[i])) {
                i++;
                continue;
            }
            long v = 0;
            for (; i < len && digit(raw[i]); i++) {
                v = v * radix + (raw[i] - '0');
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * The hexadecimal number on the line of a status text that starts with {@code key} (the
     * capability sets, {@code "CapEff:\t000001ffffffffff"}), 64 bits; empty without that line or
     * with anything but 1 to 16 hexadecimal digits on it.
     */
    public static OptionalLong hex(byte[] raw, int len, String key) {
        int i = lineStart(raw, len, key);
        if (i < 0) {
            return OptionalLong.empty();
        }
        while (i < len && (raw[i] == ' ' || raw[i] == '\t')) {
            i++;
        }
        long v = 0;
        int digits = 0;
        for (; i < len && raw[i] != '\n'; i++, digits++) {
            int d = Character.digit(raw[i] & 0xff, 16);
            if (d < 0 || digits == 16) {
                return OptionalLong.empty();
            }
            v = v << 4 | d;
        }
        return digits == 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Where the text after {@code key} starts on the line that begins with it, or -1. */
    private static int lineStart(byte[] raw, int len, String key) {
        int k = key.length();
        for (int i = 0; i + k <= len; i++) {
            if ((i == 0 || raw[i - 1] == '\n') && startsWith(raw, i, key)) {
                return i + k;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] raw, int at, String key) {
        for (int j = 0; j < key.length(); j++) {
            if (raw[at + j] != key.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    /** The whole numbers of a status value separated by white space ({@code "1000\t1000\t1000\t1000"}); null for null. */
    private static long[] numbers(String v) {
        if (v == null) {
            return null;
        }
        // By hand: String.split compiles its "\\s+" pattern on every call, and this runs at
        // every exec of a session that records credentials.
        long[] out = new long[4];
        int n = 0;
        int i = 0;
        while (i < v.length()) {
            if (Character.isWhitespace(v.charAt(i))) {
                i++;
                continue;
            }
            int end = i;
            while (end < v.length() && !Character.isWhitespace(v.charAt(end))) {
                end++;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = Long.parseLong(v, i, end, 10);
            i = end;
        }
        return Arrays.copyOf(out, n);
    }

    /** Returns the status of a task, or throws if it cannot be read. */
    public static Status readStatus(long tid) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        // One read of the whole file and a scan for newlines: cheaper than readAllLines' reader.
        String text = small(dir(tid).resolve("status"));
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            int colon = text.indexOf(':', start);
            if (colon > start && colon < end) {
                fields.put(text.substring(start, colon), text.substring(colon + 1, end).trim());
            }
            start = end + 1;
        }
        return new Status(fields);
    }

    /**
     * Returns the fields of {@code /proc/<pid>/stat} after the command name (which may hold
     * spaces and parentheses): index 0 is the state, field 3 of proc(5).
     */
    public static String[] statFieldsAfterComm(long pid) throws IOException {
        String stat = small(dir(pid).resolve("stat"));
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) {
            throw new IOException("/proc/" + pid + "/stat: no command name in parentheses");
        }
        return stat.substring(close + 2).trim().split(" ");
    }

    /** Returns the parent's pid from stat (field 4 of proc(5)). */
    public static long statPpid(String[] fieldsAfterComm) {
        return Long.parseLong(fieldsAfterComm[1]);
    }

    /** Returns the start time in clock ticks after boot from stat (field 22 of proc(5)). */
    public static long statStartTicks(String[] fieldsAfterComm) {
        return Long.parseLong(fieldsAfterComm[19]);
    }

    /**
     * Returns the device number of a process's controlling terminal (field 7 of proc(5), encoded as
     * stat's {@code st_rdev} is), 0 when it has none, or empty when it cannot be read.
     */
    public static OptionalLong controllingTty(long pid) {
        try {
            return OptionalLong.of(Long.parseLong(statFieldsAfterComm(pid)[4]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Returns a process's start time in clock ticks after boot, or empty if it is gone. */
    public static OptionalLong startTicks(long pid) {
        try {
            return OptionalLong.of(statStartTicks(statFieldsAfterComm(pid)));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Returns the NUL-separated strings of {@code /proc/<pid>/cmdline} or {@code environ}; empty if unreadable. */
    public static List<String> strings(long pid, String file) {
        try {
            return readStrings(pid, file);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Returns the NUL-separated strings of {@code /proc/<pid>/<file>}, or throws if unreadable. */
    public static List<String> readStrings(long pid, String file) throws IOException {
        return nulSeparated(Files.readAllBytes(dir(pid).resolve(file)));
    }

    /** Splits NUL-separated strings (UTF-8); a last string without its NUL is kept. */
    public static List<String> nulSeparated(byte[] data) {
        List<String> out = new ArrayList<>();
        for (byte[] b : nulSeparatedBytes(data)) {
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * Returns the process a pidfd of task {@code tid} names, by this process's pid numbers (the
     * {@code Pid} line of its fdinfo, written for the procfs read: seccheck's): -1 for a process
     * that is gone; empty when {@code fd} is no pidfd of the task (not open, or another file).
     */
    public static OptionalLong pidfdTarget(long tid, int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(tid), "fdinfo", Integer.toString(fd)))) {
                if (line.startsWith("Pid:")) {
                    return OptionalLong.of(Long.parseLong(line.substring(4).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** Returns the boot time in seconds since the epoch ({@code btime} of {@code /proc/stat}). */
    public static long bootTimeSeconds() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("btime ")) {
                return Long.parseLong(line.substring(6).trim());
            }
        }
        throw new IOException("/proc/stat has no btime");
    }

    /** Returns {@code /proc/<pid>}. */
    public static Path dir(long pid) {
        return Path.of("/proc", Long.toString(pid));
    }

    /**
     * The strings of {@code nulSeparated}, each ended by a NUL (the last may lack it), as
     * {@code /proc/PID/cmdline} and {@code environ} hold them: bytes, not text.
     */
    public static List<byte[]> nulSeparatedBytes(byte[] nulSeparated) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < nulSeparated.length; i++) {
            if (nulSeparated[i] == 0) {
                out.add(Arrays.copyOfRange(nulSeparated, start, i));
                start = i + 1;
            }
        }
        if (start < nulSeparated.length) {
            out.add(Arrays.copyOfRange(nulSeparated, start, nulSeparated.length));
        }
        return out;
    }
}
