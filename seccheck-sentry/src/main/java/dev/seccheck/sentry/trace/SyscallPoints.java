package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Sysno;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointDesc;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.points.SyscallType;
import dev.seccheck.sentry.emulate.DecidedPathFiles;
import dev.seccheck.sentry.emulate.DirectoryChanges;
import dev.seccheck.sentry.emulate.EmulatedPoints;
import dev.seccheck.sentry.emulate.Emulator;
import dev.seccheck.sentry.emulate.ExecutableMoves;
import dev.seccheck.sentry.filter.FilterAction;
import dev.seccheck.sentry.syscalls.DecodedSyscall;
import dev.seccheck.sentry.syscalls.ExecArguments;
import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.SyscallDecoder;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.SyscallsToRead;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.sink.CallStrings;
import dev.seccheck.sink.MadeCall;
import dev.seccheck.sink.NameChange;
import dev.seccheck.state.PointState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SyscallPoints decides how each syscall is intercepted and fires its points: raw points with the
 * six arguments, schematized points with the decoded message, at enter and at exit.
 */
final class SyscallPoints implements EmulatedPoints {

    /** The point deciding on what runs, asked about renames ({@link #movesOutOfWhatRuns}). */
    private static final List<Point> EXEC_POINTS = List.of(Point.EXECVE);
    /** chdir, fchdir: they change the cwd context field. */
    private static final int[] CWD_CHANGERS = {Sysno.CHDIR, Sysno.FCHDIR};
    /** prctl's option that renames the calling thread: it changes the process_name context field. */
    static final int PR_SET_NAME = 15;
    /** setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid, setfsgid, capset. */
    private static final int[] CREDENTIAL_CHANGERS = {Sysno.SETUID, Sysno.SETGID, Sysno.SETREUID, Sysno.SETREGID,
        Sysno.SETRESUID, Sysno.SETRESGID, Sysno.SETFSUID, Sysno.SETFSGID, Sysno.CAPSET};

    private final PointState state;
    private final Catalog catalog;
    private final ContextFactory context;
    private final MmapPoints mmap;
    private final ExecCalls execCalls;
    /** The objects reached by a decided route, for the run: one record however many previews are made. */
    private final DecidedPathFiles decidedPathFiles;
    /** The points of the syscalls that open by path, asked about changes of names ({@link #refuses}). */
    private final List<Point> openPoints;
    /** The points of connect (where sendto, sendmsg and sendmmsg with an address are reported too) and bind. */
    private final List<Point> peerPoints;
    /** The points of accept and accept4, decided on the peer that connected. */
    private final List<Point> acceptPoints;
    /** bind's points: while a sink decides there, listen is made by seccheck ({@code Listens}). */
    private final List<Point> bindPoints;
    /**
     * Enter-time decodes, by tid, for exit points of calls whose arguments are gone by the exit
     * stop. Concurrent because the notifier thread fires too, though it never sees an exit.
     */
    private final Map<Integer, DecodedSyscall> decodedAtEnter = new ConcurrentHashMap<>();
    /** What seccheck performs itself for this run; fixed by the first {@link #emulation} call, at start. */
    private Emulator.Effects emulation;

    SyscallPoints(PointState state, Catalog catalog, ContextFactory context, MmapPoints mmap, ExecCalls execCalls) {
        this(state, catalog, context, mmap, execCalls, new DecidedPathFiles());
    }

    private SyscallPoints(PointState state, Catalog catalog, ContextFactory context, MmapPoints mmap, ExecCalls execCalls,
            DecidedPathFiles decidedPathFiles) {
        this.decidedPathFiles = decidedPathFiles;
        this.state = state;
        this.catalog = catalog;
        this.context = context;
        this.mmap = mmap;
        this.execCalls = execCalls;
        this.openPoints = schematizedPoints(catalog, Sysno.OPEN, Sysno.OPENAT, Sysno.CREAT);
        this.peerPoints = schematizedPoints(catalog, Sysno.CONNECT, Sysno.BIND);
        this.acceptPoints = schematizedPoints(catalog, Sysno.ACCEPT, Sysno.ACCEPT4);
        this.bindPoints = schematizedPoints(catalog, Sysno.BIND);
    }

