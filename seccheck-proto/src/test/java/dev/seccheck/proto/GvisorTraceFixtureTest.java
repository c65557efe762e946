package dev.seccheck.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Read;
import dev.seccheck.proto.syscall.Syscall;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decodes every message of a trace recorded from real gVisor ({@code runsc} running
 * {@code echo 123}) with our generated classes: proof that our schema's field numbers and types
 * match gVisor's. The file parsing is deliberately minimal; the real reader lives elsewhere.
 */
class GvisorTraceFixtureTest {

    private static final String FIXTURE = "gvisor-runsc-echo-123.trace";

    /** One packet of the trace: the 8-byte header's fields and the payload after it. */
    record Packet(int headerSize, MessageType type, long dropped, byte[] payload) {}

    private static String config;
    private static List<Packet> packets;

    /** The fixture sits in ../shared/fixtures beside the repository, found from this module's directory. */
    private static Path fixture() {
        return locate(Path.of(System.getProperty("user.dir")).toAbsolutePath());
    }

    static Path locate(Path moduleDir) {
        Path file = moduleDir.resolve("../../shared/fixtures/" + FIXTURE).normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("fixture not found: " + file + " (expected ../shared/fixtures/" + FIXTURE
                    + " relative to the repository root " + moduleDir.getParent() + ")");
        }
        return file;
    }

    @BeforeAll
    static void read() throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(fixture())).order(ByteOrder.LITTLE_ENDIAN);
        byte[] signature = new byte[16];
        buf.get(signature);
        assertThat(new String(signature, StandardCharsets.US_ASCII)).isEqualTo("tracereplay file");
        config = new String(sized(buf), StandardCharsets.UTF_8);
        packets = new ArrayList<>();
        while (buf.hasRemaining()) {
            ByteBuffer p = ByteBuffer.wrap(sized(buf)).order(ByteOrder.LITTLE_ENDIAN);
            int headerSize = Short.toUnsignedInt(p.getShort());
            int type = Short.toUnsignedInt(p.getShort());
            long dropped = Integer.toUnsignedLong(p.getInt());
            assertThat(headerSize).isBetween(8, p.capacity());
            byte[] payload = Arrays.copyOfRange(p.array(), headerSize, p.capacity());
            packets.add(new Packet(headerSize, MessageType.forNumber(type), dropped, payload));
        }
    }

    private static byte[] sized(ByteBuffer buf) {
        long size = buf.getLong();
        assertThat(size).as("record size").isBetween(0L, (long) Math.min(buf.remaining(), 1 << 20));
        byte[] b = new byte[(int) size];
        buf.get(b);
        return b;
    }

    private static Message decode(Packet p) throws InvalidProtocolBufferException {
        return switch (p.type()) {
            case MESSAGE_CONTAINER_START -> Start.parseFrom(p.payload());
            case MESSAGE_SYSCALL_OPEN -> Open.parseFrom(p.payload());
            case MESSAGE_SYSCALL_READ -> Read.parseFrom(p.payload());
            case MESSAGE_SYSCALL_RAW -> Syscall.parseFrom(p.payload());
            case MESSAGE_SENTRY_TASK_EXIT -> TaskExit.parseFrom(p.payload());
            case null, default -> throw new AssertionError("unexpected message type in the fixture: " + p.type());
        };
    }

    private List<Message> all(MessageType type) throws InvalidProtocolBufferException {
        List<Message> out = new ArrayList<>();
        for (Packet p : packets) {
            if (p.type() == type) {
                out.add(decode(p));
            }
        }
        return out;
    }

    @Test
    void aMissingFixtureNamesThePathItLookedFor(@TempDir Path dir) {
        Path module = dir.resolve("repo/seccheck-proto");
        assertThatThrownBy(() -> locate(module)).isInstanceOf(IllegalStateException.class)
                .hasMessage("fixture not found: " + dir.resolve("shared/fixtures/" + FIXTURE)
                        + " (expected ../shared/fixtures/" + FIXTURE + " relative to the repository root "
                        + dir.resolve("repo") + ")");
    }

    @Test
    void fileHasTheTracereplayConfigAndTenPacketsWithEightByteHeaders() {
        assertThat(config).isEqualTo("{\"version\":1}");
        assertThat(packets).hasSize(10);
        assertThat(packets).allSatisfy(p -> {
            assertThat(p.headerSize()).isEqualTo(8);
            assertThat(p.dropped()).isZero();
        });
        Map<MessageType, Integer> counts = new TreeMap<>();
        packets.forEach(p -> counts.merge(p.type(), 1, Integer::sum));
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of(
                MessageType.MESSAGE_CONTAINER_START, 1,
                MessageType.MESSAGE_SYSCALL_OPEN, 4,
                MessageType.MESSAGE_SYSCALL_READ, 2,
                MessageType.MESSAGE_SYSCALL_RAW, 2,
                MessageType.MESSAGE_SENTRY_TASK_EXIT, 1));
    }

    @Test
    void everyPayloadDecodesWithNoUnknownFieldsAndReencodesToTheSameBytes() throws Exception {
        for (Packet p : packets) {
            Message m = decode(p);
            assertThat(m.getUnknownFields().asMap()).as("unknown fields in %s", p.type()).isEmpty();
            assertThat(m.toByteArray()).as("re-encoded %s", p.type()).isEqualTo(p.payload());
        }
    }

    @Test
    void containerStartCarriesEchoAndItsArgument() throws Exception {
        Start start = (Start) all(MessageType.MESSAGE_CONTAINER_START).getFirst();
        assertThat(start.getArgsList()).containsExactly("echo", "123");
        assertThat(start.getId()).hasSize(64).matches("[0-9a-f]+");
        assertThat(start.getCwd()).isEqualTo("/");
    }

    @Test
    void opensAreOpenatEnterAndExitOfTheLoaderFiles() throws Exception {
        List<Open> opens = all(MessageType.MESSAGE_SYSCALL_OPEN).stream().map(Open.class::cast).toList();
        assertThat(opens).extracting(Open::getPathname).containsExactly(
                "/etc/ld.so.cache", "/etc/ld.so.cache",
                "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6");
        assertThat(opens).allSatisfy(o -> {
            assertThat(o.getSysno()).isEqualTo(257);
            assertThat(o.getFd()).as("AT_FDCWD").isEqualTo(-100);
            assertThat(o.getFlags()).as("O_CLOEXEC").isEqualTo(0x80000);
        });
        assertThat(opens).extracting(Open::hasExit).containsExactly(false, true, false, true);
        assertThat(opens.get(1).getExit().getResult()).isEqualTo(3);
    }

    @Test
    void readsCarryContextFdPathAndCount() throws Exception {
        List<Read> reads = all(MessageType.MESSAGE_SYSCALL_READ).stream().map(Read.class::cast).toList();
        assertThat(reads).hasSize(2);
        Read enter = reads.getFirst();
        assertThat(enter.getSysno()).isZero();
        assertThat(enter.getFd()).isEqualTo(3);
        assertThat(enter.getCount()).isEqualTo(832);
        assertThat(enter.getFdPath()).isEqualTo("/lib/x86_64-linux-gnu/libc-2.31.so");
        assertThat(enter.getContextData().getTimeNs()).isPositive();
        assertThat(enter.getContextData().getThreadId()).isEqualTo(1);
        assertThat(enter.getContextData().getContainerId()).hasSize(64);
        assertThat(reads.get(1).getExit().getResult()).isEqualTo(832);
    }

    @Test
    void rawSyscallsAreTheWriteOfOneTwoThreeAndTheTaskExitIsClean() throws Exception {
        List<Syscall> raw = all(MessageType.MESSAGE_SYSCALL_RAW).stream().map(Syscall.class::cast).toList();
        // write(1, buf, 4): echo writing "123\n" to stdout, enter then exit.
        assertThat(raw).extracting(Syscall::getSysno).containsExactly(1L, 1L);
        assertThat(raw).extracting(Syscall::getArg1).containsExactly(1L, 1L);
        assertThat(raw).extracting(Syscall::getArg3).containsExactly(4L, 4L);
        assertThat(raw).extracting(Syscall::hasExit).containsExactly(false, true);
        assertThat(raw.get(1).getExit().getResult()).isEqualTo(4);
        assertThat(raw.getFirst().getContextData().getContainerId()).hasSize(64);
        TaskExit exit = (TaskExit) all(MessageType.MESSAGE_SENTRY_TASK_EXIT).getFirst();
        assertThat(exit.getExitStatus()).isZero();
    }
}
