package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.PathCalls;
import java.util.ArrayList;
import java.util.List;

/**
 * TreeWalk lists every name below a directory of ours, depth first (getdents64 and statx, not
 * following symlinks), with at most {@link #HELD} descriptors open: those of the deepest
 * directories on the way down. A directory is entered by its name from its parent's descriptor;
 * the walk comes back to a parent whose descriptor it let go by "..", from a child it looked names
 * up in (so one it may search, where ".." is looked up; a directory listed and not searchable is
 * left from its parent's descriptor, still held). Each directory reached by name or by ".." is
 * checked to be the one listed (device and inode): a directory moved or swapped meanwhile ends
 * the walk with a reason ({@link #why}) rather than have it list another. The walks below a moved
 * directory ({@link NameEmulation}, {@link RenamesOutOfWhatRuns}) opened every subdirectory as
 * they listed its parent and held them all until they listed them: a flat directory of 21,000
 * empty subdirectories took 21,000 descriptors, past seccheck's limit (20,000 there), so its
 * rename was refused where natively it is made, and while the walk held them the opens seccheck
 * makes for the program's other processes failed with EMFILE (red team A F3). What it keeps is
 * the names of the directories on the way down, which the caller caps. One walk per thread.
 *
 * <p>A walk made {@linkplain #TreeWalk(PathCalls, int, boolean) to stay on the top's mount} ends
 * at a name below it that is a mount point (the program's own mount, in a mount namespace of its
 * own, over a directory or a file), as at a directory that cannot be listed: the mount hides the
 * files it covers, and a walk into it lists the mount's files instead. A tmpfs mounted over a
 * subdirectory, or a decoy bound over a file, kept the files below a directory moved out of a
 * rule on what runs from being recorded, and an exec in flight of such a file ran (red-team round
 * 16, {@code MountedOverMovesTest}). Each name's stat and mount come from one statx, so a mount
 * made on the name in between cannot pair one with the other. A walk that may go into mounts
 * (the check of each name below a directory moved under a rule on opening files) lists what the
 * program sees there, and says which names are mount points ({@link Entry#mountPoint}): a rename
 * of a directory with a mount below it is an ordinary thing for a program in a namespace of its
 * own to do, and its caller decides on the names such a mount covers without listing them.
 */
final class TreeWalk implements AutoCloseable {

    /**
     * The most descriptors a walk holds: a tree no deeper is walked without a "..", and a deeper
     * one climbs by ".." only past this many levels.
     */
    static final int HELD = 16;

    /**
     * A name below the top: its path below the top, its last component, its stat (null: gone since
     * listed), and whether it is a mount point (on another mount than the directory it is listed
     * in), which covers the names of the file or directory below it; its mount's id, or -1.
     */
    record Entry(String rel, String name, PathCalls.Stat stat, boolean mountPoint, long mount) {}

    /**
     * A directory on the way down: its device and inode, its mount's id (-1 when not told), its
     * path below the top, its names and the next one, and our descriptor of it while held (else -1).
     */
    private static final class Frame {
        final long dev;
        final long ino;
        final long mount;
        final String rel;
        final List<String> names;
        int next;
        int fd;

        Frame(PathCalls.Stat st, long mount, String rel, List<String> names, int fd) {
            this.dev = st.dev();
            this.ino = st.ino();
            this.mount = mount;
            this.rel = rel;
            this.names = names;
            this.fd = fd;
        }
    }

    private final PathCalls calls;
    /** The id of the top's mount, which every name walked must be reached through; -1 when any may be. */
    private final long mount;
    /** The id of the top's mount, or -1 when not told. */
    private final long topMount;
    /** The directories on the way down, the top first; the last one's descriptor is always held. */
    private final List<Frame> down = new ArrayList<>();
    /** The index in {@link #down} of the first directory whose descriptor is held. */
    private int firstHeld;
    private String why;

