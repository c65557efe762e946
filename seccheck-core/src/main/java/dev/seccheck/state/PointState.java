package dev.seccheck.state;

import dev.seccheck.abi.Errno;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.points.SyscallType;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * PointState answers "is this point enabled?" on the hot path and delivers fired points to the
 * sinks of the sessions that enabled them.
 *
 * <p>{@link #enabled(Point)} is one load of a word of the enabled bitmask and a bit test: no lock,
 * no allocation. Who receives each point lives in an immutable {@link Routing} snapshot behind a
 * volatile reference, replaced whole by {@link #publish}; firing threads never lock.
 */
public final class PointState {

    /** What {@link #fire} returns when a sink asks for the firing task's thread group to be killed. */
    public static final int KILL = -1;

    static final int WORDS = (Point.ID_LIMIT + 63) >>> 6;

    private static final Logger LOG = Logger.getLogger(PointState.class.getName());
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * One bit per point id. Written only by {@link #publish} (under its lock) with release
     * stores and read with opaque loads: a reader needs no ordering with other memory, only an
     * untorn, eventually visible word, and opaque gives that at the cost of a plain load.
     */
    private final long[] enabled = new long[WORDS];
    private volatile Routing routing = Routing.EMPTY;
    /** The largest execve_hash_cache_capacity among sessions enabling sentry/execve; set by {@link #publish}. */
    private volatile int execveHashCacheCapacity;
    private final List<SyscallPointsListener> listeners = new CopyOnWriteArrayList<>();
    private final List<SyscallPointsPreparer> preparers = new CopyOnWriteArrayList<>();

    /** Returns whether any session enables this point. */
    public boolean enabled(Point point) {
        return enabled(point.id());
    }

    /** Returns whether any session enables the point with this id. */
    public boolean enabled(int pointId) {
        return ((long) WORD.getOpaque(enabled, pointId >>> 6) & (1L << pointId)) != 0;
    }

    /** Returns whether the syscall point of this type and number is enabled. */
    public boolean syscallEnabled(SyscallType type, int sysno) {
        if (sysno < 0 || sysno > Point.MAX_SYSNO) {
            return false;
        }
        return enabled(Point.syscallId(type, sysno));
    }

    /** Returns the union of the fields every session enabling this point asked for. */
    public FieldSet fieldSet(Point point) {
        return routing.unionFields[point.id()];
    }

    /** Returns whether a sink receiving this point may deny or kill at it ({@link dev.seccheck.sink.Sink#decides}). */
    public boolean decided(Point point) {
        for (Route r : routing.byPoint[point.id()]) {
            for (dev.seccheck.sink.Sink s : r.sinks()) {
                if (s.decides(point)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Asks the sinks that decide at any of {@code opens} whether they refuse {@code change}
     * ({@link dev.seccheck.sink.Sink#refuses}); each sink is asked once. A sink that fails is
     * logged and counted as refusing: the call it would have checked is failed rather than let
     * through unchecked.
     *
     * @return whether one refused; the sinks after it were not asked
     */
    public boolean refuses(List<Point> opens, NameChange change) {
        return anyDeciding(opens, s -> refusedBy(s, change, false));
    }

    /**
     * Asks the sinks that decide at any of {@code opens}, as {@link #refuses} does, whether they
     * refuse moving the names a mount covers below a moved directory ({@link Sink#refusesCovered}).
     */
    public boolean refusesCovered(List<Point> opens, NameChange change) {
        return anyDeciding(opens, s -> refusedBy(s, change, true));
    }

    /**
     * Asks the sinks that decide at {@code execs} whether {@code move} takes a name they deny
     * executing out of that denial ({@link Sink#movesOutOfWhatRuns}); each sink is asked once, and
     * until one says yes. A sink that fails is logged and counted as saying yes: the file is then
     * remembered, and an exec in flight that ran it is killed rather than let through.
     */
    public boolean movesOutOfWhatRuns(List<Point> execs, NameChange move) {
        return anyDeciding(execs, s -> movedOutBy(s, move));
    }

    /**
     * Whether {@code says} holds for a sink deciding at one of {@code points} (each asked once, in
     * turn, until one does); the sessions being deleted are not asked, their rules no longer hold.
     */
    private boolean anyDeciding(List<Point> points, Predicate<Sink> says) {
        Set<Sink> asked = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Point point : points) {
            for (Route r : routing.byPoint[point.id()]) {
                if (!r.gate().enter()) {
                    continue;
                }
                try {
                    for (Sink s : r.sinks()) {
                        if (s.decides(point) && asked.add(s) && says.test(s)) {
                            return true;
                        }
                    }
                } finally {
                    r.gate().exit();
                }
            }
        }
        return false;
    }

    private static boolean movedOutBy(Sink sink, NameChange move) {
        try {
            return sink.movesOutOfWhatRuns(move);
        } catch (RuntimeException bug) {
            LOG.log(Level.WARNING, "sink " + sink.name() + " failed on " + move.syscall() + " of " + move.from()
                    + "; the file is taken as moved out of a rule on what runs", bug);
            return true;
        }
    }

    /**
     * Returns whether a sink deciding at any of {@code binds} decides on the unix paths sockets
     * are bound to ({@link Sink#decidesSocketNames}).
     */
    public boolean decidesSocketNames(List<Point> binds) {
        return anySinkDecidingAt(binds, Sink::decidesSocketNames);
    }

    /**
     * Returns whether a sink deciding at any of {@code execs} decides on the file an exec ran
     * ({@link Sink#decidesExecutedFiles}).
     */
    public boolean decidesExecutedFiles(List<Point> execs) {
        return anySinkDecidingAt(execs, Sink::decidesExecutedFiles);
    }

    private boolean anySinkDecidingAt(List<Point> points, Predicate<Sink> says) {
        for (Point point : points) {
            for (Route r : routing.byPoint[point.id()]) {
                for (Sink s : r.sinks()) {
                    if (s.decides(point) && says.test(s)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Asks the sinks that decide on socket names at any of {@code binds} whether they let
     * {@code change} give its name ({@link Sink#decideSocketName}); each sink is asked once, and
     * all are asked, as all receive a point. A sink that fails is logged and counted as refusing
     * with EPERM, as at a point.
     *
     * @return 0 when every sink let it through, else the strongest answer ({@link #verdict}):
     *     {@link #KILL}, or the errno of the first sink that refused
     */
    public int socketNameVerdict(List<Point> binds, NameChange change) {
        Set<Sink> asked = Collections.newSetFromMap(new IdentityHashMap<>());
        int verdict = 0;
        for (Point point : binds) {
            for (Route r : routing.byPoint[point.id()]) {
                if (!r.gate().enter()) {
                    continue; // a session being deleted: its rules no longer hold
                }
                try {
                    for (Sink s : r.sinks()) {
                        if (s.decides(point) && s.decidesSocketNames() && asked.add(s)) {
                            verdict = verdict(verdict, socketNameAnswer(s, change));
                        }
                    }
                } finally {
                    r.gate().exit();
                }
            }
        }
        return verdict;
    }

    private static int socketNameAnswer(Sink sink, NameChange change) {
        try {
            sink.decideSocketName(change);
            return 0;
        } catch (SecurityCheckException denied) {
            return denied.killTask() ? KILL : denied.errno();
        } catch (RuntimeException bug) {
            LOG.log(Level.WARNING, "sink " + sink.name() + " failed on " + change.syscall() + " to " + change.to()
                    + "; the call fails with EPERM", bug);
            return Errno.EPERM;
        }
    }

    private static boolean refusedBy(Sink sink, NameChange change, boolean covered) {
        try {
            return covered ? sink.refusesCovered(change) : sink.refuses(change);
        } catch (RuntimeException bug) {
            LOG.log(Level.WARNING, "sink " + sink.name() + " failed on " + change.syscall() + " of "
                    + change.from(), bug);
            return true;
        }
    }

    /** Returns a copy of the enabled bitmask: bit {@code id % 64} of word {@code id / 64}. */
    public long[] enabledBits() {
        long[] copy = new long[WORDS];
        for (int i = 0; i < WORDS; i++) {
            copy[i] = (long) WORD.getOpaque(enabled, i);
        }
        return copy;
    }

    /**
     * Returns how many executed binaries' hashes the supervisor should keep: the largest
     * {@code execve_hash_cache_capacity} among the sessions that enable sentry/execve (0 when
     * none does). One cache serves every session, sized for the one that wants most; a
     * session asking for less, or for none, still gets the same digests.
     */
    public int execveHashCacheCapacity() {
        return execveHashCacheCapacity;
    }

    /** Registers a listener told after each change of the enabled syscall points. */
    public void addListener(SyscallPointsListener listener) {
        listeners.add(listener);
    }

    /** Registers a preparer asked before each change of the enabled syscall points (see {@link #publish}). */
    public void addPreparer(SyscallPointsPreparer preparer) {
        preparers.add(preparer);
    }

    /** Removes a preparer added with {@link #addPreparer}. */
    public void removePreparer(SyscallPointsPreparer preparer) {
        preparers.remove(preparer);
    }

    /** Removes a listener added with {@link #addListener}. */
    public void removeListener(SyscallPointsListener listener) {
        listeners.remove(listener);
    }

    /**
     * Fires a point: builds its message once per distinct field set among the receiving sessions
     * and hands it to every sink of each session, in order, whatever the sinks before it answered:
     * a denied open or a killed exec is what a monitoring sink listed after the policy most needs
     * to see, and stopping at the denial left it no trace there.
     *
     * @param build makes the message holding exactly the given fields
     * @param call delivers the message to one sink
     * @return 0 when every sink accepted, otherwise the strongest answer ({@link #verdict}):
     *     {@link #KILL} when any sink asked for the task to be killed, else the errno of the first
     *     sink that denied
     */
    public <M> int fire(Point point, Function<FieldSet, M> build, SinkCall<M> call) {
        Route[] routes = routing.byPoint[point.id()];
        FieldSet builtFor = null;
        M msg = null;
        int verdict = 0;
        for (int i = 0; i < routes.length; i++) {
            Route route = routes[i];
            Gate gate = route.gate();
            if (!gate.enter()) {
                return fireAfterRace(point, build, call, routes, i, verdict);
            }
            try {
                if (!route.fields().equals(builtFor)) {
                    msg = build.apply(route.fields());
                    builtFor = route.fields();
                }
                verdict = verdict(verdict, deliver(point, route, msg, call));
            } finally {
                gate.exit();
            }
        }
        return verdict;
    }

    /**
     * Returns the stronger of two answers to one point: a kill over a denial, a denial over
     * acceptance, and between two denials the earlier ({@code sofar}), so the errno is the one the
     * first denying sink in delivery order chose.
     */
    static int verdict(int sofar, int next) {
        if (sofar == KILL || next == KILL) {
            return KILL;
        }
        return sofar != 0 ? sofar : next;
    }

    /**
     * Finishes a firing that found a closed gate: that session was deleted or replaced after
     * {@code old} was read. A replacement was published before the old gate closed, so the
     * current snapshot holds it; deliver to its sessions not yet served, so that replacing a
     * session ({@code force}) never lets a point fall between the old and the new one. Rare
     * (only when a firing races a session change), so it may allocate. {@code sofar} is the
     * verdict of the sessions already served.
     */
    private <M> int fireAfterRace(Point point, Function<FieldSet, M> build, SinkCall<M> call,
            Route[] old, int servedCount, int sofar) {
        Set<Gate> served = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i <= servedCount; i++) {
            served.add(old[i].gate());
        }
        int verdict = sofar;
        boolean raced = true;
        while (raced) {
            raced = false;
            for (Route route : routing.byPoint[point.id()]) {
                Gate gate = route.gate();
                if (!served.add(gate)) {
                    continue;
                }
                if (!gate.enter()) {
                    raced = true;
                    continue;
                }
                try {
                    verdict = verdict(verdict, deliver(point, route, build.apply(route.fields()), call));
                } finally {
                    gate.exit();
                }
            }
        }
        return verdict;
    }

    /**
     * Hands the message to every sink of one session in order, a sink after one that denied
     * included (a monitor listed after the policy in the same session); returns 0 or the
     * session's strongest answer ({@link #verdict}).
     */
    private static <M> int deliver(Point point, Route route, M msg, SinkCall<M> call) {
        int verdict = 0;
        for (Sink sink : route.sinks()) {
            int answer;
            try {
                call.deliver(sink, route.fields(), msg);
                continue;
            } catch (SecurityCheckException denied) {
                answer = denied.killTask() ? KILL : denied.errno();
            } catch (RuntimeException bug) {
                // Fail closed, as for a name change (refusedBy): a check that breaks on what the
                // program did (a value it chose) must not let the operation through. It is logged,
                // and the operation fails with EPERM, as a denial does.
                LOG.log(Level.WARNING, "sink " + sink.name() + " failed on " + point.name()
                        + "; the operation fails with EPERM", bug);
                answer = Errno.EPERM;
            }
            verdict = verdict(verdict, answer);
        }
        return verdict;
    }

    /**
     * Replaces who receives each point with the given subscribers, in delivery order. Callers
     * (the session manager) should serialize calls; this method also locks, so the bitmask and
     * routing always come from the same call. Preparers are asked first, with a preview of the
     * new state (a field such as cwd may need syscalls traced too, so every change is shown): if one throws, nothing changed and the
     * exception reaches the caller. Listeners are told after the change.
     */
    public synchronized void publish(List<Subscriber> subscribers) {
        Routing next = routing(subscribers);
        if (!preparers.isEmpty()) {
            PointState preview = new PointState();
            preview.install(next, subscribers);
            for (SyscallPointsPreparer p : preparers) {
                p.prepare(preview);
            }
        }
        install(next, subscribers);
    }

    private static Routing routing(List<Subscriber> subscribers) {
        List<List<Route>> lists = new ArrayList<>(Point.ID_LIMIT);
        for (int i = 0; i < Point.ID_LIMIT; i++) {
            lists.add(null);
        }
        for (Subscriber sub : subscribers) {
            for (PointReq req : sub.points()) {
                int id = req.point().id();
                if (lists.get(id) == null) {
                    lists.set(id, new ArrayList<>(1));
                }
                lists.get(id).add(new Route(sub.gate(), sub.sinks(), req.fields()));
            }
        }
        Route[][] byPoint = new Route[Point.ID_LIMIT][];
        for (int id = 0; id < byPoint.length; id++) {
            List<Route> l = lists.get(id);
            byPoint[id] = l == null ? Routing.NONE : l.toArray(Route[]::new);
        }
        return new Routing(byPoint);
    }

    private void install(Routing next, List<Subscriber> subscribers) {
        int hashCache = 0;
        for (Subscriber sub : subscribers) {
            if (sub.points().stream().anyMatch(r -> r.point().equals(Point.EXECVE))) {
                hashCache = Math.max(hashCache, sub.execveHashCacheCapacity());
            }
        }
        execveHashCacheCapacity = hashCache;
        long[] before = Routing.syscallBits(enabledBits());
        long[] bits = next.enabledBits();
        // New routes first, then the bits: a reader that sees a bit finds its route.
        routing = next;
        for (int i = 0; i < WORDS; i++) {
            WORD.setRelease(enabled, i, bits[i]);
        }
        if (!Arrays.equals(before, Routing.syscallBits(bits))) {
            for (SyscallPointsListener l : listeners) {
                try {
                    l.syscallPointsChanged(this);
                } catch (RuntimeException e) {
                    // The change is already published and the session manager has committed to
                    // it; one listener's failure must neither undo that nor silence the others.
                    LOG.log(Level.WARNING, "syscall points listener failed", e);
                }
            }
        }
    }
}
