package dev.seccheck.cli;

import dev.seccheck.abi.Errno;
import dev.seccheck.kafka.source.KafkaSource;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.consumer.ServerLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * EventInput is where {@code server} and {@code tracereplay save} take events from: a socket they
 * listen on ({@code --endpoint}, with the limits of {@link ServerLimitOptions}) or the records of
 * kafka sinks in a topic ({@code --kafka} and its options). Preparing the socket path removes a
 * stale socket file and refuses a live one.
 */
final class EventInput {
    @Option(names = "--endpoint", paramLabel = "PATH", description = "Socket path to listen on.")
    Path endpoint;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    ServerLimitOptions limitOptions;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** Returns the limits on the sandboxes connecting to the socket, or a usage error naming the bad option and value. */
    ServerLimits limits() {
        return limitOptions.limits(mixee);
    }

    /** Returns the Kafka source {@code --kafka} asks for, or empty when the command is to listen on a socket. */
    Optional<KafkaSource> kafka(PrintStream log) {
        return kafka.source(mixee, log);
    }

    /** Like {@link #kafka}, for a command with no default socket: exactly one of --endpoint and --kafka is needed. */
    Optional<KafkaSource> kafkaOrEndpoint(PrintStream log) {
        Optional<KafkaSource> fromKafka = kafka(log);
        if (fromKafka.isPresent() == (endpoint != null)) {
            throw new ParameterException(mixee.commandLine(), "give either --endpoint PATH or --kafka BOOTSTRAP");
        }
        return fromKafka;
    }

    /** Returns the socket path: {@code --endpoint}, or {@code fallback} when it was not given. */
    Path endpointOr(Path fallback) {
        return endpoint != null ? endpoint : fallback;
    }

    /** Returns {@link #endpointOr} once it is free to listen on: a stale socket file there is removed. */
    Path listenOn(Path fallback) throws IOException {
        Path path = endpointOr(fallback);
        clearStale(path);
        return path;
    }

    private static void clearStale(Path endpoint) throws IOException {
        if (!Files.exists(endpoint, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (UnixSeqpacket _ = UnixSeqpacket.connect(endpoint)) {
            throw new IOException("another server is listening on " + endpoint);
        } catch (LinuxException e) {
            if (e.errno() != Errno.ECONNREFUSED && e.errno() != Errno.EAGAIN) {
                throw new IOException(endpoint + " exists and is not a stale socket: " + e.getMessage(), e);
            }
        }
        Files.delete(endpoint);
    }
}