    /**
     * Starts a walk below the directory of our fd {@code top} (O_RDONLY|O_DIRECTORY), which it
     * takes and closes; with {@code onItsMount}, one that ends at a mount point below it.
     */
    TreeWalk(PathCalls calls, int top, boolean onItsMount) {
        this.calls = calls;
        PathCalls.Stat st = calls.fstat(top);
        this.topMount = calls.mountId(top);
        this.mount = onItsMount ? topMount : -1;
        List<String> names = st == null || onItsMount && mount < 0 ? null : calls.names(top);
        if (names == null) {
            PathCalls.close(top);
            why = "a directory below it (.) cannot be listed";
        } else {
            down.add(new Frame(st, topMount, "", names, top));
        }
    }

    /** The next name below the top; null when every name was given, or the walk ended ({@link #why}). */
    Entry next() {
        while (why == null && !down.isEmpty()) {
            Frame f = down.getLast();
            if (f.next < f.names.size()) {
                String name = f.names.get(f.next++);
                String rel = f.rel.isEmpty() ? name : f.rel + "/" + name;
                PathCalls.StatOnMount at = calls.lstatOnMountAt(f.fd, name);
                if (at != null && mount >= 0 && at.mountId() != mount) {
                    why = "a name below it (" + rel + ") is a mount point, which hides the files below it";
                    return null;
                }
                if (at == null) {
                    return new Entry(rel, name, null, false, -1);
                }
                return new Entry(rel, name, at.stat(), f.mount < 0 || at.mountId() != f.mount, at.mountId());
            }
            down.removeLast();
            if (!down.isEmpty() && down.getLast().fd < 0) {
                up(f, down.getLast());
            }
            PathCalls.close(f.fd);
        }
        return null;
    }

    /**
     * Enters the directory {@code e} (the entry {@link #next} gave last, a directory): its names
     * come next, then the rest of its parent's. False when it cannot be opened or listed, or it is
     * another directory than the one listed: the walk is over ({@link #why}).
     */
    boolean enter(Entry e) {
        int sub = calls.openat(down.getLast().fd, e.name(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            why = "a directory below it (" + e.rel() + ") cannot be listed";
            return false;
        }
        PathCalls.Stat st = calls.fstat(sub);
        if (st == null || e.stat() == null || st.dev() != e.stat().dev() || st.ino() != e.stat().ino()
                || mount >= 0 && calls.mountId(sub) != mount) {
            PathCalls.close(sub);
            why = "a directory below it (" + e.rel() + ") was replaced while it was walked";
            return false;
        }
        List<String> names = calls.names(sub);
        if (names == null) {
            PathCalls.close(sub);
            why = "a directory below it (" + e.rel() + ") cannot be listed";
            return false;
        }
        down.add(new Frame(st, e.mount(), e.rel(), names, sub));
        if (down.size() - firstHeld > HELD) {
            Frame let = down.get(firstHeld++);
            PathCalls.close(let.fd);
            let.fd = -1;
        }
        return true;
    }

    /**
     * Takes {@code parent} again, by ".." from {@code left}, a directory it walked names below
     * (so searched): the walk ends when ".." is another directory.
     */
    private void up(Frame left, Frame parent) {
        int dotdot = calls.openat(left.fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        PathCalls.Stat st = dotdot < 0 ? null : calls.fstat(dotdot);
        if (st == null || st.dev() != parent.dev || st.ino() != parent.ino) {
            PathCalls.close(dotdot);
            why = "a directory below it (" + left.rel + ") was moved while it was walked";
            return;
        }
        parent.fd = dotdot;
        firstHeld = down.size() - 1;
    }

    /** Why the walk ended before it gave every name, or null. */
    String why() {
        return why;
    }

    @Override
    public void close() {
        for (Frame f : down) {
            if (f.fd >= 0) {
                PathCalls.close(f.fd);
                f.fd = -1;
            }
        }
        down.clear();
    }
}
