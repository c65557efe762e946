package dev.seccheck.remote.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.seccheck.proto.common.Handshake;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.PeerProcess;
import dev.seccheck.linux.Poll;
import dev.seccheck.linux.UnixSeqpacket;
import java.util.Arrays;
import java.util.Optional;

/**
 * Protocol holds the handshake rules of the remote protocol: each side sends one bare
 * {@code Handshake{version}} packet; a peer older than {@link #MIN_VERSION} is refused, a newer
 * one accepted (the newer side adapts).
 */
public final class Protocol {
    private Protocol() {}

    /** The version this implementation speaks. */
    public static final int VERSION = 1;
    /** The oldest peer version accepted. */
    public static final int MIN_VERSION = 1;
    /** Handshake buffer size; a handshake that fills it is refused, as gVisor does. */
    public static final int HANDSHAKE_BUFFER = 10_240;

    /** Returns our handshake packet. */
    public static byte[] handshake() {
        return Handshake.newBuilder().setVersion(VERSION).build().toByteArray();
    }

    /**
     * Decodes a peer's handshake packet of {@code length} bytes and checks its version.
     *
     * @return the peer's version
     * @throws MalformedPacketException naming what is wrong
     */
    public static int checkHandshake(byte[] buf, int length) throws MalformedPacketException {
        if (length >= HANDSHAKE_BUFFER) {
            throw new MalformedPacketException("handshake of " + length + " bytes is too long (limit "
                    + (HANDSHAKE_BUFFER - 1) + ")");
        }
        Handshake h;
        try {
            h = Handshake.parseFrom(Arrays.copyOf(buf, length));
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedPacketException("handshake is not a Handshake message: " + e.getMessage(), e);
        }
        long version = Integer.toUnsignedLong(h.getVersion());
        if (version < MIN_VERSION) {
            throw new MalformedPacketException("peer speaks version " + version + ", older than the minimum "
                    + MIN_VERSION);
        }
        return (int) version;
    }

    /** How long a side waits for the other's handshake. */
    public static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    /**
     * Does the connecting side's handshake on a fresh connection: sends ours, then waits for and
     * checks the server's. A server that is a supervised program is refused.
     *
     * @return the server's version
     */
    public static int clientHandshake(UnixSeqpacket socket) throws LinuxException, MalformedPacketException {
        return clientHandshake(socket, VERSION);
    }

    /**
     * As {@link #clientHandshake(UnixSeqpacket)}, announcing {@code version} (a replay announces its
     * file's). A server that is a supervised program ({@link TracedPeers}) is refused before
     * anything is sent to it.
     */
    public static int clientHandshake(UnixSeqpacket socket, int version) throws LinuxException, MalformedPacketException {
        try (PeerProcess server = socket.peerProcess()) {
            Optional<String> impostor = TracedPeers.refusedServer(server);
            if (impostor.isPresent()) {
                throw new MalformedPacketException(impostor.get());
            }
        }
        sendHandshake(socket, version);
        return receiveHandshake(socket, "server");
    }

    /**
     * Does the listening side's handshake on an accepted connection: checks the client's, then
     * answers with ours. A refused client gets no answer.
     *
     * @return the client's version
     */
    public static int serverHandshake(UnixSeqpacket socket) throws LinuxException, MalformedPacketException {
        int version = receiveHandshake(socket, "client");
        sendHandshake(socket);
        return version;
    }

    /** Sends our handshake packet without blocking; a full socket is an error (a fresh one never is). */
    public static void sendHandshake(UnixSeqpacket socket) throws LinuxException, MalformedPacketException {
        sendHandshake(socket, VERSION);
    }

    private static void sendHandshake(UnixSeqpacket socket, int version) throws LinuxException, MalformedPacketException {
        if (socket.send(Handshake.newBuilder().setVersion(version).build().toByteArray()) == UnixSeqpacket.WOULD_BLOCK) {
            throw new MalformedPacketException("cannot send the handshake: socket buffer full");
        }
    }

    private static int receiveHandshake(UnixSeqpacket socket, String peer)
            throws LinuxException, MalformedPacketException {
        int events = new Poll().poll(socket.fd(), Poll.POLLIN, HANDSHAKE_TIMEOUT_MILLIS);
        if (events == 0) {
            throw new MalformedPacketException("no handshake from the " + peer + " within "
                    + HANDSHAKE_TIMEOUT_MILLIS + " ms");
        }
        byte[] buf = new byte[HANDSHAKE_BUFFER];
        int n = socket.receive(buf);
        if (n == UnixSeqpacket.EOF) {
            throw new MalformedPacketException("the " + peer + " closed the connection during the handshake");
        }
        if (n == UnixSeqpacket.WOULD_BLOCK) {
            throw new MalformedPacketException("no handshake from the " + peer);
        }
        try {
            return checkHandshake(buf, n);
        } catch (MalformedPacketException e) {
            throw new MalformedPacketException(peer + " " + e.getMessage(), e);
        }
    }
}
