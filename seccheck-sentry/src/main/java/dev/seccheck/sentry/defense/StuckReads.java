package dev.seccheck.sentry.defense;

import dev.seccheck.abi.Signal;
import dev.seccheck.linux.FuseConnections;
import dev.seccheck.linux.Mountinfo;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.ProcessMemory;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * StuckReads keeps a filesystem the supervised program serves from holding seccheck through its
 * memory. seccheck reads a task's syscall arguments from the task's memory (process_vm_readv);
 * a program can point an argument into a shared mapping of a file on a FUSE filesystem it serves
 * itself, not yet paged in, and leave the page's read unanswered. The reading thread (the tracer,
 * the notifier) then waits in the kernel, where no signal reaches it, and with it every task of
 * the run. A watchdog thread looks at the oldest read in progress ({@link
 * ProcessMemory#longestTransfer}) four times a second; for one older than {@link #STUCK_NANOS} it
 * finds the filesystem from the read itself: the mapping its address lies in, in the task's
 * {@code /proc/PID/maps}, names the superblock's device, and the task's mountinfo tells whether
 * that is FUSE.
 *
 * <ul>
 *   <li>A FUSE filesystem the run mounted (not one of those mounted in seccheck's namespace when
 *       the run began, {@link #mountedBefore}) is the run's own: its connection is aborted
 *       ({@link FuseConnections#abort}, root): the read fails and nothing is killed. Where it
 *       cannot be (not root), the processes of the run that hold a FUSE device are killed, found
 *       by the device's number (10:229), whatever its name; when none holds one (the program
 *       parked its descriptor in a socket's queue, SCM_RIGHTS, or an io_uring), those that hold a
 *       socket or an io_uring are. A filesystem whose server is gone is aborted by the kernel.</li>
 *   <li>A FUSE filesystem mounted before the run began is served from outside it: the read waits,
 *       said once.</li>
 *   <li>A read whose filesystem cannot be told (its task's maps unreadable within
 *       {@link #LOOK_MS}, or gone with the task, or no mapping at its address any more) gets the
 *       run's FUSE device holders killed, as above, and when none holds one, those holding a
 *       socket or an io_uring: a program could otherwise hide its filesystem by ending the
 *       process whose memory is read, its device in flight (red-team round 22).</li>
 *   <li>A read placed on another filesystem than FUSE gets the run's FUSE device holders killed
 *       (the mapping may still be one of theirs), and nothing else.</li>
 * </ul>
 *
 * The watchdog makes no call the program can hold: it reads /proc, statx without asking any
 * filesystem, and mounts its own fusectl, detached. The maps and mountinfo are read on a helper
 * thread it waits for only {@link #LOOK_MS} (the reading of a task's maps takes its address
 * space's lock).
 */
public final class StuckReads implements AutoCloseable {

    /** A read this old is not slow storage but a server that does not answer. */
    static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long PERIOD_MS = 250;
    /** How long the watchdog waits for the look at where a read is stuck. */
    static final long LOOK_MS = 1000;

    private final Supplier<Collection<Integer>> processes;
    private final Consumer<String> log;
    private final Thread watchdog;
    /** The FUSE mounts of seccheck's namespace when the run began: not the run's. */
    private final List<Mountinfo.Mount> mountedBefore;
    /** Where the watchdog's looks at a stuck read run; the one thread may be left waiting. */
    private final ExecutorService looks = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("seccheck-watchdog-look").unstarted(r));
    private Future<Stuck> look;
    private final PathCalls calls = new PathCalls();
    private volatile boolean closed;
    /** Whether the read stuck now was logged already (tells one long wait from the next). */
    private boolean reported;
    /** The processes killed so far, each said once (a killed process may take a moment to go). */
    private final Set<Integer> killedBefore = new HashSet<>();
    /** The connections aborted so far, by fusectl's name: each is aborted and said once. */
    private final Set<Long> abortedBefore = new HashSet<>();

    /**
     * Notes the FUSE filesystems mounted now: call before the program's first instruction.
     *
     * @param processes the thread group ids of the run's live processes
     * @param log where an abort, a kill, or a wait nothing can end, is said
     */
    public StuckReads(Supplier<Collection<Integer>> processes, Consumer<String> log) {
        this.processes = processes;
        this.log = log;
        this.mountedBefore = fuseMounts(Path.of("/proc/self/mountinfo"));
        this.watchdog = Thread.ofPlatform().daemon().name("seccheck-watchdog").unstarted(this::watch);
    }

    /** Starts watching. */
    public StuckReads start() {
        watchdog.start();
        return this;
    }

    /**
     * Where a read waits: the FUSE superblock its address is mapped from (major and minor, as
     * maps shows them), one mount point of it in the task's namespace, and whether it was mounted
     * before the run began.
     */
    record Stuck(long major, long minor, String mountPoint, boolean outside) {
        String device() {
            return major + ":" + minor;
        }
    }

    /** Where a read waits that its task's mountinfo places on a filesystem other than FUSE. */
    private static final Stuck NOT_FUSE = new Stuck(-1, -1, "", false);

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            ProcessMemory.Transfer stuck = ProcessMemory.longestTransfer();
            if (stuck == null || stuck.nanos() < STUCK_NANOS) {
                reported = false;
                continue;
            }
            act(stuck);
        }
    }

    /** Ends the read {@code stuck} waits on where the run serves its filesystem; says the rest once. */
    private void act(ProcessMemory.Transfer stuck) {
        long ms = TimeUnit.NANOSECONDS.toMillis(stuck.nanos());
        Stuck where = where(stuck);
        boolean untold = where == null;
        Stuck on = where == NOT_FUSE ? null : where;
        if (on != null && on.outside()) {
            sayOnce("a read of a supervised task's memory has waited " + ms + " ms on " + on.mountPoint() + " ("
                    + on.device() + "), a FUSE filesystem mounted before the run began, which no process of the"
                    + " run serves; seccheck waits for it (README, \"Security\")");
            return;
        }
        if (on != null) {
            long connection = FuseConnections.connection(on.major(), on.minor());
            if (abortedBefore.contains(connection)) {
                return; // the kernel is failing its requests
            }
            long r = FuseConnections.abort(on.major(), on.minor());
            if (r == 0) {
                abortedBefore.add(connection);
                log.accept("aborted the FUSE connection of " + on.mountPoint() + " (" + on.device() + "): a read of"
                        + " a supervised task's memory has waited on it for " + ms + " ms, and the run mounted it;"
                        + " no process was killed");
                return;
            }
        }
        Set<Integer> killed = killServers(on, untold);
        if (killed.isEmpty()) {
            sayOnce("a read of a supervised task's memory has waited " + ms + " ms on "
                    + (on == null ? "a filesystem" : on.mountPoint() + " (" + on.device() + ")")
                    + " no process of the run serves; seccheck waits for it (README, \"Security\")");
        }
    }

    private void sayOnce(String line) {
        if (!reported) {
            reported = true;
            log.accept(line);
        }
    }

    /**
     * Where {@code stuck} waits: {@link #NOT_FUSE} on another filesystem, null when that cannot be
     * told (within {@link #LOOK_MS}, the task gone, no mapping at the address, a device its
     * mountinfo does not list). One look at a time: a look still waiting (the task's address space
     * locked for long) answers null until it ends.
     */
    private Stuck where(ProcessMemory.Transfer stuck) {
        if (look == null || look.isDone()) {
            look = looks.submit(() -> whereNow(stuck));
        }
        try {
            return look.get(LOOK_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Stuck whereNow(ProcessMemory.Transfer stuck) throws IOException {
        Path task = Procfs.dir(stuck.pid());
        String device = null;
        for (String line : Files.readAllLines(task.resolve("maps"))) {
            String[] f = line.split("\\s+", 6);
            int dash = f[0].indexOf('-');
            if (f.length < 5 || dash < 0) {
                continue;
            }
            long from = Long.parseUnsignedLong(f[0], 0, dash, 16);
            long to = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
            if (Long.compareUnsigned(stuck.address(), from) >= 0 && Long.compareUnsigned(stuck.address(), to) < 0) {
                device = f[3];
                break;
            }
        }
        if (device == null) {
            return null;
        }
        int colon = device.indexOf(':');
        long major = Long.parseLong(device, 0, colon, 16);
        long minor = Long.parseLong(device, colon + 1, device.length(), 16);
        String decimal = major + ":" + minor;
        List<Mountinfo.Mount> mounts = Mountinfo.read(task.resolve("mountinfo").toString());
        for (Mountinfo.Mount m : mounts) {
            if (m.device().equals(decimal) && isFuse(m)) {
                return new Stuck(major, minor, m.mountPoint(), stillMountedBefore(decimal));
            }
        }
        // A FUSE mount the program detached is listed nowhere: only a device listed is known for another.
        return mounts.stream().anyMatch(m -> m.device().equals(decimal)) ? NOT_FUSE : null;
    }

    /**
     * Whether a FUSE mount of {@code device} that was in seccheck's namespace when the run began
     * is there still, the same mount (its id, device and mount point): a device number freed by
     * an unmount is given to the next filesystem mounted, which may be the program's.
     */
    private boolean stillMountedBefore(String device) {
        List<Mountinfo.Mount> now = fuseMounts(Path.of("/proc/self/mountinfo"));
        for (Mountinfo.Mount before : mountedBefore) {
            if (before.device().equals(device) && now.stream().anyMatch(m -> m.id() == before.id()
                    && m.device().equals(device) && m.mountPoint().equals(before.mountPoint()))) {
                return true;
            }
        }
        return false;
    }

    /** The FUSE mounts (fuse, fuse.NAME, fuseblk) of a mountinfo file; none when it cannot be read. */
    static List<Mountinfo.Mount> fuseMounts(Path mountinfo) {
        try {
            return Mountinfo.read(mountinfo.toString()).stream().filter(StuckReads::isFuse).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** Whether mount {@code m} is of a FUSE filesystem (fuse, fuse.NAME, fuseblk). */
    private static boolean isFuse(Mountinfo.Mount m) {
        return m.type().equals("fuse") || m.type().startsWith("fuse.") || m.type().equals("fuseblk");
    }

    /**
     * Kills every process of the run holding a FUSE device, the servers of the filesystems its
     * memory may be mapped from, and says which. When none does and the read waits on a FUSE
     * filesystem the run mounted ({@code on} not null), or on a filesystem that could not be told
     * ({@code untold}), whoever keeps its device out of sight is among the processes holding a
     * socket (a descriptor in flight, SCM_RIGHTS) or an io_uring (a registered file): those are
     * killed.
     *
     * @return the processes killed
     */
    Set<Integer> killServers(Stuck on, boolean untold) {
        Map<Integer, String> servers = new LinkedHashMap<>();
        List<Integer> live = new ArrayList<>(processes.get());
        for (int pid : live) {
            if (servesAFilesystem(calls, pid)) {
                servers.put(pid, "it holds a FUSE device");
            }
        }
        if (servers.isEmpty() && (on != null || untold)) {
            String device = on != null ? "the device of " + on.mountPoint() + " (" + on.device() + "), which the run"
                    + " mounted," : "the device of a FUSE filesystem the read may wait on (where, could not be told:"
                    + " its task is gone or its maps do not say)";
            for (int pid : live) {
                if (mayHoldOutOfSight(pid)) {
                    servers.put(pid, "no process of the run holds a FUSE device, and it holds a socket or an io_uring,"
                            + " where " + device + " may be kept");
                }
            }
        }
        Set<Integer> killed = new HashSet<>();
        for (Map.Entry<Integer, String> server : servers.entrySet()) {
            int pid = server.getKey();
            String name = Procfs.comm(pid);
            // Through a pidfd of a process of the run: the number was read from the task table a
            // moment ago, and a process of it that ended since may have left it to an outside one.
            try (Pidfd p = OutsideProcesses.pinOfTheRun(pid)) {
                if (p == null || p.signal(Signal.SIGKILL) != 0) {
                    continue; // gone already
                }
                killed.add(pid);
                if (!killedBefore.add(pid)) {
                    continue;
                }
                log.accept("killed process " + pid + " (" + name + "): " + server.getValue()
                        + ", and a read of a supervised task's memory has waited on "
                        + (on == null ? "a filesystem" : on.mountPoint()) + " for "
                        + TimeUnit.NANOSECONDS.toSeconds(STUCK_NANOS) + " s");
            }
        }
        return killed;
    }

    /**
     * Whether process {@code pid} has a FUSE device open: a character device 10:229, whatever its
     * name (a node it made itself is one too), told without asking any filesystem.
     */
    static boolean servesAFilesystem(PathCalls calls, int pid) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Procfs.dir(pid).resolve("fd"))) {
            for (Path fd : fds) {
                if (FuseConnections.isFuseDevice(calls, fd.toString())) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone, or its descriptors are closed to us.
        }
        return false;
    }

    /** Whether process {@code pid} holds a socket or an io_uring, where a descriptor can be kept unseen. */
    private static boolean mayHoldOutOfSight(int pid) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Procfs.dir(pid).resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:") || link.equals("anon_inode:[io_uring]")) {
                        return true;
                    }
                } catch (IOException e) {
                    // Closed meanwhile.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone, or its descriptors are closed to us.
        }
        return false;
    }

    /** Stops watching. */
    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
        looks.shutdownNow();
    }
}
