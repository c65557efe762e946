package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large sends on stream sockets, which seccheck makes in chunks of 64 KiB (under a session with a
 * connect point, which decides sendmsg and sendto with an address: {@code StreamChunks}), return
 * what the kernel's own return: a whole send's count over a unix stream and over TCP (MSG_MORE on
 * the program's send), a non-blocking send's part and EAGAIN, a signalled send's partial count and
 * a send whose reader closes (no SIGPIPE), a descriptor passed once with the first bytes, a send
 * running into unreadable memory, and EISCONN for an address on a connected stream. Where the
 * count a send stops short at is the kernel's buffers' to decide, the program prints only that it
 * is partial and what the reader got. The program is {@code src/test/c/stream_chunks.c}.
 */
class StreamChunksConformanceTest {

    private static final String PROGRAM = "src/test/c/stream_chunks.c";

    /** A session whose connect rule decides every send (sendmsg with or without an address). */
    private static final String SENDS = """
            {"name": "sends",
             "points": [{"name": "syscall/connect/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "no deny sockets", "effect": "connect_network", "match": {"unix_path": {"glob": "*/deny*"}},
                "action": "deny", "errno": "EACCES"}]}}]}""";

    @TempDir
    Path tmp;

    @Test
    void largeStreamSendsAnswerAsTheKernelDoes() throws Exception {
        Path program = CPrograms.compile(PROGRAM, tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), SENDS);
        List<String> command = List.of(program.toString());
        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, "native", null, false, command, config);
        PackagedCli.Result under = PackagedCli.nativeOrUnderSeccheck(tmp, "under", null, true, command, config);
        assertThat(natively.out()).contains("unix sendmsg of 1 MiB in three pieces: 1048576; received the count, intact",
                "fd passed with 1 MiB: received 1048576 bytes intact, 1 fd at byte 0, it works",
                "send to a reader that closes: a partial count, then -1 EPIPE", "MSG_DONTWAIT: fresh ",
                "sendto naming an address on a connected unix stream: -1 EISCONN");
        assertThat(under.out()).as("under seccheck: " + under.err()).isEqualTo(natively.out());
    }
}
