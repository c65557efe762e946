package dev.seccheck.session;

/**
 * SessionOptions are a session's tunables.
 *
 * @param execveHashCacheCapacity how many binaries' hashes {@code sentry/execve} keeps per
 *     session (gVisor's {@code execve_hash_cache_capacity}); 0 disables the cache
 */
public record SessionOptions(int execveHashCacheCapacity) {
    /** gVisor's defaults. */
    public static final SessionOptions DEFAULT = new SessionOptions(dev.seccheck.state.Subscriber.DEFAULT_HASH_CACHE_CAPACITY);
}
