package dev.seccheck.bench;

import com.google.protobuf.Message;
import dev.seccheck.linux.PeerCredentials;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.remote.consumer.Connection;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.server.MessagePrinter;
import dev.seccheck.remote.server.OutputFormat;
import dev.seccheck.remote.wire.WireHeader;
import java.io.OutputStream;
import java.io.PrintStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/** Messages per second one core decodes (header + protobuf) and formats as the server prints them. */
public class ServerFormatBenchmark extends ThroughputBenchmark {

    @Param
    OutputFormat format;

    byte[] packet;
    MessagePrinter printer;
    Connection connection = new Connection(1, 1, new PeerCredentials(1, 0, 0));

    @Setup
    public void setup() {
        packet = RemoteSinkBenchmark.openPacket();
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        printer = new MessagePrinter(format, nowhere, nowhere);
    }

    @Benchmark
    public String decodeAndFormat() throws Exception {
        WireHeader h = WireHeader.decode(packet, packet.length);
        MessageType type = MessageType.forNumber(h.messageType());
        Message m = MessageTypes.parser(type).orElseThrow()
                .parseFrom(packet, h.headerSize(), packet.length - h.headerSize());
        return printer.format(new Event(connection, type, h.droppedCount(), m));
    }
}
