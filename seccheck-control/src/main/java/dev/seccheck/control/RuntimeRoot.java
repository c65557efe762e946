package dev.seccheck.control;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * RuntimeRoot is the directory holding one subdirectory per running workload, with its
 * {@code run.json} and control socket, like runsc's {@code --root}.
 *
 * <p>Another local user may have created the directory first (the fallback {@code /tmp/seccheck-<uid>}
 * is a guessable name in a shared directory) to receive the policies sent to it or to have
 * seccheck write or delete files through links. So the root is used only if it is a real
 * directory (not a symbolic link) owned by this user with mode 0700 exactly, checked on the open
 * directory itself (one of ours with other mode bits, which a program of this user can make it,
 * is set back to 0700); everything inside is then reached relative to that handle
 * ({@link SecureDirectoryStream}, openat-style) without following links: files are created
 * exclusively. The root may be a directory the user keeps other things in ({@code --root ~}): only
 * what is plainly a run directory seccheck made is ever removed ({@link PrivateDir#isRunDirectory}),
 * anything else is left alone and said so.
 */
public final class RuntimeRoot {

    /** File name of the control socket inside a run's directory. */
    public static final String SOCKET = "control.sock";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /**
     * A run directory being filled or removed, under a name no run can have (ids cannot start with
     * a dot): {@code .pending-<pid>-<n>-<id>} or {@code .removing-<pid>-<n>-<id>}.
     */
    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();
    private static final Pattern PENDING_NAME = Pattern.compile("\\.(?:pending|removing)-(\\d{1,10})-.*");

    private final Path root;
    private final int uid;
    /** Told what seccheck repaired where no caller's log is at hand ({@link #find}, {@link #remove}). */
    private final Consumer<String> notices;

    /**
     * A runtime root that must belong to this process's effective user; what is repaired in it
     * (its mode) is said on stderr.
     */
    public RuntimeRoot(Path root) {
        this(root, currentUid());
    }

    /** A runtime root that must belong to {@code uid} (tests pose as another user with it). */
    RuntimeRoot(Path root, int uid) {
        this.root = root.toAbsolutePath();
        this.uid = uid;
        this.notices = msg -> {
            System.err.println("seccheck: " + msg);
            System.err.flush();
        };
    }

    /**
     * Returns the default root: {@code $XDG_RUNTIME_DIR/seccheck}, else {@code /run/seccheck} for
     * root, else {@code /tmp/seccheck-<uid>}.
     */
    public static Path defaultPath() {
        return defaultPath(System.getenv("XDG_RUNTIME_DIR"), currentUid());
    }

    static Path defaultPath(String xdg, int uid) {
        if (xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "seccheck");
        }
        return uid == 0 ? Path.of("/run/seccheck") : Path.of("/tmp", "seccheck-" + uid);
    }

    /**
     * Returns this process's effective uid, from {@code /proc/self/status} (the owner of
     * {@code /proc/self} would say root once the process is not dumpable).
     */
    public static int currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
            throw new IllegalStateException("/proc/self/status has no Uid line");
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read this process's uid from /proc/self/status: " + e.getMessage(), e);
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
     * @throws ControlException if a live run already has this id, something that is no run's
     *         directory has its name, or the root is not this user's own
     */
    public Path create(RunRecord record, Consumer<String> log) throws ControlException, IOException {
        checkId(record.id());
        makeRoot();
        // A repair of the root is said whatever the caller shows (run --quiet hides its status lines).
        try (SecureDirectoryStream<Path> dir = PrivateDir.open(root, uid, notices)) {
            Path name = Path.of(record.id());
            Optional<RunRecord> existing = PrivateDir.readRecord(dir, name);
            if (existing.isPresent() && existing.get().alive()) {
                throw new ControlException("a run named \"" + record.id() + "\" is already running (pid " + existing.get().pid() + ")");
            }
            return make(dir, record, log);
        }
    }

    /**
     * Makes the directory of {@code record}'s run again, when the one it had was removed or
     * replaced: as {@link #create}, but a directory naming this very run (a copy, say) is stale too.
     * Returns the new directory.
     *
     * @throws ControlException if the name is another live run's or something else's
     */
    Path createAgain(RunRecord record, Consumer<String> log) throws ControlException, IOException {
        makeRoot();
        try (SecureDirectoryStream<Path> dir = PrivateDir.open(root, uid, log)) {
            Optional<RunRecord> existing = PrivateDir.readRecord(dir, Path.of(record.id()));
            if (existing.isPresent() && existing.get().alive() && !existing.get().sameProcess(record)) {
                throw new ControlException("another run named \"" + record.id() + "\" is there (pid " + existing.get().pid() + ")");
            }
            return make(dir, record, log);
        }
    }

    private Path make(SecureDirectoryStream<Path> dir, RunRecord record, Consumer<String> log)
            throws ControlException, IOException {
        Path name = Path.of(record.id());
        if (PrivateDir.exists(dir, name)) {
            if (!PrivateDir.isRunDirectory(dir, name)) {
                throw new ControlException(notARun(name) + " is not a seccheck run: it is no directory seccheck made for a run (those hold "
                        + "only run.json and " + SOCKET + "); left alone. Choose another --id, or move it away");
            }
            log.accept("removing stale runtime directory " + root.resolve(name));
            removeWhole(dir, name);
        }
        // The run appears whole or not at all: its directory is filled under a hidden name,
        // which no scan treats as a run, then renamed into place. A directory named like a run
        // but without a record is therefore stale, never one being created.
        Path pending = hiddenName("pending", record.id());
        if (PrivateDir.isRunDirectory(dir, pending)) { // left by a process that had this pid before
            PrivateDir.removeRun(dir, pending);
        }
        // mkdir does not follow a link at its last component, and only this user can add
        // entries to the checked root, so the new directory is this user's own.
        Files.createDirectory(root.resolve(pending), PrivateDir.PRIVATE_DIR);
        PrivateDir.writeRecord(dir, pending, record);
        try {
            dir.move(pending, dir, name);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            PrivateDir.removeRun(dir, pending);
            throw new ControlException("a run named \"" + record.id() + "\" was created at the same moment");
        }
        return root.resolve(name);
    }

    /**
     * Removes the directory of {@code record}'s run (when it ends), without following links: only
     * if it is a run directory and its record, if readable, is this run's (the name may have gone
     * to another run meanwhile).
     */
    public void remove(RunRecord record) throws IOException, ControlException {
        checkId(record.id());
        try (SecureDirectoryStream<Path> dir = PrivateDir.open(root, uid, notices)) {
            Path name = Path.of(record.id());
            // The record this run wrote, byte for byte, is its own: no parse, and no ObjectMapper
            // initialised at every run's end (its locale data, tens of milliseconds).
            Optional<byte[]> raw = PrivateDir.readRecordBytes(dir, name);
            if (raw.isPresent() && !Arrays.equals(raw.get(), record.toJson())) {
                Optional<RunRecord> there = PrivateDir.readRecord(dir, name);
                if (there.isPresent() && !there.get().sameProcess(record) && there.get().alive()) {
                    return;
                }
            }
            if (PrivateDir.isRunDirectory(dir, name)) {
                removeWhole(dir, name);
            }
        }
    }

    /**
     * Removes a run directory so that it disappears at once: renamed to a hidden name first, then
     * emptied. A scan racing the removal never meets the directory half-emptied, without its record.
     * Returns false if it was already gone.
     */
    private static boolean removeWhole(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        Path hidden = hiddenName("removing", name.toString());
        try {
            dir.move(name, dir, hidden);
        } catch (NoSuchFileException gone) {
            return false;
        }
        return PrivateDir.removeRun(dir, hidden);
    }

    private static Path hiddenName(String what, String id) {
        return Path.of("." + what + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet() + "-" + id);
    }

    /** Lists the live runs, oldest first, removing the directories of dead ones. */
    public List<RunRecord> list(Consumer<String> log) throws IOException, ControlException {
        return scan(log, true);
    }

    /**
     * Lists the live runs, oldest first, removing nothing (for checks that must not have side
     * effects; a root of ours with other mode bits is still set back to 0700, and said so).
     */
    public List<RunRecord> live() throws IOException, ControlException {
        return scan(s -> { }, false);
    }

    private List<RunRecord> scan(Consumer<String> log, boolean clean) throws IOException, ControlException {
        List<RunRecord> runs = new ArrayList<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return runs;
        }
        try (SecureDirectoryStream<Path> dir = PrivateDir.open(root, uid, clean ? log : notices)) {
            List<Path> names = new ArrayList<>();
            dir.forEach(p -> names.add(p.getFileName()));
            for (Path name : names) {
                Optional<RunRecord> r = PrivateDir.readRecord(dir, name);
                if (r.isPresent() && r.get().alive()) {
                    // The record is the user's to write, the supervised program's too: one whose id is
                    // not its directory's name (or no valid id at all) describes no run seccheck made.
                    if (r.get().id().equals(name.toString()) && ID.matcher(r.get().id()).matches()) {
                        runs.add(r.get());
                    } else if (!PENDING_NAME.matcher(name.toString()).matches()) { // a run being made: not yet listed
                        log.accept("ignoring " + root.resolve(ID.matcher(name.toString()).matches() ? name.toString() : "?")
                                + ": its run.json names another run");
                    }
                } else if (clean && (ID.matcher(name.toString()).matches() || abandoned(name))) {
                    try {
                        if (!PrivateDir.isRunDirectory(dir, name)) {
                            // The root may be a directory of the user's: only what a run made is removed.
                            if (ID.matcher(name.toString()).matches() && PrivateDir.exists(dir, name)) {
                                log.accept(notARun(name) + " is not a seccheck run; left alone");
                            }
                        } else if (abandoned(name) ? PrivateDir.removeRun(dir, name) : removeWhole(dir, name)) {
                            // Gone meanwhile (its run ended and removed it): nothing stale to report.
                            log.accept("removing stale runtime directory " + root.resolve(name));
                        }
                    } catch (IOException e) {
                        log.accept("cannot remove " + root.resolve(name) + ": " + e.getMessage());
                    }
                }
            }
        }
        runs.sort(Comparator.comparing(RunRecord::started));
        return runs;
    }

    private String notARun(Path name) {
        return root.resolve(name).toString();
    }

    /** Returns whether {@code name} is a pending run directory whose creator is gone. */
    private static boolean abandoned(Path name) {
        var m = PENDING_NAME.matcher(name.toString());
        return m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty();
    }

    /**
     * Returns where to reach a live run: its record (whose pid the client checks against the
     * socket's peer) and its control socket, checked to be a socket of this user's.
     */
    public RunAddress find(String id) throws ControlException, IOException {
        checkId(id);
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new ControlException("no run named \"" + id + "\" under " + root + " (the directory does not exist)");
        }
        try (SecureDirectoryStream<Path> dir = PrivateDir.open(root, uid, notices)) {
            Path name = Path.of(id);
            RunRecord r = PrivateDir.readRecord(dir, name)
                    .orElseThrow(() -> new ControlException("no run named \"" + id + "\" under " + root));
            if (!r.alive()) {
                throw new ControlException("run \"" + id + "\" is not running any more (its supervisor, pid " + r.pid() + ", is gone)");
            }
            Path socket = root.resolve(name).resolve(SOCKET);
            PrivateDir.checkSocket(dir, name, socket);
            return new RunAddress(r, socket);
        }
    }

    /** Returns the control socket of a live run (see {@link #find}). */
    public Path socketOf(String id) throws ControlException, IOException {
        return find(id).socket();
    }

    private void makeRoot() throws IOException, ControlException {
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(root)) {
            return;
        }
        Path parent = root.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(root, PrivateDir.PRIVATE_DIR);
        } catch (FileAlreadyExistsException e) {
            // Created by someone else since the check: PrivateDir.open decides whether it is usable.
        } catch (NoSuchFileException e) {
            throw new ControlException("cannot create the runtime directory " + root + ": its parent is missing");
        }
    }

    /** RunAddress is where a client reaches a live run: its record and its control socket. */
    public record RunAddress(RunRecord run, Path socket) {}
}
