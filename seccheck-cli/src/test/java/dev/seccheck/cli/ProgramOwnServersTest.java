package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program reaches its own unix server under a session that decides at bind's points, where
 * seccheck makes every listen (the kernel records it as seccheck's, {@code seccheck-run}). Told
 * apart from the run's control socket by that mark alone, the program's client was refused with
 * EPERM (its write then EPIPE) and its server accepted an empty connection. The refusal of
 * seccheck's own servers stays (ProgramListenersTest, RemoteImpostorTest, WorkloadControlTest).
 */
class ProgramOwnServersTest {

    /** The red team's session: rules on an address nothing here uses, at connect's and bind's points. */
    private static final String BINDS = """
            {"name": "min", "points": [{"name": "syscall/connect/enter"}, {"name": "syscall/bind/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "connect_network", "match": {"family": "AF_INET", "ip": "10.255.255.1/32"}, "action": "deny"},
               {"effect": "bind_network", "match": {"family": "AF_INET", "ip": "10.255.255.1/32"}, "action": "deny"}]}}]}""";

    private static final String REACHED = "connect 0 \nwrite 2 \naccept made read 2 hi\n";

    @TempDir
    Path tmp;

    @Test
    void aProgramReachesItsOwnServerAtAPathAndAnAbstractName() throws Exception {
        serves(null);
    }

    /** The same with seccheck and its program as uid 65534. */
    @Test
    void aProgramReachesItsOwnServerAtAPathAndAnAbstractNameUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        serves(PackagedCli.nobodyClasspath());
    }

    /** Natively and under seccheck, the child's connect and write reach the server, which reads them. */
    private void serves(String nobody) throws Exception {
        Path program = CPrograms.compile("src/test/c/own_unix_server.c", tmp);
        Path config = Files.writeString(tmp.resolve("binds.json"), BINDS);
        Path dir = nobody == null ? Files.createDirectory(tmp.resolve("d")) : PackagedCli.nobodysDir(tmp.resolve("d"));
        for (boolean underSeccheck : new boolean[] {false, true}) {
            String where = underSeccheck ? "under seccheck" : "natively";
            for (String name : List.of(dir.resolve(underSeccheck ? "sc.sock" : "native.sock").toString(),
                    "@seccheck-own-" + ProcessHandle.current().pid() + (underSeccheck ? "-sc" : "-native"))) {
                List<String> cmd = List.of(program.toString(), name);
                PackagedCli.Result r = nobody != null
                        ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobody, underSeccheck, cmd, config)
                        : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd, config);
                assertThat(r.out()).as(where + " at " + name + ": " + r.err()).isEqualTo(REACHED);
            }
        }
    }
}
