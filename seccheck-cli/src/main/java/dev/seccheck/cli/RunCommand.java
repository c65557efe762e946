package dev.seccheck.cli;

import dev.seccheck.abi.Signal;
import dev.seccheck.control.ControlException;
import dev.seccheck.control.ControlServer;
import dev.seccheck.control.RunPublication;
import dev.seccheck.control.RunRecord;
import dev.seccheck.control.RuntimeRoot;
import dev.seccheck.control.SessionControl;
import dev.seccheck.control.WorkloadPeers;
import dev.seccheck.fields.ContextField;
import dev.seccheck.format.Escape;
import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.CpuTimeLimit;
import dev.seccheck.linux.FileNames;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.RefusingServers;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointReq;
import dev.seccheck.sentry.DefaultSession;
import dev.seccheck.sentry.SentryException;
import dev.seccheck.sentry.Supervisor;
import dev.seccheck.session.SessionConfig;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionException;
import dev.seccheck.session.SessionInfo;
import dev.seccheck.session.SessionManager;
import dev.seccheck.session.SinkSpec;
import dev.seccheck.sink.Selection;
import dev.seccheck.sink.SinkContext;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.state.PointState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * RunCommand runs a program under the supervisor with the sessions given (or the built-in default
 * session: what the program executes, opens, connects to and changes, on stderr), serves the run's
 * control socket while it lives, and exits with the program's status.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a command under seccheck and report what it does.",
        footer = """

                Examples:
                  seccheck run -- sh -c 'cat /etc/hostname'                 # the default session, on stderr
                  seccheck run -e trace=%%file -- make                       # strace-like: openat(AT_FDCWD, "x.c", O_RDONLY) = 3
                  seccheck run -e trace=openat,connect -o t.txt -s 64 -tt -T --comm curl -- curl -s http://example.com
                  seccheck run --summary -- make                            # like strace -c, at the end
                  seccheck run --format json -e %%network -- curl -s example.com | jq -c 'select(.errno_name)'
                  seccheck run --config remote.json --pid 1234 -- make      # --pid/--comm/--path select for every sink
                  seccheck run --print-config -e %%process > s.json          # the session the flags make, to edit

                Exit status: the command's; when signal N killed it, seccheck ends by signal N too (128+N).""")
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "A session (gVisor JSON, plain or trace_session-wrapped). Repeat for several sessions. "
                    + "Default: the built-in session, to the text sink on stderr.")
    List<Path> configs = new ArrayList<>();

    @Option(names = "--id", description = "Name of the run (the container_id field). Default: a generated id.")
    String id;

    @Option(names = "--quiet", description = "Print none of seccheck's own status lines (sinks still write, problems still show).")
    boolean quiet;

    @Mixin
    RootOption root;

    @Mixin
    TraceOptions trace;

    @Parameters(paramLabel = "CMD", arity = "0..*", description = "The command and its arguments (after --).")
    List<String> command;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (trace.printConfig) {
            spec.commandLine().getOut().println(trace.session(Catalog.standard()).orElse(DefaultSession.json()));
            return 0;
        }
        if (command == null || command.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required parameter: 'CMD'");
        }
        // The command as given, byte for byte (the JVM decoded it with the locale's charset); shown
        // with U+FFFD for what is not UTF-8.
        command = RawArguments.of(command);
        List<String> shown = command.stream().map(FileNames::shown).toList();
        String runId = id != null ? id : "run-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        RuntimeRoot.checkId(runId);
        // Before the control socket listens, before the seal (which gives /proc/self to root) and
        // before the program starts: a connect seccheck performs never takes a program to a process
        // of this name, and every run's control socket refuses the tasks a process of this name
        // ptraces (WorkloadPeers). A run that cannot take it does not start: its program would pass
        // for the operator at every other run's control socket.
        Optional<String> unnamed = RefusingServers.nameThisProcess(RefusingServers.RUN);
        if (unnamed.isPresent()) {
            throw new IOException("cannot name this process " + RefusingServers.RUN + " (" + unnamed.get()
                    + "): other runs would take its program for the operator");
        }

        PointState state = new PointState();
        SessionManager sessions = new SessionManager(state, SinkContext.ofRun(runId), msg -> warn(err, msg));
        SessionConfigParser parser = new SessionConfigParser(Catalog.standard(), SinkRegistry.discover(), msg -> warn(err, msg));
        try {
            boolean allowPtrace = false;
            Map<String, String> sources = new HashMap<>();
            for (SessionConfig c : sessionConfigs(parser, sources)) {
                try {
                    sessions.create(c, false);
                } catch (SessionException e) {
                    // A sink's own check of its config (a rule, a key) fails here: name the file it is in.
                    String source = sources.get(c.name());
                    throw source != null && source.startsWith("--config ")
                            ? new SessionException(source + ": " + e.getMessage(), e) : e;
                }
                allowPtrace |= c.options().allowPtrace();
            }
            Supervisor supervisor = new Supervisor(state, Catalog.standard(), runId, msg -> warn(err, msg))
                    .allowPtrace(allowPtrace);
            RunSignals signals = new RunSignals(supervisor, 5, java.util.concurrent.TimeUnit.SECONDS);
            CpuTimeLimit.Limits cpuLimit = signals.watchCpuTimeLimit();
            RuntimeRoot rr = root.runtimeRoot();
            // From here a session comes over the control socket, and the program may be running:
            // a sink's path may be one it made (a FIFO whose open would wait for good).
            sessions.programMayRun();
            RunControl control = startControl(rr, runId, sessions, parser, supervisor, err);
            CallerWorld caller = CallerWorld.current();
            // What the caller ignored stays ignored in the program, and is not forwarded.
            caller.ignoreInThisProcess();
            signals.install(caller);
            status(err, "run " + runId + ": " + String.join(" ", shown));
            int exit;
            try {
                exit = supervisor.run(command);
            } catch (SentryException e) {
                if (!signals.cpuTimeLimitReached()) {
                    throw e;
                }
                exit = 128 + Signal.SIGKILL; // killed while it was being started
            } finally {
                if (control != null) {
                    control.close();
                }
            }
            if (signals.cpuTimeLimitReached()) {
                // The job is over the operator's limit: what the program's status would say is moot.
                String drops = drops(sessions.deleteAll());
                warn(err, "run " + runId + " ended: seccheck's CPU time limit (" + cpuLimit.asUlimit() + ") was reached"
                        + (drops.isEmpty() ? "" : "; " + drops));
                return 128 + Signal.SIGXCPU;
            }
            if (signals.endedBy() != 0) {
                warn(err, "run " + runId + " ended by signal " + signals.endedBy()
                        + ": the program got it first, what was left was killed");
                exit = 128 + signals.endedBy();
            } else {
                supervisor.killedBy().ifPresent(Main::endBy);
            }
            // The sinks stop first: points a sink still held (a broker's buffer) are counted in the line.
            String drops = drops(sessions.deleteAll());
            if (drops.isEmpty()) {
                status(err, "run " + runId + " ended: exit status " + exit);
            } else {
                warn(err, "run " + runId + " ended: exit status " + exit + "; " + drops);
            }
            return exit;
        } finally {
            sessions.deleteAll();
        }
    }

    /**
     * Returns the sessions to create: the trace options' (or the default when neither they nor
     * --config are given), then each --config file's. --pid, --comm and --path apply to every
     * sink of every session: each sink is made behind the selection, so no sink, the remote one
     * included, sees a point it drops. {@code sources} receives where each session came from, by name.
     */
    private List<SessionConfig> sessionConfigs(SessionConfigParser parser, Map<String, String> sources)
            throws IOException, SessionException {
        List<SessionConfig> out = new ArrayList<>();
        var traced = trace.session(Catalog.standard());
        if (traced.isPresent()) {
            out.add(parser.parse(traced.get()));
            sources.put(out.getLast().name(), "the trace options");
        } else if (configs.isEmpty()) {
            // Built in code, not parsed: a plain run starts no JSON parser (issue 13, start-up).
            out.add(DefaultSession.config(Catalog.standard(), SinkRegistry.discover()));
            return out;
        }
        for (Path p : configs) {
            String text = ConfigFiles.read("--config", p);
            SessionConfig c;
            try {
                c = parser.parse(text);
            } catch (SessionException e) {
                throw new SessionException("--config " + p + ": " + e.getMessage(), e);
            }
            String first = sources.putIfAbsent(c.name(), "--config " + p);
            if (first != null) {
                throw new SessionException("--config " + p + ": session \"" + c.name() + "\" is already made by " + first
                        + (c.name().equals(SessionConfigParser.DEFAULT_NAME) ? " (a session without \"name\" is called \""
                                + SessionConfigParser.DEFAULT_NAME + "\"; give each file its own name)" : ""));
            }
            out.add(c);
        }
        Selection only = trace.selection();
        List<SessionConfig> selected = new ArrayList<>();
        for (SessionConfig c : out) {
            selected.add(selected(c, only));
        }
        return selected;
    }

    /**
     * Returns the session with each sink that observes behind the selection; a sink that decides
     * receives every point ({@link Selection#wrap}). A point without the context field the
     * selection reads could never pass, so a session lacking it is refused rather than silent.
     */
    private static SessionConfig selected(SessionConfig c, Selection only) throws SessionException {
        for (PointReq p : c.points()) {
            for (ContextField f : List.of(ContextField.GROUP_ID, ContextField.PROCESS_NAME)) {
                boolean needed = f == ContextField.GROUP_ID ? !only.pids().isEmpty() : !only.comms().isEmpty();
                if (needed && !p.fields().context().contains(f.id())) {
                    throw new SessionException("session \"" + c.name() + "\": " + (f == ContextField.GROUP_ID ? "--pid" : "--comm")
                            + " selects by the context field " + f.fieldName() + ", which point " + p.point().name()
                            + " does not collect: add it to its context_fields");
                }
            }
        }
        List<SinkSpec> sinks = c.sinks().stream()
                .map(s -> new SinkSpec(only.wrap(s.descriptor(), c.points()), s.config(), s.ignoreSetupError())).toList();
        return new SessionConfig(c.name(), c.points(), sinks, c.options());
    }

    private RunControl startControl(RuntimeRoot rr, String runId, SessionManager sessions, SessionConfigParser parser,
            Supervisor supervisor, PrintWriter err) throws Exception {
        RunRecord record = RunRecord.forThisProcess(runId, command.stream().map(FileNames::shown).toList());
        Path dir;
        try {
            dir = rr.create(record, msg -> status(err, msg));
        } catch (IOException e) {
            warn(err, "no control socket for this run (cannot use " + rr.path() + ": " + e.getMessage() + ")");
            return null;
        }
        keepSocketsOutOf(dir, err);
        // The workload runs as this user too: the guard keeps it from changing its own checks.
        WorkloadPeers workload = new WorkloadPeers(runId, supervisor::processes);
        ControlServer server = ControlServer.start(dir.resolve(RuntimeRoot.SOCKET),
                new SessionControl(record, sessions, parser, supervisor::processes, (pid, argv, env, cwd, started) -> {
                    try (ClientStdio stdio = ClientStdio.of(pid)) {
                        return supervisor.exec(argv, env, cwd, stdio.fds(), started);
                    } catch (SentryException e) {
                        // A command that could not start: the client exits as run does (126, 127).
                        throw new ControlException(e.getMessage(), e, e.exitStatus() == 1 ? 0 : e.exitStatus());
                    } catch (LinuxException e) {
                        throw new ControlException(e.getMessage(), e);
                    }
                }), workload, msg -> warn(err, msg));
        // A program of this user can remove the directory (this run's or another's): it is made again.
        RunPublication publication = RunPublication.keep(rr, record, dir, msg -> warn(err, msg), again -> {
            keepSocketsOutOf(again, err);
            server.listenAt(again.resolve(RuntimeRoot.SOCKET));
        });
        return new RunControl(rr, record, publication, server);
    }

    /**
     * A bind seccheck makes for the program in {@code dir} would put a socket of the program's,
     * listened on by this very process, where a control client takes it for the run's.
     */
    private static void keepSocketsOutOf(Path dir, PrintWriter err) {
        RefusingServers.keepSocketsOutOf(dir).ifPresent(why -> warn(err, "cannot keep the program's sockets out of "
                + dir + " (" + why + "): a bind and listen seccheck makes there would pass as this run's control socket"));
    }

    /** Names every sink that dropped points, with its count ("" when none did): lost points must not go unnoticed. */
    static String drops(List<SessionInfo> sessions) {
        List<String> parts = new ArrayList<>();
        for (SessionInfo s : sessions) {
            for (SessionInfo.SinkInfo sink : s.sinks()) {
                if (sink.status().dropped() > 0) {
                    parts.add("session \"" + s.name() + "\" sink \"" + sink.name() + "\" dropped "
                            + sink.status().dropped() + " points");
                }
            }
        }
        return String.join(", ", parts);
    }

    /** Problems are shown even with --quiet: they change what the run reports. */
    /** Prints one of seccheck's lines; the program's values in it (a process name) cannot break it ({@link Escape#line}). */
    private static void warn(PrintWriter err, String msg) {
        err.println("seccheck: " + Escape.line(msg));
        err.flush();
    }

    private void status(PrintWriter err, String msg) {
        if (!quiet) {
            err.println("seccheck: " + Escape.line(msg));
            err.flush();
        }
    }
}
