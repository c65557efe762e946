package dev.seccheck.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * PrivateDir opens a directory only if it is this user's own and private, and works inside it
 * relative to the open handle without following links (openat, unlinkat and renameat through
 * {@link SecureDirectoryStream}). The one class of the control plane that touches the runtime
 * directory's files.
 */
final class PrivateDir {
    private PrivateDir() {}

    static final String RECORD = "run.json";
    /** The record being written, renamed over {@link #RECORD} once whole. */
    static final String RECORD_TMP = "run.json.tmp";
    static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    private static final int MAX_RECORD = 64 << 10;

    /**
     * Opens {@code dir} if it is a directory (not a link) owned by {@code uid}, checked on the
     * opened handle too so a swap between the check and the open is seen. A directory of ours with
     * other mode bits than 0700 (a program of this user can chmod it) is set back to 0700 through
     * the handle, and {@code log} told so: its runs are still told apart from what others may have
     * added meanwhile, since an entry is trusted only if it is a private directory of ours too
     * ({@link #trusted}).
     *
     * @throws ControlException saying what is wrong and how to fix it
     */
    static SecureDirectoryStream<Path> open(Path dir, int uid, Consumer<String> log) throws ControlException, IOException {
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
        DirectoryStream<Path> ds = Files.newDirectoryStream(dir);
        if (!(ds instanceof SecureDirectoryStream<Path> sds)) {
            ds.close();
            throw new IOException("this platform has no openat-style directory access (SecureDirectoryStream) for " + dir);
        }
        try {
            PosixFileAttributeView self = sds.getFileAttributeView(PosixFileAttributeView.class);
            if (!a.get("fileKey").equals(self.readAttributes().fileKey())) {
                throw new ControlException("the runtime directory " + dir + " was replaced while seccheck opened it; "
                        + "someone is racing seccheck for it. Choose another directory with --root or XDG_RUNTIME_DIR.");
            }
            if (mode != 0700) {
                // fchmod on the handle checked above: the directory of ours, whatever its name leads to now.
                self.setPermissions(PosixFilePermissions.fromString("rwx------"));
                log.accept("the runtime directory " + dir + " had mode " + String.format("%04o", mode)
                        + " (a program of yours may have changed it): set back to 0700");
            }
            return sds;
        } catch (ControlException | IOException | RuntimeException e) {
            sds.close();
            throw e;
        }
    }

    /**
     * Returns whether entry {@code name} of {@code dir} is a directory (not a link) of the owner
     * of {@code dir} with mode 0700, as seccheck makes every run's: only such an entry may be a
     * run. While the root had other mode bits, other users could add entries: those are never
     * followed.
     */
    static boolean trusted(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        PosixFileAttributes a;
        try {
            a = dir.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException gone) {
            return false;
        }
        return a.isDirectory() && a.permissions().equals(PRIVATE) && a.owner().equals(ownerOf(dir));
    }

    /**
     * Returns whether entry {@code name} of {@code dir} is a run directory seccheck made: a
     * {@link #trusted} directory holding nothing but what a run writes there, each of the
     * directory's owner: {@code run.json} and {@code run.json.tmp} (regular files) and
     * {@code control.sock} (a socket). Anything else (a file, a tree of the user's) is no run's.
     */
    static boolean isRunDirectory(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        if (!trusted(dir, name)) {
            return false;
        }
        UserPrincipal owner = ownerOf(dir);
        try (SecureDirectoryStream<Path> run = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            for (Path entry : run) {
                Path file = entry.getFileName();
                PosixFileAttributes a = run.getFileAttributeView(file, PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).readAttributes();
                boolean expected = switch (file.toString()) {
                    case RECORD, RECORD_TMP -> a.isRegularFile();
                    case RuntimeRoot.SOCKET -> a.isOther() && !a.isSymbolicLink();
                    default -> false;
                };
                if (!expected || !a.owner().equals(owner)) {
                    return false;
                }
            }
            return true;
        } catch (NoSuchFileException gone) {
            return false;
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
        return readRecordBytes(dir, name).flatMap(data -> {
            try {
                return Optional.of(RunRecord.parse(data, name.resolve(RECORD).toString()));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        });
    }

    /** The bytes of {@code name/run.json} as {@link #readRecord} finds them, unparsed. */
    static Optional<byte[]> readRecordBytes(SecureDirectoryStream<Path> dir, Path name) {
        try {
            if (!trusted(dir, name)) {
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
                    return Optional.of(data);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Writes {@code name/run.json} with a new file (O_EXCL, O_NOFOLLOW) renamed into place. */
    static void writeRecord(SecureDirectoryStream<Path> dir, Path name, RunRecord record) throws IOException {
        try (SecureDirectoryStream<Path> run = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            Path tmp = Path.of(RECORD_TMP);
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
        UserPrincipal owner = ownerOf(dir);
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
     * Removes run directory {@code name} from {@code dir}, which {@link #isRunDirectory} found to be
     * one: unlinks the files a run writes there (nothing is followed) and the directory. Returns
     * false if it was gone already.
     *
     * @throws IOException if anything else is in it now (it is then left as it is)
     */
    static boolean removeRun(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try (SecureDirectoryStream<Path> run = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            for (String file : List.of(RECORD, RECORD_TMP, RuntimeRoot.SOCKET)) {
                try {
                    if (!attributes(run, Path.of(file)).isDirectory()) {
                        run.deleteFile(Path.of(file));
                    }
                } catch (NoSuchFileException gone) {
                    // Not written, or removed concurrently: fine.
                }
            }
        } catch (NoSuchFileException gone) {
            return false;
        }
        try {
            dir.deleteDirectory(name);
        } catch (NoSuchFileException gone) {
            return false;
        } catch (DirectoryNotEmptyException e) {
            throw new IOException("something other than a run's files was put in it meanwhile; left alone");
        }
        return true;
    }

    /** Removes file {@code name} of {@code dir} (never a directory), if there. */
    static void deleteFile(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            if (!attributes(dir, name).isDirectory()) {
                dir.deleteFile(name);
            }
        } catch (NoSuchFileException gone) {
            // Removed concurrently: fine.
        }
    }

    private static UserPrincipal ownerOf(SecureDirectoryStream<Path> dir) throws IOException {
        return dir.getFileAttributeView(PosixFileAttributeView.class).readAttributes().owner();
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
