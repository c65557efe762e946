package dev.seccheck.sentry.trace;

import java.io.IOException;
import java.io.InputStream;
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
 */
final class BinaryHashes {

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
     * leaves unanswered, {@link FileLooks}) holds only its own thread.
     */
    Digests of(Key key, Path path, int capacity) throws IOException {
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
            try (InputStream in = Files.newInputStream(path)) {
                for (int n; (n = in.read(buf)) > 0; ) {
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
