package dev.seccheck.session;

/**
 * SessionOptions are a session's tunables.
 *
 * @param execveHashCacheCapacity how many binaries' hashes {@code sentry/execve} keeps per
 *     session (gVisor's {@code execve_hash_cache_capacity}); 0 disables the cache
 * @param locked whether the session can neither be deleted nor replaced while its run lives
 *     ({@code "locked": true}; it ends with the run), so no control request can switch it off
 * @param allowPtrace whether the supervised program's ptrace calls reach the kernel (their points
 *     then carry its answer) instead of being refused; read when the run starts. The run's tasks
 *     are all traced by seccheck, so none can be attached by a debugger of the run, and an attach
 *     to a process outside the run is refused all the same.
 */
public record SessionOptions(int execveHashCacheCapacity, boolean locked, boolean allowPtrace) {
    /** gVisor's defaults; not locked, ptrace refused. */
    public static final SessionOptions DEFAULT = new SessionOptions(dev.seccheck.state.Subscriber.DEFAULT_HASH_CACHE_CAPACITY);

    /** Options that are not locked, with ptrace refused. */
    public SessionOptions(int execveHashCacheCapacity) {
        this(execveHashCacheCapacity, false, false);
    }

    /** Returns these options with {@code locked} set as given. */
    public SessionOptions withLocked(boolean lock) {
        return new SessionOptions(execveHashCacheCapacity, lock, allowPtrace);
    }
}
