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
import java.nio.file.NoSuchFileException;
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

    /**
     * Returns the Kafka source {@code --kafka} asks for, or empty when the command is to listen on
     * a socket; a usage error when both are given (one was silently ignored before).
     */
    Optional<KafkaSource> kafka(PrintStream log) {
        Optional<KafkaSource> fromKafka = kafka.source(mixee, log);
        if (fromKafka.isPresent() && endpoint != null) {
            throw new ParameterException(mixee.commandLine(), "give either --endpoint PATH or --kafka BOOTSTRAP, not both");
        }
        return fromKafka;
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
        Path path = nonEmpty(endpointOr(fallback));
        clearStale(path);
        return path;
    }

    /** Returns {@code endpoint}, or fails saying it is empty: {@code Path.of("")} is the working directory. */
    static Path nonEmpty(Path endpoint) throws IOException {
        if (endpoint.toString().isEmpty()) {
            throw new IOException("--endpoint: empty endpoint, give a socket path");
        }
        return endpoint;
    }

    /** S_IFMT and S_IFSOCK of stat(2)'s st_mode. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /**
     * Removes a socket file left at {@code endpoint} by a server that is gone, refusing anything
     * else. Only a socket is removed, looked at without following a link: connecting to a regular
     * file or a directory also fails with ECONNREFUSED, and taking that as proof of a stale socket
     * deleted whatever file or empty directory the operator (often root) named, or a program's
     * link planted there pointed the check elsewhere. Whoever could swap the socket for another
     * file between the look and the unlink can write to that directory, so could remove it too.
     */
    private static void clearStale(Path endpoint) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(endpoint, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(endpoint + " exists and is not a socket");
        }
        try (UnixSeqpacket _ = UnixSeqpacket.connect(endpoint)) {
            throw new IOException("another server is listening on " + endpoint);
        } catch (LinuxException e) {
            if (e.errno() != Errno.ECONNREFUSED && e.errno() != Errno.EAGAIN) {
                throw new IOException(endpoint + " is a socket seccheck cannot check is stale: " + e.getMessage(), e);
            }
        }
        Files.delete(endpoint);
    }
}
