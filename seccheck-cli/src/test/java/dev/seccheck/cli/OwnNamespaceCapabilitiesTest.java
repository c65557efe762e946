package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program root in a user and network namespace of its own that lowered its capabilities keeps
 * them lowered in the calls seccheck makes for it. seccheck's thread takes the program's effective
 * uid, which made that user namespace, and the kernel gives a namespace's maker every capability
 * over it whatever its effective set: before, {@code dropped_caps_bind.c} with no capability left
 * bound port 80 of its network namespace under seccheck (natively EACCES), as root and as uid
 * 65534. The same program keeping CAP_NET_BIND_SERVICE binds both ways, so neither case passes by
 * refusing everything. Runs under a session deciding binds and opens (the uid_map is written
 * through an open seccheck makes).
 */
class OwnNamespaceCapabilitiesTest {

    @TempDir
    Path tmp;

    private static final String SESSION = """
            {"name":"binds","points":[{"name":"syscall/bind/enter"},
             {"name":"syscall/openat/enter","optional_fields":["fd_path"]},
             {"name":"syscall/open/enter","context_fields":["cwd"]},
             {"name":"syscall/creat/enter","context_fields":["cwd"]},{"name":"syscall/connect/enter"}],
             "sinks":[{"name":"policy","config":{"rules":[
               {"effect":"bind_network","match":{"port":9999},"action":"deny","errno":"EACCES"},
               {"effect":"open_file","match":{"resolved_path":{"prefix":"/nonexistent/"}},"action":"deny","errno":"EACCES"},
               {"effect":"connect_network","match":{"port":9998},"action":"deny","errno":"ECONNREFUSED"}]}}]}
            """;

    private static final String NATIVE = "drop EACCES\nkeep bound\n";

    @Test
    void aRootProgramWithoutCapabilitiesBindsNoLowPortInItsNamespace() throws Exception {
        Path program = CPrograms.compile("src/test/c/dropped_caps_bind.c", tmp);
        Path config = Files.writeString(tmp.resolve("binds.json"), SESSION);
        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, false, List.of(program.toString()));
        Assumptions.assumeFalse(natively.out().contains("nouserns"), "user namespaces are not allowed here");
        assertThat(natively.out()).isEqualTo(NATIVE);
        PackagedCli.Result under = PackagedCli.nativeOrUnderSeccheck(tmp, true, List.of(program.toString()), config);
        assertThat(under.out()).as(under.err()).isEqualTo(NATIVE);
    }

    @Test
    void soAsUid65534() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = CPrograms.compile("src/test/c/dropped_caps_bind.c", tmp);
        Path config = Files.writeString(tmp.resolve("binds.json"), SESSION);
        PackagedCli.Result natively = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false,
                List.of(program.toString()));
        Assumptions.assumeFalse(natively.out().contains("nouserns"), "user namespaces are not allowed here");
        assertThat(natively.out()).isEqualTo(NATIVE);
        PackagedCli.Result under = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true,
                List.of(program.toString()), config);
        assertThat(under.out()).as(under.err()).isEqualTo(NATIVE);
    }
}
