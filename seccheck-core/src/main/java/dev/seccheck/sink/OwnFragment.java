package dev.seccheck.sink;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.Arrays;

/**
 * OwnFragment finds where the part of a failed write that reached a trail file begins, so that
 * {@link LineFile} blanks that part and nothing else. A write that fails on a full disk leaves
 * at the file's end the start of what it was given; the file's size read before the write is
 * where that part begins only while nobody else appended meanwhile. Another writer may have: a
 * seccheck process that waited its bounded time for the shared lock and wrote without it (the
 * holder descheduled at a load of 10), or a writer outside seccheck. Taking everything past that
 * size took that writer's whole lines with ours (a run sharing its trail lost 5 of 4,836 lines
 * so). So the bytes past that size are compared with what was written: our part is the longest
 * tail of the file that is a start of the bytes written and begins where a line begins (at the
 * size read before, or after a newline); none, when no such tail exists and the file ends a line:
 * only others' whole lines came, which leaves one case wrong, another writer's whole line written
 * between our part and our write's failure (microseconds apart), to which our part stays glued.
 * When the file ends in another's fragment, nothing is found either, and -1 says so: the next
 * write starts with a newline, as where a file cannot be written in place at all.
 */
final class OwnFragment {
    private OwnFragment() {}

    /**
     * Returns where the part of a write of {@code data[from, from+length)} that began when {@code
     * file} had {@code before} bytes lies in it, now of {@code size} bytes: from the offset
     * returned to {@code size}; {@code size} when nothing of it reached the file, or -1 when that
     * part cannot be told from another writer's bytes.
     */
    static long partStart(RandomAccessFile file, long size, long before, byte[] data, int from, int length)
            throws IOException {
        if (size <= before) {
            return size;
        }
        long grown = size - before;
        int most = (int) Math.min(grown, length);
        // The tail that may be ours, and the byte before it, which tells whether it starts a line.
        long start = size - most;
        int extra = start > before ? 1 : 0;
        byte[] tail = new byte[most + extra];
        file.seek(start - extra);
        file.readFully(tail);
        for (int k = most; k > 0; k--) {
            int at = tail.length - k;
            boolean lineStart = size - k == before || tail[at - 1] == '\n';
            if (lineStart && Arrays.equals(tail, at, tail.length, data, from, from + k)) {
                return size - k;
            }
        }
        // Nothing of ours reached it, as far as can be told, when it ends where a line ends.
        return tail[tail.length - 1] == '\n' ? size : -1;
    }
}
