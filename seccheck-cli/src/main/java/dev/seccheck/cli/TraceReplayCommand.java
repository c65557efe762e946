package dev.seccheck.cli;

import dev.seccheck.kafka.source.KafkaSource;
import dev.seccheck.linux.CallerWorld;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.RefusingServers;
import dev.seccheck.remote.consumer.EventSource;
import dev.seccheck.remote.consumer.ServerLimits;
import dev.seccheck.remote.replay.Recorder;
import dev.seccheck.remote.replay.Replayer;
import dev.seccheck.remote.replay.TraceReader;
import dev.seccheck.remote.replay.TraceSaver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * TraceReplayCommand is {@code seccheck tracereplay}: record the packets sandboxes send into
 * gVisor trace files, and send a trace file to a monitoring server as a sandbox would.
 */
@Command(name = "tracereplay", mixinStandardHelpOptions = true,
        description = "Save remote-sink streams to trace files and replay them (gVisor's tracereplay format).",
        footer = {"", "Examples:",
            "  seccheck tracereplay save --endpoint /tmp/s.sock --out traces/",
            "  seccheck tracereplay replay --endpoint /tmp/gvisor_events.sock --in traces/client-0001"},
        subcommands = {TraceReplayCommand.Save.class, TraceReplayCommand.Replay.class})
final class TraceReplayCommand {

    /** {@code tracereplay save}: listen (or read a Kafka topic) and write one file per sandbox (run). */
    @Command(name = "save", mixinStandardHelpOptions = true,
            description = "Listen on PATH (or read a topic with --kafka) and write each sandbox's (run's) stream to "
                    + "DIR/client-NNNN.",
            footer = {"", "Examples:", "  seccheck tracereplay save --endpoint /tmp/s.sock --out traces/",
                "  seccheck tracereplay save --kafka 127.0.0.1:9092 --topic seccheck --from-beginning --out traces/"})
    static final class Save implements Callable<Integer> {
        @Mixin
        EventInput input;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the trace files.")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (out.toString().isEmpty()) {
                // Path.of("") is the current directory, which the command line did not name.
                throw new IllegalArgumentException("--out: needs a directory, got an empty path");
            }
            ServerLimits limits = input.limits();
            Optional<KafkaSource> fromKafka = input.kafkaOrEndpoint(System.err);
            TraceSaver saver = saver();
            if (fromKafka.isPresent()) {
                EventSource.Running source = fromKafka.get().start(saver, saver);
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(source::close));
                SignalForwarding.quitEndsAsTermDoes(CallerWorld.current());
                System.err.println("seccheck tracereplay save: reading " + source.describe() + ", writing to " + out);
                source.awaitClose();
                return 0;
            }
            // Named before it listens, as the server is: what it saves is replayed as a trail, and a
            // connect seccheck performs for a program would pass its check on traced clients.
            RefusingServers.nameThisProcess(RefusingServers.SERVER).ifPresent(why -> System.err.println(
                    "seccheck tracereplay save: warning: could not name this process " + RefusingServers.SERVER + " ("
                            + why + "): a supervised program whose connects seccheck performs could reach it"));
            Path endpoint = input.listenOn(null);
            Recorder recorder = Recorder.start(endpoint, saver, limits);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(recorder::close));
            SignalForwarding.quitEndsAsTermDoes(CallerWorld.current());
            System.err.println("seccheck tracereplay save: listening on " + endpoint + " (" + input.limitOptions.describe(limits)
                    + "), writing to " + out);
            recorder.awaitClose();
            return 0;
        }

        /** The saver writing into {@code --out}, checked before anything listens; errors name the directory. */
        private TraceSaver saver() throws IOException {
            try {
                return new TraceSaver(out, System.err);
            } catch (FileSystemException e) {
                String inside = e.getFile() == null || e.getFile().equals(out.toString()) ? "" : e.getFile() + ": ";
                throw new IOException(out + ": " + inside + why(e), e);
            }
        }
    }

    /** {@code tracereplay replay}: connect, handshake and send a file's messages. */
    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Connect to PATH as a sandbox and send the messages of a trace file in order.",
            footer = {"", "Example:", "  seccheck tracereplay replay --endpoint /tmp/s.sock --in traces/client-0001"})
    static final class Replay implements Callable<Integer> {
        @Option(names = "--endpoint", required = true, paramLabel = "PATH", description = "Server socket path.")
        Path endpoint;

        @Option(names = "--in", required = true, paramLabel = "FILE", description = "Trace file to send.")
        Path in;

        @Override
        public Integer call() throws Exception {
            Path socket = EventInput.nonEmpty(endpoint);
            int n;
            try (TraceReader trace = new TraceReader(Files.newInputStream(in))) {
                n = Replayer.replay(trace, socket);
            } catch (LinuxException e) {
                throw e; // the socket's: connect(PATH): ENOENT names the endpoint already
            } catch (FileSystemException e) {
                throw new IOException(in + ": " + why(e), e);
            } catch (IOException e) {
                // Every error about the file's content names the file: the operator may replay many.
                throw new IOException(in + ": " + e.getMessage(), e);
            }
            System.err.println("seccheck tracereplay replay: sent " + n + " messages from " + in + " to " + endpoint);
            return 0;
        }
    }

    /**
     * Says why a file could not be opened or made in words: the JDK's exceptions for the common
     * cases carry only the path, which the caller already names ("PATH: PATH").
     */
    static String why(FileSystemException e) {
        return switch (e) {
            case NoSuchFileException _ -> "no such file";
            case AccessDeniedException _ -> "permission denied";
            case java.nio.file.FileAlreadyExistsException _ -> "exists";
            case java.nio.file.NotDirectoryException _ -> "is not a directory";
            default -> e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
        };
    }
}
