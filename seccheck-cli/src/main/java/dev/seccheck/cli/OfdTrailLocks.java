package dev.seccheck.cli;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.OfdLock;
import dev.seccheck.sink.TrailLocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

/**
 * OfdTrailLocks is the lock seccheck processes sharing a trail file take around each write and the
 * blanking of its part should it fail: an open file description lock on the file ({@link
 * OfdLock}), which excludes another process's as well as another description's in this process.
 * The lock's own descriptor is opened by the path, and used only when it holds the very file the
 * trail was opened on (the same device and inode, read through /proc/self/fd), and only on a
 * filesystem that takes such locks (one lock and unlock are tried first): elsewhere the file is
 * locked within this process only, as before.
 */
public final class OfdTrailLocks implements TrailLocks {

    /** Made by {@link java.util.ServiceLoader}. */
    public OfdTrailLocks() {}

    @Override
    public Optional<Lock> open(String path, Object fileKey) {
        OfdLock lock;
        try {
            lock = OfdLock.open(path);
        } catch (LinuxException e) {
            return Optional.empty();
        }
        try {
            Object held = Files.readAttributes(Path.of("/proc/self/fd/" + lock.number()), BasicFileAttributes.class)
                    .fileKey();
            if (!Objects.equals(held, fileKey)) {
                lock.close();
                return Optional.empty();
            }
            if (lock.tryLock()) { // held elsewhere: the filesystem takes such locks all the same
                lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            lock.close();
            return Optional.empty();
        }
        return Optional.of(new Held(lock));
    }

    /** Held adapts one {@link OfdLock} to the core's lock. */
    private record Held(OfdLock ofd) implements Lock {
        @Override
        public boolean tryLock() throws IOException {
            return ofd.tryLock();
        }

        @Override
        public void unlock() throws IOException {
            ofd.unlock();
        }

        @Override
        public void close() {
            ofd.close();
        }
    }
}