    /**
     * Returns the filter action per syscall number: TRACE when a point needs the result, NOTIFY
     * when only enter points are enabled, ALLOW otherwise. Syscalls that change cwd or credentials
     * are traced to their exit while those context fields are in use, so the cached values are
     * refreshed once the change has happened; so is prctl, which renames a thread (PR_SET_NAME),
     * while process_name is.
     */
    FilterAction[] filterActions() {
        FilterAction[] actions = new FilterAction[Point.MAX_SYSNO + 1];
        boolean cwd = false;
        boolean creds = false;
        boolean names = false;
        for (PointDesc d : catalog.points()) {
            if (state.enabled(d.point())) {
                FieldSet f = state.fieldSet(d.point());
                cwd |= f.hasContext(ContextField.CWD);
                creds |= f.hasContext(ContextField.CREDENTIALS);
                names |= f.hasContext(ContextField.PROCESS_NAME);
            }
        }
        for (int nr = 0; nr <= Point.MAX_SYSNO; nr++) {
            boolean exit = state.syscallEnabled(SyscallType.EXIT, nr) || state.syscallEnabled(SyscallType.RAW_EXIT, nr);
            boolean enter = state.syscallEnabled(SyscallType.ENTER, nr) || state.syscallEnabled(SyscallType.RAW_ENTER, nr);
            actions[nr] = exit ? FilterAction.TRACE : enter ? FilterAction.NOTIFY : FilterAction.ALLOW;
        }
        emulated(actions);
        if (state.enabled(Point.EXECVE) || decidesWhatRuns()) {
            // sentry/execve reports the argv and envp passed, readable only at the call's enter; an
            // exec a sink decides on shields its process from the call's enter (TaskTable.execStarted).
            actions[Sysno.EXECVE] = FilterAction.TRACE;
            actions[Sysno.EXECVEAT] = FilterAction.TRACE;
        }
        if (cwd) {
            for (int nr : CWD_CHANGERS) {
                actions[nr] = FilterAction.TRACE;
            }
        }
        if (holdsReaches()) {
            // Decided at the enter on the directory reached, checked at the exit (DirectoryChanges);
            // an exec's names walked at its enter (ExecNames).
            actions[Sysno.CHDIR] = FilterAction.TRACE;
            actions[Sysno.FCHDIR] = FilterAction.TRACE;
            actions[Sysno.CHROOT] = FilterAction.TRACE;
            actions[Sysno.EXECVE] = FilterAction.TRACE;
            actions[Sysno.EXECVEAT] = FilterAction.TRACE;
        }
        if (creds) {
            for (int nr : CREDENTIAL_CHANGERS) {
                actions[nr] = FilterAction.TRACE;
            }
        }
        if (names) {
            // prctl(PR_SET_NAME) renames the thread; the kept name is read again at its exit. Every
            // prctl stops there, not only that option: the action is per syscall, and programs make
            // few prctl calls (glibc none at start).
            actions[Sysno.PRCTL] = FilterAction.TRACE;
        }
        return actions;
    }

    /**
     * Emulated syscalls are all held by the notifier: seccheck performs them there and fires their
     * exit points itself, so they need no exit stop however many exit points are enabled.
     */
    private void emulated(FilterAction[] actions) {
        Emulator.Effects e = emulation();
        for (int nr = 0; nr < actions.length; nr++) {
            if (e.covers(nr)) {
                actions[nr] = FilterAction.NOTIFY;
            }
        }
    }

    /**
     * Returns what the run emulates: opens while a schematized open, openat or creat point is
     * enabled, connect and sendto-with-an-address while a connect point is, bind while a bind
     * point is, the calls on names (links, renames, unlinks, new files, symlinks, bind, which makes
     * a unix socket's file) and truncate while a sink decides at an open point, and source routes
     * refused, the netlink calls of tasks sharing their descriptors made and every bind held (one
     * that picks a link is decided at connect's points) while one decides at a connect or bind
     * point, accept while one decides at an accept point, and listen (and connect and the sends
     * with it, which may name a unix socket: KernelChosenNames) while one decides at a bind
     * point, and the calls that give a file a name (links, renames, symlinks, mknod) while one
     * decides there on the unix path a socket is bound to, and renames while one decides at
     * sentry/execve on the file an exec ran (ExecutableMoves). Decided once, by the
     * first call (the filters of the run are fixed at start): sessions created later are served
     * the ptrace way for syscalls not emulated from the start.
     */
    synchronized Emulator.Effects emulation() {
        if (emulation == null) {
            boolean opens = schematized(Sysno.OPEN) || schematized(Sysno.OPENAT) || schematized(Sysno.CREAT);
            boolean decided = openPoints.stream().anyMatch(state::decided);
            boolean peersDecided = peerPoints.stream().anyMatch(state::decided);
            emulation = new Emulator.Effects(opens, schematized(Sysno.CONNECT), schematized(Sysno.BIND), decided,
                    peersDecided, acceptPoints.stream().anyMatch(state::decided),
                    bindPoints.stream().anyMatch(state::decided), state.decidesSocketNames(bindPoints),
                    state.decidesExecutedFiles(EXEC_POINTS));
        }
        return emulation;
    }

