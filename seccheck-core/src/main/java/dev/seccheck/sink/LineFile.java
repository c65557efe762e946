package dev.seccheck.sink;

import dev.seccheck.abi.FileTypes;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * LineFile is the file a {@link TrailStream} appends to, written so that a line reaches it whole
 * or, as far as a reader can tell, not at all. A flush writes the whole lines given since the
 * last one in one write; a line's start not yet ended by its newline (the strace format's call
 * waiting for its result) waits here until it is, unless {@link #flushAll} asks for it now. Two
 * runs appending to one file glued each other's halves before (the call and its result were two
 * writes, each under the lock alone), and a line written by print, then newline, was two writes
 * too.
 *
 * <p>On a full disk the kernel takes the part of a write that fits and fails the rest: that
 * fragment stayed, and the next line written after it made one line of two
 * ({@code {"poin{"point":...}}), which a JSON reader stops at. A program can arrange that: it
 * fills the disk, has one line cut, frees the disk with a call no sink sees, then acts. So the
 * part of a failed write that reached a regular file is blanked where it lies: overwritten with
 * spaces and a closing newline, a blank line that readers pass over. Where that cannot be done (a
 * pipe or a terminal named as the path, or the write in place fails), the next write starts with
 * a newline, so that the fragment is a line of its own and the next record is whole.
 *
 * <p>The part is blanked, not cut off with ftruncate as before: a writer that takes no lock (one
 * outside seccheck, or a seccheck process whose wait for the lock ran out because the program
 * keeps it) may append between the last look at the file's size and the cut, and the cut took
 * that writer's line with it (one of about 40,000 in one run of 9 in {@code SharedTrailFileTest}).
 * A write in place touches only the bytes at its offsets, which are ours.
 *
 * <p>The file is opened to append (O_APPEND), as before, and a second descriptor of it reads its
 * size and blanks the part: a {@link RandomAccessFile}, not the stream's FileChannel, which an
 * interrupt of the writing thread would close. The size read before a write is where that write
 * begins only while nobody else appends, so each write and its blanking are made under two locks:
 * one shared by every LineFile of the file in this process, and one shared with every other
 * seccheck process appending to it ({@link TrailLocks}: an open file description lock, taken
 * only around the write and its blanking, and waited for at most {@value #LOCK_WAIT_MS} ms: a
 * process that keeps it, as the supervised program may, has the lines written without it). Two
 * runs, or a run and {@code server --out}, sharing one file on a full disk glued lines before
 * ({@code ..."thread_group_id":15538,"pr{"point":...}). A writer that wrote without the lock may
 * still have appended meanwhile: only the part of ours at the file's end is blanked ({@link
 * OwnFragment}); when another's bytes came after ours, ours stay as a fragment. A writer outside
 * seccheck can still glue ours to a fragment of its own, and a fragment that one process could
 * not blank is ended by a newline only by that process's next write. A FIFO is counted among the
 * {@link TrailFifos} while it is open, which the program may not open for reading.
 *
 * <p>A path is opened without waiting ({@link TrailOpens}) and judged by what the descriptor
 * reached: a session made while the program runs writes to no FIFO, pipe or terminal, which the
 * program may have put at the path; a blocking open of a FIFO it made held the thread serving the
 * control socket for good, and a FIFO it read gave it the trail.
 */
final class LineFile extends OutputStream {
    /** How long a line waits for the lock shared with other processes, and its pauses. */
    private static final long LOCK_WAIT_MS = 100;
    private static final long LOCK_PAUSE_NS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final long LOCK_PAUSE_MAX_NS = TimeUnit.MILLISECONDS.toNanos(2);

    /** One end per file (its device and inode), shared by every LineFile of it. */
    private static final Map<Object, End> ENDS = new ConcurrentHashMap<>();

    /** The end of one file: its lock, and whether a fragment stayed there, so that the next write starts with a newline. */
    private static final class End {
        boolean cut;
    }

    /** The locks other seccheck processes take too, looked up once, when the first file is opened. */
    private static final class Locks {
        static final Optional<TrailLocks> INSTALLED = ServiceLoader.load(TrailLocks.class).findFirst();
    }

    private final FileOutputStream out;
    /** The same file, to read its size and blank a failed write's part; null when it is no regular file. */
    private final RandomAccessFile sized;
    private final End end;
    /** What {@link TrailFifos#closed} takes at close: null unless the file is a FIFO. */
    private final Object fifo;
    /** Whether {@link #close} was called: the FIFO is uncounted once, whoever closes again. */
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The lock shared with other processes; null when it is no regular file or none could be taken. */
    private final TrailLocks.Lock shared;
    /** Whether another process held the shared lock past the last wait: later lines do not wait until it is free. */
    private boolean contested;
    /**
     * A newline, then the bytes given and not yet written: the newline is written when a fragment
     * stayed; after the last newline, the start of a line that waits for its end.
     */
    private byte[] pending = new byte[512];
    private int count = 1;
    /** Why the last write that failed failed, as the system said it; null before any did. */
    private volatile String failure;

    /** The file's device and inode ({@code BasicFileAttributes.fileKey()}), or null when not known. */
    private final Object key;

    private LineFile(FileOutputStream out, RandomAccessFile sized, End end, TrailLocks.Lock shared, Object fifo,
            Object key) {
        this.key = key;
        this.fifo = fifo;
        this.out = out;
        this.sized = sized;
        this.end = end;
        this.shared = shared;
        pending[0] = '\n';
    }

    /** The opener that never waits, looked up once, when the first file is opened. */
    private static final class Opens {
        static final Optional<TrailOpens> INSTALLED = ServiceLoader.load(TrailOpens.class).findFirst();
    }

    /**
     * A descriptor of a process named by its number ({@code seccheck exec}'s trace options name
     * its client's stderr so): the operator chose that process, and procfs, not a name the program
     * can make, leads to it; a pipe or terminal there is written to even while the program runs
     * (an open that would wait for a reader is still refused).
     */
    private static final Pattern DESCRIPTOR_OF_A_PROCESS = Pattern.compile("/proc/[1-9][0-9]*/fd/[0-9]+");

    /** Opens {@code path} to append, creating it, for a session made before any program runs. */
    static LineFile append(String path) throws IOException {
        return append(path, false);
    }

    /**
     * Opens {@code path} to append, creating it, without waiting in the open ({@link TrailOpens}):
     * the path may be the supervised program's to choose what it reaches. When {@code
     * programMayRun} only a regular file or a character device that is no terminal is written to:
     * a FIFO or a pipe (whose reader may be the program, or none, when a blocking open would wait
     * for good on the thread that serves the control socket) and a terminal (whose other end may
     * be the program's) are refused with the reason, unless the path names a descriptor of a
     * process by its number ({@link #DESCRIPTOR_OF_A_PROCESS}). Before the program runs, what the path names
     * is the operator's: a FIFO's reader is waited for, as a blocking open does.
     */
    static LineFile append(String path, boolean programMayRun) throws IOException {
        if (Opens.INSTALLED.isEmpty()) {
            return byName(path, programMayRun);
        }
        TrailOpens.Target target;
        try {
            target = Opens.INSTALLED.get().open(path);
        } catch (TrailOpens.NoReader e) {
            if (programMayRun) {
                throw new IOException(refusal("a FIFO without a reader, or a socket"), e);
            }
            return byName(path, false); // the operator's FIFO: its reader is waited for, as before
        }
        try (target) {
            if (programMayRun && !DESCRIPTOR_OF_A_PROCESS.matcher(path).matches()) {
                switch (target.kind()) {
                    case REGULAR, CHARACTER_DEVICE -> { }
                    case FIFO -> throw new IOException(refusal("a FIFO (or a pipe)"));
                    case TERMINAL -> throw new IOException(refusal("a terminal"));
                    case OTHER -> throw new IOException(refusal("neither a regular file nor a character device"));
                }
            }
            return opened(target.file());
        }
    }

    /** Why a path a session made while the program may run names is not written to, being {@code what}. */
    private static String refusal(String what) {
        return "it is " + what + ", and a session made while the program runs writes only to a regular file or a"
                + " device that is no terminal: the program may have made a FIFO, pipe or terminal there, and read"
                + " the lines or hold the open for good; name a regular file, or give a FIFO as the run starts (-o, --config)";
    }

    /**
     * Opens {@code path} by its name, which may wait for a FIFO's reader: where no {@link
     * TrailOpens} is installed, or for the operator's FIFO. When {@code programMayRun}, what it
     * opened is refused as {@link #append(String, boolean)} says, once the open has returned.
     */
    private static LineFile byName(String path, boolean programMayRun) throws IOException {
        LineFile file = opened(path);
        if (programMayRun && !DESCRIPTOR_OF_A_PROCESS.matcher(path).matches()) {
            int type = -1;
            try {
                type = ((Integer) Files.readAttributes(Path.of(path), "unix:mode").get("mode")) & FileTypes.S_IFMT;
            } catch (IOException | RuntimeException e) {
                // gone already, or a JDK without the unix view: refused below
            }
            if (type != FileTypes.S_IFREG && type != FileTypes.S_IFCHR) {
                file.close();
                throw new IOException(refusal(type == FileTypes.S_IFIFO ? "a FIFO (or a pipe)" : "neither a regular file nor a character device"));
            }
        }
        return file;
    }

    /** Opens {@code file} to append, creating it, and a second description of it when it is a regular file. */
    private static LineFile opened(String file) throws IOException {
        FileOutputStream out = new FileOutputStream(file, true);
        Object key = null;
        try {
            BasicFileAttributes a = Files.readAttributes(Path.of(file), BasicFileAttributes.class);
            key = a.fileKey();
            if (a.isRegularFile()) {
                Object k = key;
                End end = key == null ? new End() : ENDS.computeIfAbsent(key, any -> new End());
                TrailLocks.Lock shared = key == null ? null
                        : Locks.INSTALLED.flatMap(l -> l.open(file, k)).orElse(null);
                return new LineFile(out, new RandomAccessFile(file, "rw"), end, shared, null, key);
            }
        } catch (IOException | RuntimeException e) {
            // Not readable as well as writable, or gone already: a cut line is still ended by a newline.
        }
        return new LineFile(out, null, new End(), null, TrailFifos.opened(Path.of(file)), key);
    }

    /** Returns the file's device and inode ({@code BasicFileAttributes.fileKey()}), or null when not known. */
    Object key() {
        return key;
    }

    @Override
    public void write(int b) {
        room(1);
        pending[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        room(len);
        System.arraycopy(b, off, pending, count, len);
        count += len;
    }

    private void room(int more) {
        if (count + more > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, count + more));
        }
    }

    /**
     * Writes the whole lines given and not yet written in one write, after a newline when a
     * fragment stayed; on failure no part of them stays, as far as can be done. The start of a
     * line not ended yet stays here.
     */
    @Override
    public void flush() throws IOException {
        int last = count - 1;
        while (last > 0 && pending[last] != '\n') {
            last--;
        }
        writeUpTo(last + 1);
    }

    /** Writes everything given and not yet written, a line's start not ended yet included, in one write. */
    void flushAll() throws IOException {
        writeUpTo(count);
    }

    /** Writes {@code pending[1, to)} (after the newline at 0 when a fragment stayed) and keeps the rest. */
    private void writeUpTo(int to) throws IOException {
        if (to <= 1) {
            return;
        }
        try {
            synchronized (end) {
                int from = end.cut ? 0 : 1;
                boolean locked = lockShared();
                try {
                    long before = size();
                    try {
                        out.write(pending, from, to - from);
                        end.cut = false;
                    } catch (IOException e) {
                        failure = e.getMessage();
                        switch (blankOut(before, from, to - from)) {
                            case BLANKED -> end.cut = false;
                            case LEFT -> end.cut = true;
                            case ABSENT -> { } // the file ends as it did
                        }
                        throw e;
                    }
                } finally {
                    if (locked) {
                        unlockShared();
                    }
                }
            }
        } finally {
            // Written or failed, those bytes are done with: what followed them waits at the front.
            System.arraycopy(pending, to, pending, 1, count - to);
            count = 1 + count - to;
        }
    }

    /**
     * Takes the lock other seccheck processes take on the file, waiting at most
     * {@value #LOCK_WAIT_MS} ms, and returns whether it holds it. Any process that may open the
     * file may take a lock on it too, the supervised program included, and keep it: the line is
     * then written without the lock (as a writer outside seccheck's would be) rather than waited
     * on for good or lost, and while that lasts later lines look once, without waiting.
     */
    private boolean lockShared() {
        if (shared == null) {
            return false;
        }
        try {
            if (shared.tryLock()) {
                contested = false;
                return true;
            }
            if (contested) {
                return false;
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOCK_WAIT_MS);
            for (long pause = LOCK_PAUSE_NS; System.nanoTime() < deadline; pause = Math.min(pause * 2, LOCK_PAUSE_MAX_NS)) {
                LockSupport.parkNanos(pause);
                if (shared.tryLock()) {
                    return true;
                }
            }
        } catch (IOException e) {
            // The lock is gone (its description closed after an unlock failed): written without it.
        }
        contested = true;
        return false;
    }

    /** Releases the lock; should that fail, closing it releases it, and later lines go without it. */
    private void unlockShared() {
        try {
            shared.unlock();
        } catch (IOException e) {
            try {
                shared.close();
            } catch (IOException ignored) {
                // The description is gone either way, and its lock with it.
            }
        }
    }

    /** Returns why the last write that failed failed ("No space left on device"), or null when none did. */
    String failure() {
        return failure;
    }

    /** Returns the file's size, or -1 when it is not known. */
    private long size() {
        try {
            return sized == null ? -1 : sized.length();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Blanks the part of {@code pending[from, from+length)} that reached the file in a write begun
     * at {@code before} bytes, and only that ({@link OwnFragment}): it is overwritten where it lies
     * with spaces and a closing newline. Returns LEFT where that cannot be done (the part cannot
     * be told from another writer's bytes, or the file takes no write in place).
     *
     * <p>The part is overwritten, not cut off (ftruncate), because a writer without the lock may
     * append at any moment: a cut made after the last look at the size took whatever was appended
     * since with it. Bytes at a given offset change only when written there, and no one else
     * writes where our part lies, so the blanking touches nothing but ours. A blank line is no
     * record: JSON-line readers (jq, Jackson) and the strace format's readers pass over it.
     */
    private Part blankOut(long before, int from, int length) {
        if (before < 0) {
            return Part.LEFT;
        }
        try {
            long size = sized.length();
            long start = OwnFragment.partStart(sized, size, before, pending, from, length);
            if (start < 0) {
                return Part.LEFT;
            }
            if (start == size) {
                return Part.ABSENT;
            }
            byte[] blank = new byte[(int) (size - start)];
            Arrays.fill(blank, (byte) ' ');
            blank[blank.length - 1] = '\n';
            sized.seek(start);
            sized.write(blank);
            return Part.BLANKED;
        } catch (IOException e) {
            return Part.LEFT;
        }
    }

    /** What became of the part of a failed write that may have reached the file. */
    private enum Part {
        /** None of it reached the file, as far as can be told. */
        ABSENT,
        /** It is a blank line now. */
        BLANKED,
        /** It stays as it came, or may: the next write starts with a newline. */
        LEFT
    }

    @Override
    public void close() throws IOException {
        try (FileOutputStream o = out; RandomAccessFile s = sized; TrailLocks.Lock l = shared) {
            flushAll();
        } finally {
            if (closed.compareAndSet(false, true)) {
                TrailFifos.closed(fifo);
            }
        }
    }
}
