package dev.seccheck.session;

import dev.seccheck.points.PointReq;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkContext;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * SessionManager creates, replaces, deletes and lists sessions, several at once. A point is
 * enabled while any session enables it; each session's sinks get only that session's points,
 * with that session's fields.
 *
 * <p>Creation is all or nothing: every sink is validated (its descriptor reads the configuration
 * once, into the value setup and creation then receive), then set up, then created; if any step
 * fails, what was already made is undone and the state is exactly as before. Replacing a session
 * ({@code force}) publishes the new one and removes the old in the same step, so no point falls
 * between them. A locked session ({@link SessionOptions#locked()}) is neither replaced nor deleted:
 * only {@link #deleteAll} (the run's end) removes it.
 */
public final class SessionManager {

    private final PointState state;
    /** What every sink's setup gets; guarded by this manager's lock, as creation is. */
    private SinkContext context;
    private final Consumer<String> warnings;
    private final Map<String, Session> sessions = new LinkedHashMap<>();

    /**
     * @param warnings receives one line per non-fatal problem, e.g. a sink skipped because its
     *     setup failed and the session says {@code ignore_setup_error}
     */
    public SessionManager(PointState state, Consumer<String> warnings) {
        this(state, SinkContext.NONE, warnings);
    }

    /**
     * Makes the sessions of a run: every sink's setup gets {@code context} (the run's id).
     *
     * @param warnings as for {@link #SessionManager(PointState, Consumer)}
     */
    public SessionManager(PointState state, SinkContext context, Consumer<String> warnings) {
        this.state = state;
        this.context = context;
        this.warnings = warnings;
    }

    /**
     * Marks that the run's program may be running from now on: every later session's sinks are
     * set up with {@link SinkContext#whileProgramMayRun}, so that a sink's path the program made
     * or holds open (a FIFO, a terminal) is refused rather than written to. Call it before the
     * control socket serves and before the program starts.
     */
    public synchronized void programMayRun() {
        context = context.whileProgramMayRun();
    }

    /** Returns the state whose points this manager enables. */
    public PointState state() {
        return state;
    }

    /**
     * Creates a session, or replaces the one with the same name when {@code force} is set.
     *
     * @throws SessionException if the name is taken (without force) or a sink cannot be made;
     *     nothing changed then
     */
    public synchronized SessionInfo create(SessionConfig config, boolean force) throws SessionException {
        Session old = sessions.get(config.name());
        if (old != null && old.config.options().locked()) {
            throw locked(config.name(), "replaced");
        }
        if (old != null && !force) {
            throw new SessionException("session \"" + config.name() + "\" already exists (force replaces it)");
        }
        List<String> skipped = new ArrayList<>();
        List<Sink> made = makeSinks(config, skipped);
        Session session = new Session(config, made);
        Map<String, Session> next = new LinkedHashMap<>(sessions);
        next.remove(config.name());
        next.put(config.name(), session);
        try {
            state.publish(subscribers(next));
        } catch (RuntimeException e) {
            made.forEach(SessionManager::stopQuietly);
            throw e;
        }
        sessions.clear();
        sessions.putAll(next);
        if (old != null) {
            retire(old);
        }
        // Told only now: a session that failed to be created skipped nothing.
        skipped.forEach(warnings);
        return session.info();
    }

    /**
     * Deletes a session: its points stop, and once this returns no point reaches its sinks.
     *
     * @throws SessionException if there is no such session
     */
    public synchronized void delete(String name) throws SessionException {
        Session old = sessions.get(name);
        if (old == null) {
            throw new SessionException("no session named \"" + name + "\" (sessions: "
                    + String.join(", ", sessions.keySet()) + ")");
        }
        if (old.config.options().locked()) {
            throw locked(name, "deleted");
        }
        Map<String, Session> next = new LinkedHashMap<>(sessions);
        next.remove(name);
        state.publish(subscribers(next));
        sessions.remove(name);
        retire(old);
    }

    private static SessionException locked(String name, String what) {
        return new SessionException("session \"" + name + "\" is locked: it cannot be " + what
                + " while the run lives; it ends when the run stops");
    }

    /**
     * Deletes every session, locked ones too, e.g. when the workload ends, and returns what they
     * were, in creation order, with their sinks' final counters: read after each sink stopped, so
     * points a sink still held (buffered for a broker, say) and failed at stop are counted.
     */
    public synchronized List<SessionInfo> deleteAll() {
        List<Session> all = new ArrayList<>(sessions.values());
        sessions.clear();
        state.publish(List.of());
        all.forEach(this::retire);
        return all.stream().map(Session::info).toList();
    }

    /** Lists the live sessions in creation order. */
    public synchronized List<SessionInfo> list() {
        return sessions.values().stream().map(Session::info).toList();
    }

    /** Returns a live session's configuration. */
    public synchronized Optional<SessionConfig> config(String name) {
        return Optional.ofNullable(sessions.get(name)).map(s -> s.config);
    }

    private List<Sink> makeSinks(SessionConfig config, List<String> skipped) throws SessionException {
        List<SinkSpec> specs = config.sinks();
        List<Validated<?>> validated = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            try {
                validated.add(validate(specs.get(i).descriptor(), specs.get(i).config(), config.points()));
            } catch (SinkException | RuntimeException e) {
                throw new SessionException(sinkError(config, i, e), e);
            }
        }
        List<SinkSetup> setups = new ArrayList<>();
        List<Sink> made = new ArrayList<>();
        try {
            for (int i = 0; i < specs.size(); i++) {
                SinkSpec spec = specs.get(i);
                try {
                    setups.add(validated.get(i).setup(context));
                } catch (RuntimeException e) {
                    // A sink bug, not an unreachable endpoint: ignore_setup_error does not cover it.
                    throw new SessionException(sinkError(config, i, e), e);
                } catch (SinkException e) {
                    if (!spec.ignoreSetupError()) {
                        throw new SessionException(sinkError(config, i, e), e);
                    }
                    skipped.add("session \"" + config.name() + "\": sink \"" + spec.name()
                            + "\" skipped, its setup failed: " + e.getMessage());
                    setups.add(null);
                }
            }
            for (int i = 0; i < specs.size(); i++) {
                SinkSetup setup = setups.get(i);
                if (setup == null) {
                    continue;
                }
                setups.set(i, null);
                try {
                    made.add(validated.get(i).create(setup));
                } catch (SinkException | RuntimeException e) {
                    setup.close();
                    throw new SessionException(sinkError(config, i, e), e);
                }
            }
            return made;
        } catch (SessionException | RuntimeException e) {
            for (SinkSetup s : setups) {
                if (s != null) {
                    s.close();
                }
            }
            made.forEach(SessionManager::stopQuietly);
            throw e;
        }
    }

    /** Validated pairs a descriptor with what its validation returned, so setup and create get the same value. */
    private record Validated<C>(SinkDescriptor<C> descriptor, C config) {
        SinkSetup setup(SinkContext context) throws SinkException {
            return descriptor.setup(config, context);
        }

        Sink create(SinkSetup setup) throws SinkException {
            return descriptor.create(config, setup);
        }
    }

    private static <C> Validated<C> validate(SinkDescriptor<C> descriptor, SinkConfig config, List<PointReq> points)
            throws SinkException {
        C validated = descriptor.validate(config, points);
        if (validated == null) {
            throw new IllegalStateException("sink \"" + descriptor.name() + "\" validated its configuration to null");
        }
        return new Validated<>(descriptor, validated);
    }

    private static String sinkError(SessionConfig config, int index, Exception e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        return "session \"" + config.name() + "\", sink \"" + config.sinks().get(index).name() + "\": " + msg;
    }

    private void retire(Session session) {
        session.gate.close();
        session.sinks.forEach(SessionManager::stopQuietly);
    }

    private static List<Subscriber> subscribers(Map<String, Session> sessions) {
        return sessions.values().stream()
                .map(s -> new Subscriber(s.gate, s.sinks, s.config.points(), s.config.options().execveHashCacheCapacity()))
                .toList();
    }

    private static void stopQuietly(Sink sink) {
        try {
            sink.stop();
        } catch (RuntimeException e) {
            // Stopping is best effort; the session is gone either way.
        }
    }
}
