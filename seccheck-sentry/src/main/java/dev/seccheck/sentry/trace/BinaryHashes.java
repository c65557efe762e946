package dev.seccheck.sentry.trace;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * BinaryHashes computes the SHA-256 and SHA-1 of executed binaries, with an LRU cache keyed by
 * the file's identity and change times (device, inode, size, mtime, ctime), so a binary that is
 * replaced or modified is hashed again, and the first exec of any binary is hashed too. The
 * cache's capacity is given at each use, as the sessions' {@code execve_hash_cache_capacity}
 * may change while the run goes on; 0 disables it.
 *
 * <p>A file past {@link #MAX_HASHED_BYTES} is not hashed: the program chooses what it executes,
 * and a sparse file costs it nothing to make while hashing it costs seccheck a second per 85 MB
 * read (a 1 GB file held the tracer, and with it every task of the run and the run's end, for
 * 12 s; ext4 takes 16 TiB). A read is given up when its thread is interrupted
 * ({@link FileLooks} interrupts a look it stopped waiting for).
 */
final class BinaryHashes {

    /**
     * The largest file hashed: 256 MiB, past the largest binaries of the toolchains and CI jobs
     * seccheck watches (a statically linked compiler or Go program is 50-150 MB), about 3 s of
     * hashing on the tracer here.
     */
    static final long MAX_HASHED_BYTES = 256L << 20;

    /** TooLarge says a file was not hashed because it is longer than {@link #MAX_HASHED_BYTES}. */
    static final class TooLarge extends IOException {
        TooLarge(long size) {
            super(size + " bytes, past the " + MAX_HASHED_BYTES + " seccheck hashes");
        }
    }

    /** Key identifies one version of one file. */
    record Key(long dev, long ino, long size, long mtimeNs, long ctimeNs) {}

    /** Digests of one file version. */
    record Digests(byte[] sha256, byte[] sha1) {}

    /** Least recently used first (access order). */
    private final Map<Key, Digests> cache = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * Returns the digests of the file {@code path} opens (e.g. {@code /proc/<pid>/exe}), whose
     * identity is {@code key}, keeping at most {@code capacity} files' digests cached. The file is
     * read outside the cache's lock: a read that never ends (a file on a filesystem its server
     * leaves unanswered, {@link FileLooks}) holds only its own thread. Fails with {@link TooLarge}
     * for a file longer than {@link #MAX_HASHED_BYTES} (by {@code key}, or found so as it is read),
     * and with {@link InterruptedIOException} when the thread is interrupted as it reads.
     */
    Digests of(Key key, Path path, int capacity) throws IOException {
        if (key.size() > MAX_HASHED_BYTES) {
            throw new TooLarge(key.size());
        }
        synchronized (this) {
            Digests d = capacity > 0 ? cache.get(key) : null;
            if (d != null) {
                shrink(capacity);
                return d;
            }
        }
        Digests d = hash(path);
        synchronized (this) {
            if (capacity > 0) {
                cache.put(key, d);
            }
            shrink(capacity);
        }
        return d;
    }

    /** Drops the least recently used digests past {@code capacity} (the sessions' may have shrunk). */
    private void shrink(int capacity) {
        var eldest = cache.keySet().iterator();
        while (cache.size() > capacity) {
            eldest.next();
            eldest.remove();
        }
    }

    /** Returns how many files' digests are cached. */
    synchronized int size() {
        return cache.size();
    }

    private static Digests hash(Path path) throws IOException {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] buf = new byte[64 * 1024];
            long read = 0;
            try (InputStream in = Files.newInputStream(path)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    read += n;
                    if (read > MAX_HASHED_BYTES) {
                        throw new TooLarge(read); // it grew since its stat (a script being written)
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedIOException("hashing given up after " + read + " bytes");
                    }
                    sha256.update(buf, 0, n);
                    sha1.update(buf, 0, n);
                }
            }
            return new Digests(sha256.digest(), sha1.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256 or SHA-1", e);
        }
    }
}
