package dev.seccheck.cli;

import dev.seccheck.kafka.source.KafkaSource;
import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.RefusingServers;
import dev.seccheck.remote.consumer.EventServer;
import dev.seccheck.remote.consumer.ServerLimits;
import dev.seccheck.remote.server.MessagePrinter;
import dev.seccheck.remote.server.OutputFormat;
import dev.seccheck.sink.TrailStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * ServerCommand is {@code seccheck server}: a monitoring server for gVisor's remote protocol that
 * prints every message it receives, from our remote sink or from real gVisor sandboxes.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Receive points from remote sinks (ours or gVisor's) and print one line per message.",
            "Listens on " + ServerCommand.DEFAULT_ENDPOINT + " unless --endpoint or --kafka says otherwise."},
        footer = {"", "Examples:",
            "  seccheck server --endpoint /tmp/s.sock                       # text, gVisor's example server style",
            "  seccheck server --endpoint /tmp/s.sock --format json | jq -c 'select(.point == \"syscall/connect/exit\")'",
            "", "With --format json each line is the text sink's JSON line (docs/json.md) plus client and dropped.",
            "Messages whose line could not be written (a full disk) are said once on stderr, counted in their",
            "connection's dropped=, and make the exit status 1. TERM ends the server with 143, QUIT with 131."})
final class ServerCommand implements Callable<Integer> {

    /** Where the server listens without --endpoint: gVisor's example server's default. */
    static final String DEFAULT_ENDPOINT = "/tmp/gvisor_events.sock";

    @Mixin
    EventInput input;

    /** The exit status of a server that could not write some messages' lines (a full disk). */
    static final int LOST_MESSAGES = 1;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "Output format: text (gVisor example server style) or json (one object per line).")
    String format;

    @Option(names = "--out", paramLabel = "FILE", description = "Append messages to FILE instead of writing them to stdout.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OutputFormat f = switch (format.toLowerCase(Locale.ROOT)) {
            case "text" -> OutputFormat.TEXT;
            case "json" -> OutputFormat.JSON;
            default -> throw new ParameterException(spec.commandLine(),
                    "--format: must be text or json, got \"" + format + "\"");
        };
        ServerLimits limits = input.limits();
        Optional<KafkaSource> fromKafka = input.kafka(System.err);
        // A line at a time, each write looked at: a full disk's failures are said and counted, and a
        // file is appended to, as the sinks' files are (a restarted server truncated the trail it had
        // written), each line whole or not at all.
        PrintStream sink = out == null
                ? new TrailStream(new FileOutputStream(java.io.FileDescriptor.out))
                : TrailStream.append(out.toString());
        PrintStream log = System.err;
        MessagePrinter printer = new MessagePrinter(f, sink, out == null ? "stdout" : out.toString(), log);
        EventServer server;
        if (fromKafka.isPresent()) {
            server = EventServer.start(fromKafka.get(), printer);
        } else {
            // Named before it listens: a run never connects a program to a process of this name
            // (a connect seccheck performs would pass the server's check on traced clients).
            RefusingServers.nameThisProcess(RefusingServers.SERVER).ifPresent(why -> log.println(
                    "seccheck server: warning: could not name this process " + RefusingServers.SERVER + " (" + why
                            + "): a supervised program whose connects seccheck performs could reach it"));
            server = EventServer.start(input.listenOn(Path.of(DEFAULT_ENDPOINT)), printer, limits);
        }
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            server.close();
            sink.flush();
            if (printer.unwritten() > 0) {
                // Ended by a signal: the status says that messages were lost, not the signal.
                log.flush();
                Runtime.getRuntime().halt(LOST_MESSAGES);
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        SignalForwarding.quitEndsAsTermDoes(CallerWorld.current());
        log.println(fromKafka.isPresent()
                ? "seccheck server: reading " + server.describe() + " (" + format.toLowerCase(Locale.ROOT) + ")"
                : "seccheck server: listening on " + input.endpointOr(Path.of(DEFAULT_ENDPOINT)) + " ("
                        + format.toLowerCase(Locale.ROOT) + ", " + input.limitOptions.describe(limits) + ")");
        server.awaitClose();
        return printer.unwritten() > 0 ? LOST_MESSAGES : 0;
    }
}
