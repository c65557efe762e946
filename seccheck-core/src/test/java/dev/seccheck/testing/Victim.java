package dev.seccheck.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Victim is a process outside any run that holds "ORIGINAL" in its memory, for tests that try to
 * write into another process: it prints the string's address, and once a line comes in on its
 * stdin, what it holds then and ends. Every wait on it has a deadline of 30 s, past which it is
 * killed and the test fails.
 *
 * @param process the victim
 * @param address where it holds the string
 */
public record Victim(Process process, long address) {

    private static final String SCRIPT = """
            import ctypes, sys
            b = ctypes.create_string_buffer(b"ORIGINAL", 16)
            print(ctypes.addressof(b), flush=True)
            sys.stdin.readline()
            print(b.value.decode(), flush=True)
            """;

    /** Starts one, as {@code launcher} (a command prefix such as setpriv's, or none) runs it, and reads its address. */
    public static Victim start(List<String> launcher) throws Exception {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of("/usr/bin/python3", "-c", SCRIPT));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(30, TimeUnit.SECONDS);
            return new Victim(p, Long.parseLong(line.strip()));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** Its pid. */
    public long pid() {
        return process.pid();
    }

    /** Lets the victim print what it holds and end (within 30 s, else it is killed); returns that. */
    public String holds() throws Exception {
        try (OutputStream in = process.getOutputStream()) {
            in.write('\n');
        }
        boolean ended = process.waitFor(30, TimeUnit.SECONDS); // its one short line fits the pipe
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended).as("the victim ended").isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
