package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.PathCalls;
import java.util.Arrays;

/**
 * HeldFiles are what seccheck holds of the program's files while it serves one {@link Call}: its
 * descriptors of the path walked (the object reached, its directory, a missing name's
 * directory), a copy of a descriptor of the program's, the program's root. Each pins its mount
 * and keeps its open file open: held past the answer, they made the program's very next call
 * see a busy mount (an unmount right after an open in it failed with EBUSY) or a file still open
 * (red-team report R2 F4). So the call releases them just before it sends the answer that lets
 * the task go on ({@link Call}), and whoever took them releases them again on every other way
 * out (a call given up to be served again, or failing in seccheck; one handed to a pool thread
 * is released there), which then closes nothing twice: each descriptor is closed once, its
 * number forgotten as it is.
 *
 * <p>Not thread-safe, and needs not be: the thread serving the call is its only user, and a call
 * moved to a pool thread reaches it through the pool's queue, which orders the moves.
 */
final class HeldFiles {

    private int[] fds = new int[4];
    private int count;
    /** The program's root as this call opened it (opened lazily, and so closed at the last); or null. */
    private ProgramRoot root;

    /** Holds our descriptor {@code fd} until the answer; a negative one (an errno) is ignored. Returns {@code fd}. */
    int fd(int fd) {
        if (fd >= 0) {
            if (count == fds.length) {
                fds = Arrays.copyOf(fds, count * 2);
            }
            fds[count++] = fd;
        }
        return fd;
    }

    /** Holds the program's root of this call ({@link ProgramRoot#of}, opened or not yet) until the answer. */
    ProgramRoot root(ProgramRoot r) {
        if (root != null && root != r) {
            root.close(); // one root per call: a walk made again is given a new one
        }
        this.root = r;
        return r;
    }

    /**
     * Closes our descriptor {@code fd} now, before the answer, if it is held (one message's of
     * several, done with); else does nothing: it was released with the rest already.
     */
    void close(int fd) {
        for (int i = 0; i < count; i++) {
            if (fds[i] == fd) {
                PathCalls.close(fd);
                fds[i] = fds[--count];
                return;
            }
        }
    }

    /** Closes what is held now, once: what was released is no longer held. */
    void release() {
        for (int i = 0; i < count; i++) {
            PathCalls.close(fds[i]);
        }
        count = 0;
        if (root != null) {
            root.close();
            root = null;
        }
    }
}
