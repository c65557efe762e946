package dev.seccheck.sink;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;

/**
 * TrailLocks takes, on a trail file, the lock that every seccheck process appending to it holds
 * around a write and, should the write fail, the blanking of its part ({@link LineFile}), so
 * that two runs, or a run and a server, sharing one file never glue each other's lines. The core
 * calls no native code: the implementation is found with {@link java.util.ServiceLoader}, as the
 * sinks are (the CLI's takes an open file description lock through seccheck-native). Without one
 * a file is locked within this process only.
 */
public interface TrailLocks {

    /**
     * Returns a lock on the regular file at {@code path}, which the caller has just opened and
     * found to have {@code fileKey} ({@code BasicFileAttributes.fileKey()}), or empty when none can
     * be taken on that very file (it was replaced meanwhile, or its filesystem takes no locks).
     */
    Optional<Lock> open(String path, Object fileKey);

    /** Lock is one file's lock across processes; one thread at a time locks and unlocks it. */
    interface Lock extends Closeable {
        /** Takes the lock if nobody else holds it; returns false, without waiting, when someone does. */
        boolean tryLock() throws IOException;

        /** Releases the lock. */
        void unlock() throws IOException;
    }
}
