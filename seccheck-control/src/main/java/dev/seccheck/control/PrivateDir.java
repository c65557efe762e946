package dev.seccheck.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * PrivateDir opens a directory only if it is this user's own and private, and works inside it
 * relative to the open handle without following links (openat, unlinkat and renameat through
 * {@link SecureDirectoryStream}). The one class of the control plane that touches the runtime
 * directory's files.
 */
final class PrivateDir {
    private PrivateDir() {}

    static final String RECORD = "run.json";
    static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final int MAX_RECORD = 64 << 10;
    /** Run directories hold a few files; anything deeper was planted and is refused, not walked. */
    private static final int MAX_DEPTH = 8;

    /**
     * Opens {@code dir} if it is a directory (not a link) owned by {@code uid} with mode 0700
     * exactly, checked on the opened handle too so a swap between the check and the open is seen.
     *
     * @throws ControlException saying what is wrong and how to fix it
     */
    static SecureDirectoryStream<Path> open(Path dir, int uid) throws ControlException, IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(dir, "unix:uid,mode,isSymbolicLink,isDirectory,fileKey", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new ControlException("the runtime directory " + dir + " does not exist");
        }
        String fix = " seccheck only uses a private directory of its own, since another user could otherwise read the "
                + "policies sent to your runs or make seccheck write through links. Remove it, or choose another "
                + "directory with --root or XDG_RUNTIME_DIR.";
        if ((Boolean) a.get("isSymbolicLink")) {
            throw new ControlException("the runtime directory " + dir + " is a symbolic link (to "
                    + readLinkQuietly(dir) + ")." + fix);
        }
        if (!(Boolean) a.get("isDirectory")) {
            throw new ControlException("the runtime directory " + dir + " is not a directory." + fix);
        }
        int owner = (Integer) a.get("uid");
        if (owner != uid) {
            throw new ControlException("the runtime directory " + dir + " belongs to uid " + owner + ", not to you (uid "
                    + uid + "): another user may have created it to intercept your runs." + fix);
        }
        int mode = (Integer) a.get("mode") & 07777;
        if (mode != 0700) {
            throw new ControlException("the runtime directory " + dir + " has mode " + String.format("%04o", mode)
                    + ", not 0700: other users could reach your runs through it. Fix it with: chmod 0700 " + dir);
        }
        DirectoryStream<Path> ds = Files.newDirectoryStream(dir);
        if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
            ds.close();
            throw new IOException("this platform has no openat-style directory access (SecureDirectoryStream) for " + dir);
        }
        try {
            BasicFileAttributes opened = sds.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
            if (!a.get("fileKey").equals(opened.fileKey())) {
                throw new ControlException("the runtime directory " + dir + " was replaced while seccheck opened it; "
                        + "someone is racing seccheck for it. Choose another directory with --root or XDG_RUNTIME_DIR.");
            }
            return sds;
        } catch (ControlException | IOException | RuntimeException e) {
            sds.close();
            throw e;
        }
    }

    /** Returns whether {@code name} exists in {@code dir} (a link counts, dangling or not). */
    static boolean exists(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            attributes(dir, name);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Reads {@code name/run.json} without following a link at either step; empty if absent or not a record. */
    static Optional<RunRecord> readRecord(SecureDirectoryStream<Path> dir, Path name) {
        try {
            if (!attributes(dir, name).isDirectory()) {
                return Optional.empty();
            }
            try (SecureDirectoryStream<Path> run = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                // A FIFO or device planted as run.json would block or feed without end: regular files only.
                if (!attributes(run, Path.of(RECORD)).isRegularFile()) {
                    return Optional.empty();
                }
                try (SeekableByteChannel ch = run.newByteChannel(Path.of(RECORD),
                        Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                    ByteBuffer buf = ByteBuffer.allocate(MAX_RECORD);
                    while (buf.hasRemaining() && ch.read(buf) > 0) {
                        // Read to the limit or the end.
                    }
                    byte[] data = new byte[buf.position()];
                    buf.flip().get(data);
                    return Optional.of(RunRecord.parse(data, name.resolve(RECORD).toString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes {@code name/run.json} with a new file (O_EXCL, O_NOFOLLOW) renamed into place. */
    static void writeRecord(SecureDirectoryStream<Path> dir, Path name, RunRecord record) throws IOException {
        try (SecureDirectoryStream<Path> run = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            Path tmp = Path.of(RECORD + ".tmp");
            try (SeekableByteChannel ch = run.newByteChannel(tmp, Set.of(StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW, LinkOption.NOFOLLOW_LINKS), PRIVATE_FILE)) {
                ByteBuffer buf = ByteBuffer.wrap(record.toJson());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            run.move(tmp, run, Path.of(RECORD));
        }
    }

    /** Checks that {@code name/control.sock} is a socket owned by the directory's owner. */
    static void checkSocket(SecureDirectoryStream<Path> dir, Path name, Path shown) throws ControlException, IOException {
        UserPrincipal owner = dir.getFileAttributeView(PosixFileAttributeView.class).readAttributes().owner();
        try (SecureDirectoryStream<Path> run = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            PosixFileAttributes s = run.getFileAttributeView(Path.of(RuntimeRoot.SOCKET), PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (!s.isOther() || s.isSymbolicLink()) {
                throw new ControlException(shown + " is not a socket; remove the run directory " + shown.getParent());
            }
            if (!s.owner().equals(owner)) {
                throw new ControlException(shown + " belongs to " + s.owner().getName() + ", not to you (" + owner.getName()
                        + "); remove the run directory " + shown.getParent());
            }
        } catch (NoSuchFileException e) {
            throw new ControlException("the run has no control socket yet (" + shown + "); try again in a moment");
        } catch (FileSystemException e) {
            throw new ControlException("cannot use " + shown.getParent() + ": " + e.getMessage()
                    + " (a run directory must be a directory, not a link)");
        }
    }

    /**
     * Removes {@code name} from {@code dir}: a link or file is unlinked, a directory emptied first;
     * nothing is followed. Returns false if there was nothing to remove.
     */
    static boolean delete(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        return delete(dir, name, 0);
    }

    private static boolean delete(SecureDirectoryStream<Path> dir, Path name, int depth) throws IOException {
        BasicFileAttributes a;
        try {
            a = attributes(dir, name);
        } catch (NoSuchFileException gone) {
            return false;
        }
        if (!a.isDirectory()) {
            deleteFile(dir, name);
            return true;
        }
        if (depth >= MAX_DEPTH) {
            throw new IOException(name + ": nested more than " + MAX_DEPTH + " levels deep, not a run directory; left alone");
        }
        try (SecureDirectoryStream<Path> sub = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> entries = new ArrayList<>();
            sub.forEach(p -> entries.add(p.getFileName()));
            for (Path e : entries) {
                delete(sub, e, depth + 1);
            }
        }
        try {
            dir.deleteDirectory(name);
        } catch (NoSuchFileException gone) {
            // Removed concurrently: fine.
        }
        return true;
    }

    private static void deleteFile(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            dir.deleteFile(name);
        } catch (NoSuchFileException gone) {
            // Removed concurrently: fine.
        }
    }

    private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    }

    private static String readLinkQuietly(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
