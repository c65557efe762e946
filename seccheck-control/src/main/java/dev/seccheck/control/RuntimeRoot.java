package dev.seccheck.control;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * RuntimeRoot is the directory holding one subdirectory per running workload, with its
 * {@code run.json} and control socket, like runsc's {@code --root}. Directories are private
 * (0700); entries whose supervisor died are detected by pid and start time and removed.
 */
public final class RuntimeRoot {

    /** File name of the control socket inside a run's directory. */
    public static final String SOCKET = "control.sock";
    private static final String RECORD = "run.json";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final Path root;

    public RuntimeRoot(Path root) {
        this.root = root;
    }

    /**
     * Returns the default root: {@code $XDG_RUNTIME_DIR/seccheck}, else {@code /run/seccheck} for
     * root, else {@code /tmp/seccheck-<uid>}.
     */
    public static Path defaultPath() {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "seccheck");
        }
        int uid = currentUid();
        return uid == 0 ? Path.of("/run/seccheck") : Path.of("/tmp", "seccheck-" + uid);
    }

    /** Returns this process's uid, read from the owner of {@code /proc/self}. */
    public static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot read this process's uid from /proc/self", e);
        }
    }

    /** Returns the root directory. */
    public Path path() {
        return root;
    }

    /** Checks a run id: letters, digits, {@code _ . -}, at most 64, not starting with a dot. */
    public static void checkId(String id) throws ControlException {
        if (!ID.matcher(id).matches()) {
            throw new ControlException("invalid run id \"" + id + "\": use letters, digits, '_', '.', '-' (at most 64)");
        }
    }

    /**
     * Creates the directory of a new run and writes its record.
     *
     * @throws ControlException if a live run already has this id
     */
    public Path create(RunRecord record, Consumer<String> log) throws ControlException, IOException {
        checkId(record.id());
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path dir = root.resolve(record.id());
        Optional<RunRecord> existing = readRecord(dir);
        if (existing.isPresent() && existing.get().alive()) {
            throw new ControlException("a run named \"" + record.id() + "\" is already running (pid " + existing.get().pid() + ")");
        }
        if (Files.exists(dir)) {
            log.accept("removing stale runtime directory " + dir);
            deleteTree(dir);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            throw new ControlException("a run named \"" + record.id() + "\" was created at the same moment");
        }
        record.write(dir.resolve(RECORD));
        return dir;
    }

    /** Removes the directory of a run (when it ends). */
    public void remove(String id) throws IOException {
        deleteTree(root.resolve(id));
    }

    /** Lists the live runs, oldest first, removing the directories of dead ones. */
    public List<RunRecord> list(Consumer<String> log) throws IOException {
        List<RunRecord> runs = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return runs;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                Optional<RunRecord> r = readRecord(dir);
                if (r.isPresent() && r.get().alive()) {
                    runs.add(r.get());
                } else if (Files.isDirectory(dir) && ID.matcher(dir.getFileName().toString()).matches()) {
                    log.accept("removing stale runtime directory " + dir);
                    deleteTree(dir);
                }
            }
        }
        runs.sort(Comparator.comparing(RunRecord::started));
        return runs;
    }

    /** Returns the control socket of a live run. */
    public Path socketOf(String id) throws ControlException {
        checkId(id);
        Path dir = root.resolve(id);
        RunRecord r = readRecord(dir).orElseThrow(() -> new ControlException("no run named \"" + id + "\" under " + root));
        if (!r.alive()) {
            throw new ControlException("run \"" + id + "\" is not running any more (its supervisor, pid " + r.pid() + ", is gone)");
        }
        return dir.resolve(SOCKET);
    }

    private static Optional<RunRecord> readRecord(Path dir) {
        try {
            return Optional.of(RunRecord.read(dir.resolve(RECORD)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException gone) {
                    // Removed concurrently: fine.
                }
            }
        }
    }
}
