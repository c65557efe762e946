package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program's RLIMIT_FSIZE holds for the truncate seccheck makes for it. The program sets a limit
 * of 1024 bytes and grows a file with truncate(2): natively the kernel refuses with EFBIG and
 * sends SIGXFSZ. seccheck made the truncate on its own thread, under its own limit (none): the
 * call returned 0, no signal came, and the file was a terabyte.
 */
class FileSizeLimitTest {

    /** What the program prints natively, and must print under seccheck: two refusals, two signals. */
    private static final String EXPECTED = """
            truncate 1099511627776: -1 EFBIG sigxfsz=1 size=0
            truncate 4096: -1 EFBIG sigxfsz=2 size=0
            truncate 1024: 0 ok sigxfsz=2 size=1024
            truncate 10: 0 ok sigxfsz=2 size=10
            """;

    /** A session whose rule decides on opening files: seccheck then makes every truncate by name. */
    private static final String NAMES = """
            {"name": "names", "points": [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/creat/enter", "context_fields": ["cwd"]},
                                         {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "no keys", "effect": "open_file", "match": {"resolved_path": {"glob": "*.key"}},
                "action": "deny", "errno": "EACCES"}]}}]}""";

    @TempDir
    Path tmp;

    @Test
    void aTruncatePastTheProgramsFileSizeLimitFailsWithEfbigAndSigxfsz() throws Exception {
        Path program = CPrograms.compile("src/test/c/truncate_limit.c", tmp);
        Path config = Files.writeString(tmp.resolve("names.json"), NAMES);
        List<String> command = List.of(program.toString(), tmp.resolve("grown").toString());
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, false, command).out()).isEqualTo(EXPECTED);
        assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, true, command, config).out()).isEqualTo(EXPECTED);
    }

    /** The same with seccheck and its program as uid 65534, which cannot raise its own hard limit back. */
    @Test
    void aTruncatePastTheProgramsFileSizeLimitFailsWithEfbigAndSigxfszUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = CPrograms.compile("src/test/c/truncate_limit.c", tmp);
        Path config = Files.writeString(tmp.resolve("names.json"), NAMES);
        Path dir = PackagedCli.nobodysDir(tmp.resolve("u"));
        List<String> command = List.of(program.toString(), dir.resolve("grown").toString());
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false, command).out()).isEqualTo(EXPECTED);
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true, command, config).out())
                .isEqualTo(EXPECTED);
    }
}