    /**
     * Whether chdir, fchdir and chroot are decided on the directory they reach
     * ({@link DirectoryChanges}), and the names an exec leads the kernel to open are walked
     * first ({@link ExecNames}): wherever seccheck performs the opens, whose walks refuse what
     * the kernel would reach for these calls (another process's {@code /proc/PID/fd/N},
     * {@code cwd}, {@code root}, {@code exe}).
     */
    boolean holdsReaches() {
        return emulation().opens();
    }

    /** The schematized enter and exit points of the syscalls {@code nrs} (openat2 is reported at openat's). */
    private static List<Point> schematizedPoints(Catalog catalog, int... nrs) {
        List<Point> out = new ArrayList<>();
        for (int nr : nrs) {
            for (SyscallType type : new SyscallType[] {SyscallType.ENTER, SyscallType.EXIT}) {
                catalog.pointForSyscall(type, nr).ifPresent(out::add);
            }
        }
        return List.copyOf(out);
    }

    /** Returns whether a sink decides at an open point now, so that what a task reads without an open is worth deciding. */
    boolean decidesNames() {
        for (Point p : openPoints) {
            if (state.decided(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a sink decides on an exec now: on what runs (sentry/execve), or on what may be read
     * (an open point: the kernel maps the files it executes into the program).
     */
    boolean decidesWhatRuns() {
        return state.decided(Point.EXECVE) || decidesNames();
    }

    @Override
    public boolean refuses(NameChange change) {
        return state.refuses(openPoints, change);
    }

    @Override
    public boolean refusesCovered(NameChange change) {
        return state.refusesCovered(openPoints, change);
    }

    @Override
    public boolean movesOutOfWhatRuns(NameChange move) {
        return state.movesOutOfWhatRuns(EXEC_POINTS, move);
    }

    @Override
    public boolean keepsExecStrings() {
        return state.decided(Point.EXECVE);
    }

    @Override
    public ExecutableMoves executableMoves() {
        return execCalls.moves();
    }

    @Override
    public DecidedPathFiles decidedPathFiles() {
        return decidedPathFiles;
    }

    @Override
    public int socketNameVerdict(NameChange change) {
        return state.socketNameVerdict(bindPoints, change);
    }

    /** Returns whether a sink deciding at a bind point (in {@code next}, the state about to be published) decides on socket names. */
    boolean decidesSocketNames(PointState next) {
        return next.decidesSocketNames(bindPoints);
    }

    private boolean schematized(int nr) {
        return state.syscallEnabled(SyscallType.ENTER, nr) || state.syscallEnabled(SyscallType.EXIT, nr);
    }

    /** Returns the catalog the points are looked up in. */
    Catalog catalog() {
        return catalog;
    }

    /** Returns the same decisions over another state, e.g. a preview of points not yet published. */
    SyscallPoints withState(PointState other) {
        SyscallPoints preview = new SyscallPoints(other, catalog, context, mmap, execCalls, decidedPathFiles);
        preview.emulation = emulation(); // what the run emulates was fixed with its first filter
        return preview;
    }

    @Override
    public void namesWritable(int tgid) {
        context.tasks().namesWritable(tgid);
    }

    @Override
    public void namesWritableOfTask(int tid) {
        context.tasks().namesWritableOfTask(tid);
    }

    /** Returns whether a syscall's exit must be seen (a point, or a cached context value to refresh). */
    @Override
    public boolean wantsExit(int nr) {
        return state.syscallEnabled(SyscallType.EXIT, nr) || state.syscallEnabled(SyscallType.RAW_EXIT, nr)
                || isCwdChanger(nr) || isCredentialChanger(nr) || nr == Sysno.PRCTL
                || DirectoryChanges.held(nr) && holdsReaches()
                // A failed exec has no exec event: its exit ends the shield its enter put up.
                || ExecArguments.isExec(nr) && decidesWhatRuns();
    }

    /**
     * The execve of a launched process (the run's first command, a {@code seccheck exec}'s), which
     * fires no syscall point (the run reports the launch as its start): registers it for
     * sentry/execve, and shields its process while a sink decides on what runs, as any exec's
     * enter does, so that the exec event decides and reports it like any other. Before, a first
     * command a rule denied ran, and the trail had no execve line for it.
     */
    void launching(Task task, SyscallEvent enter, TaskMemory mem) {
        if (decidesWhatRuns()) {
            // Before the kernel maps anything. The run's first process: no task of the run is
            // there yet to read its memory, so none is killed for it.
            context.tasks().execStarted(task.tid(), task.tgid());
        }
        if (state.enabled(Point.EXECVE)) {
            execCalls.entered(task, enter, mem);
        }
    }

    /**
     * Fires the enter or exit points of a syscall.
     *
     * @return 0, an errno from a denying sink, or {@link PointState#KILL}
     */
    int fire(Task task, SyscallEvent ev, TraceeAccess access) {
        TraceeAccess at = access.at(task.tid());
        return fire(task, ev, ev, true, at, at);
    }

    /** Fires the points of a syscall whose arguments are read from {@code mem} (seccheck's copy when emulated). */
    @Override
    public int fire(Task task, SyscallEvent ev, SyscallEvent made, boolean raw, TaskMemory mem, FdPaths fds) {
        int nr = ev.sysno();
        if (nr < 0 || nr > Point.MAX_SYSNO || made.sysno() < 0) {
            return 0;
        }
        // A call newer than the catalog (open_tree_attr, reported at openat's points) has no
        // points of its own, raw ones included, but is still decided at those it is reported under.
        boolean madeHasPoints = made.sysno() <= Point.MAX_SYSNO;
        if (!ev.exit() && ExecArguments.isExec(nr) && state.enabled(Point.EXECVE)) {
            execCalls.entered(task, ev, mem);
        }
        if (nr == Sysno.MMAP && !ev.exit() && MmapPoints.isExecutableMapping(ev.arg3())) {
            int verdict = mmap.onMmap(task, ev.arg4(), (int) ev.arg5());
            if (verdict != 0) {
                return verdict;
            }
        }
        // Only the calls beforeExit decodes at their enter take what it kept: an emulated send's
        // exit, fired on another thread, once took a close's and failed on its schema.
        DecodedSyscall atEnter = ev.exit() && SyscallsToRead.lostAtExit(nr) ? decodedAtEnter.remove(ev.tid()) : null;
        long now = TaskTable.nowNs();
        // A call with no schematized point of its own (sendto, sendmsg, sendmmsg, openat2) is named
        // to the sinks while the points it is reported under fire; a bind checked at connect's is not.
        int named = made.sysno() == nr || (madeHasPoints && catalog.schema(made.sysno()).isPresent()) ? -1
                : made.sysno();
        if (!raw || !madeHasPoints) {
            return fireSchematized(task, ev, named, atEnter, mem, fds, now);
        }
        if (ev.exit() && made.sysno() != nr) {
            // Nested as they were entered: the reported call's exit closes before the made one's.
            int verdict = fireSchematized(task, ev, named, atEnter, mem, fds, now);
            return verdict != 0 ? verdict : fireRaw(task, made, mem, now);
        }
        int verdict = fireRaw(task, made, mem, now);
        return verdict != 0 ? verdict : fireSchematized(task, ev, named, atEnter, mem, fds, now);
    }

    /** Fires the raw points of {@code ev}: its registers, and the strings they point to for sinks that print them. */
    private int fireRaw(Task task, SyscallEvent ev, TaskMemory mem, long now) {
        SyscallType rawType = ev.exit() ? SyscallType.RAW_EXIT : SyscallType.RAW_ENTER;
        int nr = ev.sysno();
        if (!state.syscallEnabled(rawType, nr)) {
            return 0;
        }
        Point p = catalog.pointForSyscall(rawType, nr).orElseThrow();
        // The strings the registers point to, for sinks that print them (gVisor's message has only the registers).
        CallStrings strings = (addr, max) -> {
            try {
                return mem.readString(addr, max);
            } catch (MemoryFault unreadable) {
                return null;
            }
        };
        return ScopedValue.where(CallStrings.CURRENT, strings).call(() -> state.fire(p,
                fields -> SyscallDecoder.raw(ev, context.build(task, fields, now)),
                (sink, fields, msg) -> sink.rawSyscall(p, fields, msg)));
    }

    /**
     * Fires the schematized points of {@code ev}, an exit completing {@code atEnter}, what its
     * enter decoded (null: none); {@code made} is the syscall the program made when these points
     * report another (bound as {@link MadeCall} meanwhile), else -1.
     */
    private int fireSchematized(Task task, SyscallEvent ev, int made, DecodedSyscall atEnter, TaskMemory mem,
            FdPaths fds, long now) {
        int nr = ev.sysno();
        SyscallType type = ev.exit() ? SyscallType.EXIT : SyscallType.ENTER;
        Optional<SyscallSchema> schema = catalog.schema(nr);
        if (schema.isEmpty() || !state.syscallEnabled(type, nr)) {
            return 0;
        }
        if (made >= 0) {
            return ScopedValue.where(MadeCall.CURRENT, made)
                    .call(() -> fireSchematized(task, ev, -1, atEnter, mem, fds, now));
        }
        Point p = catalog.pointForSyscall(type, nr).orElseThrow();
        return state.fire(p,
                fields -> atEnter != null
                        ? SyscallDecoder.completeAtExit(schema.get(), atEnter, ev, context.build(task, fields, now),
                                fields, mem)
                        : SyscallDecoder.schematized(schema.get(), ev, context.build(task, fields, now), fields, mem, fds),
                (sink, fields, decoded) -> deliver(sink, p, fields, decoded));
    }

    /**
     * Called at an enter stop whose exit stop will follow. execve and execveat replace the address
     * space their arguments live in, close removes the fd fd_path names: for their exit point the
     * call is decoded now and finished at the exit ({@link SyscallDecoder#completeAtExit}). Called
     * in the stop whose enter points just fired: the pages they read are read from again.
     */
    void beforeExit(Task task, SyscallEvent enter, TraceeAccess access) {
        int nr = enter.sysno();
        if (!SyscallsToRead.lostAtExit(nr) || !state.syscallEnabled(SyscallType.EXIT, nr)) {
            return;
        }
        Optional<SyscallSchema> schema = catalog.schema(nr);
        Optional<Point> exit = catalog.pointForSyscall(SyscallType.EXIT, nr);
        if (schema.isEmpty() || exit.isEmpty()) {
            return;
        }
        TraceeAccess at = access.stillAt(task.tid());
        decodedAtEnter.put(enter.tid(),
                SyscallDecoder.schematized(schema.get(), enter, null, state.fieldSet(exit.get()), at, at));
    }

    /** A task inside a syscall took another tid (a non-leader thread executed). */
    void moved(int from, int to) {
        DecodedSyscall d = decodedAtEnter.remove(from);
        if (d != null) {
            decodedAtEnter.put(to, d);
        }
    }

    /** A task is gone: its pending decode, if any, will never be finished. */
    void forget(int tid) {
        decodedAtEnter.remove(tid);
    }

    private static void deliver(dev.seccheck.sink.Sink sink, Point p, FieldSet fields, DecodedSyscall d)
            throws dev.seccheck.sink.SecurityCheckException {
        if (d.missing().isEmpty()) {
            sink.syscall(p, fields, d.type(), d.message());
        } else {
            sink.syscall(p, fields, d.type(), d.message(), d.missing());
        }
    }

    static boolean isCwdChanger(int nr) {
        return nr == CWD_CHANGERS[0] || nr == CWD_CHANGERS[1];
    }

    static boolean isCredentialChanger(int nr) {
        for (int c : CREDENTIAL_CHANGERS) {
            if (c == nr) {
                return true;
            }
        }
        return false;
    }
}
