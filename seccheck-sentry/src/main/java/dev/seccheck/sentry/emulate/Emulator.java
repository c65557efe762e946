package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.SeccompListener;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SeccompReplies;
import dev.seccheck.linux.Signals;
import dev.seccheck.linux.ThreadCredentials;
import dev.seccheck.linux.ThreadStarts;
import dev.seccheck.sentry.defense.OutputPipes;
import dev.seccheck.sentry.defense.OwnFiles;
import dev.seccheck.sentry.defense.UserNamespaces;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.task.Task;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Emulator performs, for the supervised program, the syscalls whose checks a racing program could
 * otherwise defeat: opens by path while a session has an open point (open_tree and
 * open_tree_attr without OPEN_TREE_CLONE among them: {@link OpenTrees}), and connect (with sendto,
 * sendmsg and sendmmsg, which can carry an address) while a session has a connect point, bind
 * while one has a bind point, the calls that change names (links, renames, unlinks, new files,
 * symlinks and unix sockets bound to a path) or change a file by name (truncate, chmod, chown,
 * extended attributes, times) or through a descriptor (fchmod, fchown, fsetxattr, futimens, the
 * ioctls that set its flags) while a sink decides on opening files, the calls that give a file a
 * name (links, renames, symlinks, mknods) while one decides on the unix paths sockets are bound
 * to, accept while one decides on the peers that connect;
 * and, whatever the sessions, every open that could write and every truncate while seccheck's
 * own files ({@link OwnFiles}) are within the program's reach, refusing those that reach them;
 * an open it performs that would read the pipe seccheck writes its lines to is refused
 * ({@link OutputPipes}).
 * The notifier serves what cannot wait itself and hands what may wait (an open of a FIFO without
 * a peer, a blocking connect or accept, a name on a filesystem that may not answer) to a pool of platform
 * threads, one per call in progress: a call that waits holds its own thread, never the notifier
 * nor another call, as natively each waits in its own task. Past {@link #MAX_WAITING} calls in
 * progress a new one that may wait is refused with EAGAIN and a line; a FIFO's open that natively
 * never waits for its peer goes to a thread kept for those ({@link ReserveThreads}). The thread
 * that performs a call also answers its notification. Each pool thread has its own
 * fs_struct (unshare(CLONE_FS)), so it can take a program's umask without touching the JVM's.
 * A call of a task that confined itself with Landlock is made where that domain applies
 * ({@link LandlockDomains}).
 * See docs/emulation.md for what is emulated and what is guaranteed.
 */
public final class Emulator implements AutoCloseable {

    /**
     * Which effects are emulated for the run, fixed at start with the notifier's filter.
     *
     * @param names the calls that change what a name refers to (link, rename, unlink, rmdir,
     *     mkdir, mknod, symlink and their *at forms, bind of a unix socket to a path) or change a
     *     file by name (truncate, chmod, chown, setxattr, removexattr, its times) or through a
     *     descriptor (fchmod, fchown, fsetxattr, fremovexattr, futimens, ioctl FS_IOC_SETFLAGS,
     *     FS_IOC_FSSETXATTR, FS_IOC_SETVERSION, EXT4_IOC_SETVERSION, FS_IOC_SET_ENCRYPTION_POLICY,
     *     EXT4_IOC_MIGRATE and FS_IOC_ENABLE_VERITY), checked against
     *     the sinks that decide on opening files
     *     ({@link NameEmulation}, {@link AttributeCalls})
     * @param peersDecided a sink decides at connect's or bind's points: source routes and raw
     *     sockets that take the program's IP header, which send packets to hosts no connect names,
     *     are refused
     *     ({@link SourceRoutes}, {@link RawHeaders}: setsockopt of the options that set them, and
     *     socket() of IPPROTO_RAW, are held), and a netlink call of a task sharing its descriptor
     *     table is made by seccheck ({@link NetEmulation#letRunAsMade}); and a bind that picks the
     *     link its frames go out on (a packet socket's) is decided at connect's points
     *     ({@link NetEmulation#picksALink})
     * @param accepts a sink decides at accept's or accept4's points: seccheck accepts the
     *     connections, deciding on their peers ({@link InboundConnections})
     * @param listens a sink decides at bind's points: seccheck makes each listen, deciding the
     *     address an IP stream socket listens on at bind's points, after binding one the kernel
     *     would bind itself ({@link Listens}); and each connect and send, which may have the kernel
     *     name a unix socket ({@link KernelChosenNames})
     * @param socketNames a sink decides at bind's points on the unix path a socket is bound to:
     *     the calls that give a file a name (link, linkat, rename, renameat, renameat2, symlink,
     *     symlinkat, mknod, mknodat) are performed, and each new name decided as a bind there
     *     ({@link NameEmulation#givesNames})
     * @param executables a sink decides at sentry/execve on the file an exec ran: renames are
     *     performed, each under one lock, and the files one moves out of a rule on what runs are
     *     remembered for the execs in flight then ({@link ExecutableMoves})
     */
    public record Effects(boolean opens, boolean connects, boolean binds, boolean names, boolean peersDecided,
            boolean accepts, boolean listens, boolean socketNames, boolean executables) {
        /** Nothing emulated. */
        public static final Effects NONE = new Effects(false, false, false, false, false, false, false, false, false);

        /**
         * Returns whether every call of syscall {@code nr} is emulated (or, for open_by_handle_at,
         * refused); ioctl is held by {@link #fragment} for the requests that set a file's flags,
         * sendto when it names an address.
         */
        public boolean covers(int nr) {
            return switch (nr) {
                case Sysno.OPEN, Sysno.OPENAT, Sysno.OPENAT2, Sysno.CREAT, Sysno.OPEN_BY_HANDLE_AT -> opens;
                // sendto: by its address. Held for a bind decision too: they may name a unix socket (KernelChosenNames).
                case Sysno.CONNECT, Sysno.SENDMSG, Sysno.SENDMMSG -> connects || listens;
                case Sysno.SENDTO -> false;
                case Sysno.BIND -> binds || names || peersDecided; // a unix socket's path is a new name; a link
                case Sysno.ACCEPT, Sysno.ACCEPT4 -> accepts;
                case Sysno.LISTEN -> listens;
                case Sysno.TRUNCATE, Sysno.ACCT, Sysno.SWAPON, Sysno.FANOTIFY_INIT -> names;
                default -> names && (NameEmulation.serves(nr) || AttributeCalls.heldWhole(nr)) // ioctl: by request
                        || socketNames && NameEmulation.givesNames(nr)
                        || executables && NameEmulation.renames(nr);
            };
        }

        /** Returns whether anything is emulated. */
        public boolean any() {
            return opens || connects || binds || names || peersDecided || accepts || listens || socketNames
                    || executables;
        }

        /**
         * Returns what the filter must hold beyond whole syscalls: open_tree and open_tree_attr
         * without OPEN_TREE_CLONE ({@link OpenTrees}), the ioctls that change a file through any
         * descriptor of its owner's ({@link FileAttributeIoctls}), sendto when it names an address, the setsockopt calls
         * that may set a source route, choose a device ({@link DeviceSteering}) or join a multicast
         * group ({@link MulticastJoins}), and those and the socket() calls that make a raw socket take the program's IP header,
         * and the socket() calls that make an SCTP or MPTCP socket ({@link MultipathSockets}).
         */
        public Fragment fragment() {
            Fragment files = names ? FileAttributeIoctls.FILTER_FRAGMENT : opens ? NameEmulation.EMPTY_PATH_LINKS
                    : Fragment.EMPTY;
            Fragment trees = opens ? files.then(OpenTrees.FILTER_FRAGMENT) : files;
            Fragment held = connects || listens ? trees.then(AddressedSends.FILTER_FRAGMENT) : trees;
            return peersDecided
                    ? held.then(SourceRoutes.FILTER_FRAGMENT).then(RawHeaders.FILTER_FRAGMENT).then(MultipathSockets.FILTER_FRAGMENT)
                            .then(DeviceSteering.FILTER_FRAGMENT).then(MulticastJoins.FILTER_FRAGMENT)
                    : held;
        }
    }

    /**
     * Pool threads kept while idle, started with the pool before the program runs: calls that find
     * one idle still go through when the program has used up the threads the kernel allows its user
     * (seccheck's too).
     */
    private static final int THREADS = 4;
    /**
     * The most calls in progress on the pool, each on its own thread (a program with this many
     * opens of FIFOs waiting for their peers, or of files its own filesystem leaves unanswered,
     * or sends and connects waiting for their peers): {@link #waitingRoom} under seccheck's
     * descriptor limit.
     */
    static final int MAX_WAITING = waitingRoom(new PathCalls().softLimit(0, PathCalls.RLIMIT_NOFILE));

    /**
     * How many calls may wait on the pool under a descriptor limit of {@code limit} (-errno when
     * unknown): a sixteenth of it, at least 64, at most 1,024. A waiting call holds a few of
     * seccheck's descriptors (the program's socket taken, a pidfd, a peer's: 3 or 4 for a send or
     * a connect), so a sixteenth keeps what the program can make seccheck hold this way to a
     * quarter of its table, beside the quarter passed descriptors may take ({@link PassedFdBudget}).
     * At 1,024 under every limit, a program with 1,000 sends waiting on full sockets kept a table
     * of 2,048 full and the opens seccheck made for the run's other processes failed with EMFILE
     * (8,058 of 8,379; red-team round 16).
     */
    static int waitingRoom(long limit) {
        return (int) Math.max(64, Math.min(1024, limit < 0 ? 0 : limit / 16));
    }
    /**
     * A thread beyond {@link #THREADS} ends after this long idle: it counts against the user's task
     * limit, which the program shares, and holds its worker's fds.
     */
    private static final long IDLE_SECONDS = 10;

    private final SeccompListener listener;
    private final EmulatedPoints points;
    private final Effects effects;
    /** Whether a task is out of the program's reach: a {@code seccheck exec} command's, or one in an undecided exec. */
    private final dev.seccheck.sentry.defense.Shielded operators;
    private final OwnFiles ownFiles;
    private final OutputPipes outputs;
    private final LandlockDomains landlock;
    private final Consumer<String> log;
    private final IntFunction<FdPaths> fdPaths;
    private final FileTables files;
    private final ExecutorService pool;
    /** Threads kept for FIFO opens that do not wait, when the pool is at its cap or the kernel refuses it a thread. */
    private final ReserveThreads reserve;
    private final ThreadLocal<Worker> workers;
    /**
     * The room for the program's descriptors that seccheck holds to pass them on, shared by every
     * thread: one per thread bounded nothing (25 threads each waiting in a send of 253 held 6,325
     * under a budget of 5,000; red-team round 16).
     */
    private final PassedFdBudget passedFds = PassedFdBudget.forThisProcess();
    /** The objects of the O_PATH opens the kernel made after a decision, shared by every thread's walk. */
    private final DecidedPathFiles pathFiles;
    /** Whether a task may have left seccheck's user namespace (the Notifier marks it). */
    private final UserNamespaces userNamespaces = new UserNamespaces();
    /** Calls a signal interrupted, so that their repeats fire nothing twice. */
    private final Restarts restarts = new Restarts();
    private final int supervisor;
    private final Identity.Own own;
    /** The notifier thread's own worker, made on first use there (it unshares that thread's fs_struct). */
    private Worker here;

    /**
     * @param ownFiles seccheck's own files within the program's reach: the filter holds the calls
     *     that could write them ({@link OwnFiles#holds}), which are performed here
     * @param outputs the pipes seccheck writes its lines to, which an open performed here may not read
     * @param landlock the tasks' own Landlock domains, which the calls made here keep to
     * @param files tells whether a task shares its descriptor table, which decides how a netlink
     *     call is made
     * @param fdPaths gives, for a tid, how its fds are named in messages ({@code fd_path})
     * @param supervisor this JVM's pid: its /proc entry is out of the program's reach
     * @param operators whether a task's /proc entries are out of the program's reach as well: a
     *     {@code seccheck exec} command's (the operator's environment and terminal), or one in an
     *     exec not decided yet
     */
    public Emulator(SeccompListener listener, EmulatedPoints points, Effects effects, OwnFiles ownFiles,
            OutputPipes outputs, LandlockDomains landlock, FileTables files, IntFunction<FdPaths> fdPaths, int supervisor,
            dev.seccheck.sentry.defense.Shielded operators, Consumer<String> log) {
        this.operators = operators;
        this.listener = listener;
        this.points = points;
        this.effects = effects;
        this.ownFiles = ownFiles;
        this.outputs = outputs;
        this.landlock = landlock;
        this.fdPaths = fdPaths;
        this.files = files;
        this.log = log;
        this.pathFiles = points.decidedPathFiles();
        Identity.Own own = Identity.Own.current();
        this.supervisor = supervisor;
        this.own = own;
        this.workers = ThreadLocal.withInitial(
                () -> new Worker(supervisor, operators, own, ownFiles, outputs, userNamespaces, landlock, files, effects,
                        passedFds, pathFiles, log));
        // No queue: a call that finds every thread busy gets a thread of its own rather than waiting
        // behind calls that may wait for ever (a FIFO reader waiting for the writer queued behind it).
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, MAX_WAITING, IDLE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), emulationThreads("seccheck-emulation-", own));
        if (effects.connects()) {
            BlockingSocketCall.prepare(); // before any connect or send: the signal's default action ends the process
        }
        pool.prestartAllCoreThreads();
        this.reserve = new ReserveThreads(emulationThreads("seccheck-reserve-", own)); // started now, as the pool's
        restarts.prestart(); // so is the one that keeps an fd answered too late for its repeat
        Waits.ALL.sweeping(); // before the program runs: it may use up the threads its user may have
        this.pool = pool;
    }

    /**
     * The threads that serve the program's calls, named {@code prefix} and a number: each takes
     * seccheck's credentials back (its creator may have had a program's then) and blocks
     * {@link BlockingSocketCall#SIGNAL}; its worker's fds (its mount table watch, the program's
     * files it keeps) are closed when it ends.
     */
    private ThreadFactory emulationThreads(String prefix, Identity.Own own) {
        ThreadFactory threads = Thread.ofPlatform().daemon().name(prefix, 0).factory();
        return r -> threads.newThread(() -> {
            own.reclaim();
            blockSocketCallInterrupts();
            try {
                r.run();
            } finally {
                workers.get().close();
                workers.remove();
            }
        });
    }

    /**
     * Blocks, in the calling thread and the threads it starts from now on, the signal that ends a
     * connect or send seccheck performs for a call no longer awaited ({@link BlockingSocketCall}):
     * only a thread in such a call takes it, so a signal sent to seccheck's process from outside interrupts no
     * other call of seccheck's. The CLI calls it before it starts any thread; the pool's threads as
     * they start, whoever embeds the emulator.
     */
    public static void blockSocketCallInterrupts() {
        try {
            Signals.blockInThisThread(BlockingSocketCall.SIGNAL);
        } catch (LinuxException e) {
            throw new IllegalStateException("cannot block " + Signal.name(BlockingSocketCall.SIGNAL) + " in seccheck's threads", e);
        }
    }

    /** Returns what tells whether a task may have left seccheck's user namespace, for the notifier to mark. */
    public UserNamespaces userNamespaces() {
        return userNamespaces;
    }

    /** Returns whether the notifier must hand syscall {@code nr} here. */
    public boolean handles(SeccompNotification n) {
        if (ownFiles.guarded() && OwnFiles.holds(n.nr())) {
            return true;
        }
        if (n.nr() == Sysno.SETSOCKOPT) {
            return effects.peersDecided()
                    && (SourceRoutes.holds(n.arg1(), n.arg2()) || RawHeaders.holdsOption(n.arg1(), n.arg2())
                            || DeviceSteering.holds(n.arg1(), n.arg2()) || MulticastJoins.holds(n.arg1(), n.arg2()));
        }
        if (n.nr() == Sysno.SOCKET) {
            return effects.peersDecided()
                    && (RawHeaders.holdsSocket(n.arg0(), n.arg2()) || MultipathSockets.held(n.arg0(), n.arg1(), n.arg2()) != null);
        }
        if (n.nr() == Sysno.IOCTL) {
            return effects.names() && FileAttributeIoctls.held(n.arg1());
        }
        if (OpenTrees.is(n.nr())) {
            return effects.opens() && OpenTrees.held(n);
        }
        if (effects.opens() && NameEmulation.linksByDescriptor(n)) {
            return true; // the file may be one seccheck opened, whose opener is then seccheck's thread
        }
        if (n.nr() == Sysno.SENDTO) {
            // Without an address it reaches the peer the socket is connected to (checked at connect).
            return effects.connects() && AddressedSends.held(n);
        }
        return effects.covers(n.nr());
    }

    /**
     * Notification {@code n} was received (notifier thread, every notification, before it is
     * answered): tells an answer the kernel dropped from one that reached its task
     * ({@link DroppedAnswers}).
     */
    public void received(SeccompNotification n) {
        restarts.received(n);
    }

    /** The notifier is about to take a notification (notifier thread), then {@link #received} or {@link #receivedNone}. */
    public void receiving() {
        restarts.receiving();
    }

    /** The notifier took none: the notification was gone, or the take failed (notifier thread). */
    public void receivedNone() {
        restarts.receivedNone();
    }

    /**
     * Emulates a held syscall of {@code task} and answers it. Called on the notifier thread: an
     * open that cannot block (a regular file or a directory on a local filesystem, decided on what
     * the walk reached, or an object whose open never waits, {@link NonWaitingOpens}: it needs no
     * thread when the program has used up the tasks it may have), a link or rename on local filesystems that moves no directory, and a
     * bind (a unix socket's on a local filesystem), is served right there, which spares the
     * hand-off to a pool thread and its wake-up; everything else goes to the pool, and a FIFO's
     * open that never waits for its peer, when the pool cannot take it, to the reserve
     * ({@link ReserveThreads}).
     */
    public void submit(SeccompNotification n, Task task) {
        boolean reserved = false;
        Call givenUp = null;
        InterruptibleOpen.Kind handed = InterruptibleOpen.Kind.MAY_WAIT;
        int execs = Restarts.execsOf(n.tid()); // as received: an exec after it is a later image's
        if (isOpen(n.nr()) || NameEmulation.serves(n.nr()) || AttributeCalls.serves(n)
                || n.nr() == Sysno.BIND) {
            if (here == null) {
                here = new Worker(supervisor, operators, own, ownFiles, outputs, userNamespaces, landlock, files, effects,
                        passedFds, pathFiles, log);
            }
            Call call = new Call(n, execs, task, points, restarts, here.replies(listener), fdPaths.apply(n.tid()),
                    this::finishOnPool);
            if (isOpen(n.nr())) {
                InterruptibleOpen.received(call);
            }
            try {
                if (serve(call, here)) {
                    return;
                }
            } finally {
                InterruptibleOpen.served(call);
            }
            reserved = call.reserveTakes();
            givenUp = call;
            handed = InterruptibleOpen.handedOver(call);
        }
        InterruptibleOpen.Kind found = handed;
        boolean taken = onPool(n, reserved, () -> {
            Worker w = workers.get();
            Call call = new Call(n, execs, task, points, restarts, w.replies(listener), fdPaths.apply(n.tid()),
                    null);
            if (isOpen(n.nr())) {
                InterruptibleOpen.onPool(call, found, () -> serve(call, w)); // one that may wait, as natively
            } else {
                serve(call, w);
            }
        });
        if (!taken) {
            if (givenUp != null && isOpen(n.nr())) {
                InterruptibleOpen.notTaken(givenUp);
            }
            listener.deny(n.id(), Errno.EAGAIN);
        }
    }

    /**
     * Runs {@code work} for the call {@code n} on a pool thread of its own or, when the pool cannot
     * take it ({@link #MAX_WAITING} calls already wait there, or every thread is busy and the kernel
     * refuses another: the program used up its user's), on a reserve thread if {@code reserved} (a
     * FIFO's open that natively never waits for its peer, {@link ReserveThreads}), waiting a bounded
     * time for one to be idle. At the cap only the calls that may wait are refused: a FIFO's
     * O_NONBLOCK open, which releases a reader waiting in its open, must still be made. False,
     * with a line saying why, when no thread takes it: the caller then fails the call with EAGAIN.
     */
    private boolean onPool(SeccompNotification n, boolean reserved, Runnable work) {
        String why;
        try {
            if (ThreadStarts.tryStart(() -> pool.execute(work))) {
                return true;
            }
            why = "every emulation thread of seccheck's is busy and " + ThreadStarts.WHY;
        } catch (RejectedExecutionException full) {
            why = MAX_WAITING + " calls already wait on seccheck's threads (opens of FIFOs without a peer, files that"
                    + " do not answer)";
        }
        if (reserved && reserve.tryRun(work)) {
            return true;
        }
        log.accept("refused " + Sysno.name(n.nr()) + " of task " + n.tid() + " with EAGAIN: " + why
                + (reserved ? "; and the " + ReserveThreads.THREADS + " threads kept for FIFO opens that do not wait stayed"
                        + " busy for " + ReserveThreads.WAIT_MILLIS + " ms" : ""));
        return false;
    }

    /** Finishes on a pool thread a call the notifier began (an open that has to wait after all). */
    private void finishOnPool(Call call, Call.Rest rest) {
        Runnable finish = () -> InterruptibleOpen.onPool(call, InterruptibleOpen.Kind.MAY_WAIT, () -> {
            Worker w = workers.get();
            call.replyWith(w.replies(listener));
            try {
                rest.finish(w.opens);
            } catch (RuntimeException e) {
                log.accept("emulating syscall " + call.notification().nr() + " of task " + call.tid() + ": "
                        + e.getMessage());
                long id = call.answerId();
                call.abandon();
                w.replies(listener).deny(id, Errno.EIO);
            }
        });
        if (!onPool(call.notification(), false, finish)) {
            rest.refuse(Errno.EAGAIN);
        }
    }

    private static boolean isOpen(int nr) {
        return nr == Sysno.OPEN || nr == Sysno.OPENAT || nr == Sysno.OPENAT2 || nr == Sysno.CREAT || OpenTrees.is(nr);
    }


    /** @return false when an open on the notifier was given up, nothing fired or answered */
    private boolean serve(Call call, Worker w) {
        SeccompNotification n = call.notification();
        try {
            switch (n.nr()) {
                case Sysno.OPEN_BY_HANDLE_AT -> call.fail(event(n), Snapshot.NOTHING, Errno.EPERM);
                case Sysno.OPEN, Sysno.OPENAT, Sysno.OPENAT2, Sysno.CREAT, Sysno.OPEN_TREE,
                        OpenTrees.OPEN_TREE_ATTR -> {
                    return w.opens.serve(call);
                }
                case Sysno.TRUNCATE -> w.opens.serveTruncate(call);
                case Sysno.ACCT, Sysno.SWAPON -> openedByTheKernel(call);
                case Sysno.FANOTIFY_INIT -> fanotifyInit(call);
                default -> {
                    if (NameEmulation.serves(n.nr())) {
                        return w.renames.serve(call);
                    }
                    if (AttributeCalls.serves(n)) {
                        return w.attributes.serve(call);
                    }
                    return w.net.serve(call);
                }
            }
        } catch (RuntimeException e) {
            log.accept("emulating syscall " + n.nr() + " of task " + n.tid() + ": " + e.getMessage());
            long id = call.answerId();
            call.abandon();
            w.replies(listener).deny(id, Errno.EIO);
        }
        return true;
    }

    /**
     * acct and swapon have the kernel open the file they name (for writing: on an overlay the
     * program mounted, that copies a lower file up into a layer the program reads) where no open
     * point sees it. While a sink decides on opening files they are refused with EPERM and a line
     * (both need privileges a program under such a policy should not use on files); acct(NULL),
     * which only stops accounting, is made as made.
     */
    private void openedByTheKernel(Call call) {
        SeccompNotification n = call.notification();
        if (n.nr() == Sysno.ACCT && n.arg0() == 0) {
            call.enterThenAllowAsMade(event(n), Snapshot.NOTHING);
            return;
        }
        log.accept("refused " + Sysno.name(n.nr()) + " from task " + call.tid() + " (" + Procfs.comm(call.tid())
                + "): it has the kernel open a file by name, which the rules on opening files would not decide (EPERM)");
        call.fail(event(n), Snapshot.NOTHING, Errno.EPERM);
    }

    /** fanotify_init's flags that make its events name files by handle ({@code FAN_REPORT_FID}, {@code FAN_REPORT_DIR_FID}). */
    private static final long FAN_REPORT_FIDS = 0x200 | 0x400;

    /**
     * A fanotify group whose events carry descriptors hands the program a file the kernel opened
     * for it each time another process opens (reads, closes) a file it marked: a kept file opened
     * by anyone outside the run reached the program read-only, with no open of its own to decide
     * (as root, in a mount namespace of its own too). While a sink decides on opening files such a
     * group is refused with EPERM and a line; one that reports file handles instead
     * (FAN_REPORT_FID, FAN_REPORT_DIR_FID: the fd field is FAN_NOFD) is made as made, its handles
     * opening nothing while open_by_handle_at is refused. fanotify_init needs CAP_SYS_ADMIN.
     */
    private void fanotifyInit(Call call) {
        SeccompNotification n = call.notification();
        if ((n.arg0() & FAN_REPORT_FIDS) != 0) {
            call.enterThenAllowAsMade(event(n), Snapshot.NOTHING);
            return;
        }
        log.accept("refused fanotify_init from task " + call.tid() + " (" + Procfs.comm(call.tid())
                + "): its events would hand the program files others open, which the rules on opening files would not"
                + " decide (EPERM; FAN_REPORT_FID groups are made)");
        call.fail(event(n), Snapshot.NOTHING, Errno.EPERM);
    }

    private static dev.seccheck.sentry.syscalls.SyscallEvent event(SeccompNotification n) {
        return new dev.seccheck.sentry.syscalls.SyscallEvent(n.tid(), n.nr(), n.arg0(), n.arg1(), n.arg2(), n.arg3(),
                n.arg4(), n.arg5(), false, 0);
    }

    /** Stops the pool, waiting a bounded time for calls in progress (their tasks are dying with the run). */
    @Override
    public void close() {
        if (here != null) {
            here.close();
        }
        pool.shutdownNow();
        reserve.close();
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        restarts.close();
    }

    /** What one pool thread reuses from call to call. */
    private static final class Worker {
        final OpenEmulation opens;
        final NetEmulation net;
        final NameEmulation renames;
        final AttributeCalls attributes;
        final RealPath names;
        final TaskFiles tasks;
        private SeccompReplies replies;

        Worker(int supervisor, dev.seccheck.sentry.defense.Shielded operators, Identity.Own own, OwnFiles ownFiles,
                OutputPipes outputs, UserNamespaces userNamespaces, LandlockDomains landlock, FileTables files, Effects effects,
                PassedFdBudget passedFds, DecidedPathFiles pathFiles, Consumer<String> log) {
            long r = ThreadCredentials.unshareFs();
            if (r < 0) {
                throw new IllegalStateException("unshare(CLONE_FS) for an emulation thread: errno " + -r);
            }
            PathCalls calls = new PathCalls();
            this.tasks = new TaskFiles(calls, userNamespaces);
            PtraceAccess access = new PtraceAccess(calls, tasks);
            PathWalk walk = new PathWalk(calls, supervisor, operators, access, log, pathFiles);
            ProgramMemory memory = new ProgramMemory();
            this.names = new RealPath(calls);
            this.opens = new OpenEmulation(calls, walk, memory, own, names, tasks, access, ownFiles, outputs, landlock,
                    effects.names(), log);
            this.net = new NetEmulation(calls, walk, names, memory, own, tasks, landlock, files, effects.peersDecided(),
                    effects.peersDecided() && !effects.binds() && !effects.names(), passedFds, log);
            NameWalks walks = new NameWalks(calls, walk, tasks);
            this.renames = new NameEmulation(calls, walks, memory, own, names, tasks, landlock, effects.names(),
                    effects.socketNames(), effects.executables() ? new RenamesOutOfWhatRuns(calls, log) : null, log);
            this.attributes = new AttributeCalls(calls, walks, memory, own, names, tasks, landlock, log);
        }

        void close() {
            names.close();
            tasks.close();
        }

        SeccompReplies replies(SeccompListener listener) {
            if (replies == null) {
                replies = listener.replies();
            }
            return replies;
        }
    }
}
