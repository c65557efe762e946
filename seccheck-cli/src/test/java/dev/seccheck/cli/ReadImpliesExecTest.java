package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code personality(READ_IMPLIES_EXEC)} is refused (red team rt8, finding 2): with it the kernel
 * makes every {@code PROT_READ} mapping executable, so a library whose segments are marked
 * readable only was loaded by glibc's unmodified dlopen with no {@code PROT_EXEC} mmap, and the
 * README's allow-list pair never saw it: its code ran. Natively it runs; under seccheck it must not.
 * As root and as uid 65534.
 */
class ReadImpliesExecTest {

    /** dlopens argv[1] after personality(READ_IMPLIES_EXEC), saying what personality answered. */
    private static final String DLOPEN = """
            import ctypes, sys
            libc = ctypes.CDLL(None, use_errno=True)
            print("personality", libc.personality(0x0400000), ctypes.get_errno(), flush=True)
            ctypes.CDLL(sys.argv[1])
            print("dlopen returned", flush=True)
            """;

    @TempDir
    Path tmp;

    @Test
    void aLibraryMappedReadOnlyCannotBeMadeExecutableByThePersonality() throws Exception {
        readImpliesExec(tmp, null);
    }

    @Test
    void aLibraryMappedReadOnlyCannotBeMadeExecutableByThePersonalityUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        readImpliesExec(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private static void readImpliesExec(Path base, String nobodysClasspath) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3");
        Path dir = base.toRealPath();
        Path lib = CPrograms.compile("src/test/c/evil_constructor.c", dir, "-shared", "-fPIC");
        Path readOnly = Files.move(lib, dir.resolve("evil_r.so"));
        clearExecutableSegments(readOnly);
        Path script = Files.writeString(dir.resolve("rie_dlopen.py"), DLOPEN);
        List<String> command = List.of("/usr/bin/python3", script.toString(), readOnly.toString());

        PackagedCli.Result natively = PackagedCli.eitherWay(dir, nobodysClasspath, false, command, null);
        assertThat(natively.out()).as("natively: " + natively.err()).contains("EVIL CODE RAN");

        Path config = Files.writeString(dir.resolve("allow.json"), """
                {"name": "usr-only", "points": [{"name": "sentry/execve"}, {"name": "sentry/mmap"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": {"not": {"glob": "/usr/**"}}}, "action": "kill"},
                   {"point": "sentry/mmap", "match": {"mapped_path": {"not": {"glob": "/usr/**"}}}, "action": "kill"}],
                  "on_missing": "deny"}}]}""");
        PackagedCli.Result under = PackagedCli.eitherWay(dir, nobodysClasspath, true, command, config);
        assertThat(under.out()).as("under the allow list: " + under.err()).doesNotContain("EVIL CODE RAN")
                .contains("personality -1 1");
        assertThat(under.status()).isNotZero();
    }

    /** Clears PF_X in every PT_LOAD program header of the ELF64 file {@code elf}. */
    private static void clearExecutableSegments(Path elf) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(elf.toFile(), "rw")) {
            byte[] b = new byte[(int) f.length()];
            f.readFully(b);
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            long phoff = buf.getLong(0x20);
            int phentsize = Short.toUnsignedInt(buf.getShort(0x36));
            int phnum = Short.toUnsignedInt(buf.getShort(0x38));
            for (int i = 0; i < phnum; i++) {
                int at = (int) phoff + i * phentsize;
                if (buf.getInt(at) == 1) { // PT_LOAD
                    buf.putInt(at + 4, buf.getInt(at + 4) & ~1);
                }
            }
            f.seek(0);
            f.write(b);
        }
    }
}
