package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * ControlServer serves a run's control socket: one JSON request per connection, answered by a
 * {@link ControlHandler}. Only peers running as the same user as the run, or root, are served
 * (checked with SO_PEERCRED); anyone else is refused and logged. The socket file is 0600 inside
 * a 0700 directory.
 */
public final class ControlServer implements AutoCloseable {

    private final Path socket;
    private final ServerSocketChannel server;
    private final ControlHandler handler;
    private final Consumer<String> log;
    private final String owner;
    private final Thread acceptor;

    private ControlServer(Path socket, ServerSocketChannel server, ControlHandler handler, Consumer<String> log)
            throws IOException {
        this.socket = socket;
        this.server = server;
        this.handler = handler;
        this.log = log;
        this.owner = Files.getOwner(Path.of("/proc/self")).getName();
        this.acceptor = Thread.ofPlatform().daemon().name("seccheck-control").start(this::acceptLoop);
    }

    /** Binds the socket and starts serving. */
    public static ControlServer start(Path socket, ControlHandler handler, Consumer<String> log) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot serve control socket " + socket + ": " + e.getMessage(), e);
        }
        return new ControlServer(socket, server, handler, log);
    }

    /** Returns the socket's path. */
    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.accept("control socket: accept failed: " + e.getMessage());
                return;
            }
            Thread.ofVirtual().name("seccheck-control-request").start(() -> serve(ch));
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String user = peer.user().getName();
            if (!user.equals(owner) && !user.equals("root")) {
                log.accept("control socket: refused a request from user " + user + " (only " + owner + " and root may control this run)");
                Wire.send(ch, error("permission denied: this run belongs to " + owner));
                return;
            }
            JsonNode request = Wire.receive(ch);
            String op = request.path("op").asText("");
            ObjectNode reply;
            try {
                reply = handler.handle(op, request);
                reply.put("ok", true);
            } catch (ControlException e) {
                reply = error(e.getMessage());
            } catch (RuntimeException e) {
                log.accept("control request \"" + op + "\" failed: " + e);
                reply = error("internal error: " + e);
            }
            Wire.send(ch, reply);
        } catch (IOException e) {
            log.accept("control socket: " + e.getMessage());
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode n = Wire.JSON.createObjectNode();
        n.put("ok", false);
        n.put("error", message);
        return n;
    }

    /** Stops serving and removes the socket file. */
    @Override
    public void close() {
        try {
            server.close();
            acceptor.join(2000);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.accept("control socket: cannot remove " + socket + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
