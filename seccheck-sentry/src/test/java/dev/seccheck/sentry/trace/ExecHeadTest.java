package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link ExecHead} reads of a file an exec reaches: a script's line, a binary's ELF interpreter. */
class ExecHeadTest {
    @TempDir
    Path dir;

    private final PathCalls calls = new PathCalls();

    private ExecHead headOf(Path file) {
        int fd = calls.openat(Fcntl.AT_FDCWD, file.toString(), Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        assertThat(fd).as(file.toString()).isNotNegative();
        try {
            return ExecHead.of(calls, fd);
        } finally {
            PathCalls.close(fd);
        }
    }

    @Test
    void aScriptHasItsLineAndNoInterpreter() throws IOException {
        Path script = Files.writeString(dir.resolve("s"), "#! /bin/sh -e\necho hi\n");
        ExecHead head = headOf(script);
        assertThat(head.line()).isEqualTo(new ShebangLine.Line("/bin/sh", "-e"));
        assertThat(head.interpreter()).isEmpty();
        assertThat(head.stat().size()).isEqualTo(Files.size(script));
    }

    @Test
    void aSystemBinaryNamesItsLoaderAsItsOwnHeadersDo() throws IOException {
        Path bin = Path.of("/bin/true");
        ExecHead head = headOf(bin);
        assertThat(head.line()).isNull();
        int fd = calls.openat(Fcntl.AT_FDCWD, bin.toString(), Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        try {
            assertThat(head.interpreter()).isEqualTo(ExecutedFiles.interpreterOf(calls, fd).orElseThrow()).startsWith("/");
        } finally {
            PathCalls.close(fd);
        }
    }

    @Test
    void headersPastTheFirstKilobyteAreReadWhereTheyLie() throws IOException {
        // Program headers at 2,000 and the interpreter's name at 5,000: neither in the first read.
        Path far = Files.write(dir.resolve("far"), elf(2000, 5000, "/opt/far/ld.so"));
        assertThat(headOf(far).interpreter()).isEqualTo("/opt/far/ld.so");
        Path near = Files.write(dir.resolve("near"), elf(64, 200, "/opt/near/ld.so"));
        assertThat(headOf(near).interpreter()).isEqualTo("/opt/near/ld.so");
        Path cut = Files.write(dir.resolve("cut"), java.util.Arrays.copyOf(elf(2000, 5000, "/x"), 2010));
        assertThat(headOf(cut).interpreter()).as("program headers cut short").isEmpty();
    }

    @Test
    void offsetsNearTheLargestAFileCanNameAreNoInterpreter() throws IOException {
        // A program's own binary may say anything: an offset that overflows when a size is added
        // to it is a header that cannot be read, not an exception in the tracer.
        byte[] headers = elf(64, 200, "/opt/near/ld.so");
        ByteBuffer b = ByteBuffer.wrap(headers).order(ByteOrder.LITTLE_ENDIAN);
        Path farPhdrs = Files.write(dir.resolve("far-phdrs"), b.putLong(0x20, Long.MAX_VALUE - 8).array().clone());
        assertThat(headOf(farPhdrs).interpreter()).isEmpty();
        headers = elf(64, 200, "/opt/near/ld.so");
        b = ByteBuffer.wrap(headers).order(ByteOrder.LITTLE_ENDIAN);
        Path farName = Files.write(dir.resolve("far-name"), b.putLong(64 + 8, Long.MAX_VALUE - 4).array().clone());
        assertThat(headOf(farName).interpreter()).isEmpty();
    }

    @Test
    void whatIsNoRegularFileIsNotRead() {
        ExecHead head = headOf(dir);
        assertThat(head.line()).isNull();
        assertThat(head.interpreter()).isEmpty();
        assertThat(head.stat().isDirectory()).isTrue();
    }

    /** An ELF64 file with one program header, PT_INTERP, at {@code phoff}, naming {@code interp} at {@code at}. */
    private static byte[] elf(int phoff, int at, String interp) {
        byte[] name = (interp + "\0").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(at + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x464c457f).put(4, (byte) 2).putLong(0x20, phoff).putShort(0x36, (short) 56).putShort(0x38, (short) 1);
        b.putInt(phoff, 3).putLong(phoff + 8, at).putLong(phoff + 32, name.length);
        b.put(at, name);
        return b.array();
    }
}
