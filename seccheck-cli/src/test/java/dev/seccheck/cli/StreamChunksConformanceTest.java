package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Large sends on stream sockets, which seccheck makes in chunks of 64 KiB (under a session with a
 * connect point, which decides sendmsg and sendto with an address: {@code StreamChunks}), return
 * what the kernel's own return: a whole send's count over a unix stream and over TCP (MSG_MORE on
 * the program's send), a non-blocking send's part and EAGAIN, a signalled send's partial count and
 * a send whose reader closes (no SIGPIPE), a descriptor passed once with the first bytes, a send
 * running into unreadable memory, and EISCONN for an address on a connected stream. Where the
 * count a send stops short at is the kernel's buffers' to decide, the program prints only that it
 * is partial and what the reader got. The program is {@code src/test/c/stream_chunks.c}; as root
 * and as uid 65534.
 */
class StreamChunksConformanceTest {

    private static final String PROGRAM = "src/test/c/stream_chunks.c";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void largeStreamSendsAnswerAsTheKernelDoes(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path program = CPrograms.compile(PROGRAM, tmp);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.SENDS);
        List<String> command = List.of(program.toString());
        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, "native", classpath, false, command, config);
        PackagedCli.Result under = PackagedCli.nativeOrUnderSeccheck(tmp, "under", classpath, true, command, config);
        assertThat(natively.out()).contains("unix sendmsg of 1 MiB in three pieces: 1048576; received the count, intact",
                "fd passed with 1 MiB: received 1048576 bytes intact, 1 fd at byte 0, it works",
                "send to a reader that closes: a partial count, then -1 EPIPE", "MSG_DONTWAIT: fresh ",
                "sendto naming an address on a connected unix stream: -1 EISCONN");
        assertThat(under.out()).as("under seccheck: " + under.err()).isEqualTo(natively.out());
    }
}
