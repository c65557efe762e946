package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Descriptors a program sends with an address (SCM_RIGHTS on a unix datagram socket: systemd's
 * notify socket, the journal's memfd for a large message) reach the receiver under seccheck, which
 * sends messages with an address for the program: it takes the same open files from the program
 * and names them in its own send. Before, every such message failed with EPERM. Messages without
 * an address are sent by seccheck too (a second thread could add one after seccheck read the
 * message, see EmulationTest), with their other ancillary data: a UDP datagram's TTL, refused
 * before when sent with an address. Credentials (SCM_CREDENTIALS) are refused, with an address or
 * without: the kernel checks them against the sender, seccheck.
 */
class PassedFdsTest {

    @TempDir
    Path tmp;

    private String run(boolean underSeccheck, Path script, Path dir) throws Exception {
        return PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck,
                List.of("/usr/bin/python3", script.toString(), Files.createDirectories(dir).toString())).out();
    }

    private Path script() throws Exception {
        Path script = tmp.resolve("passed_fds.py");
        try (InputStream in = PassedFdsTest.class.getResourceAsStream("passed_fds.py")) {
            Files.copy(in, script);
        }
        return script;
    }

    /** What the script prints natively, checked; and what it must print under seccheck. */
    private static String underSeccheckFor(String natively) {
        assertThat(natively).isEqualTo("""
                two fds -> two fds first+second
                two records -> two records one+other
                a closed fd -> Bad file descriptor
                credentials -> credentials\s
                no address, two fds -> no address, two fds a+b
                no address, credentials -> no address, credentials\s
                a TTL -> [7]
                """);
        return natively.replace("credentials -> credentials \n", "credentials -> Operation not permitted\n")
                .replace("no address, credentials -> no address, credentials \n",
                        "no address, credentials -> Operation not permitted\n");
    }

    @Test
    void theFilesReachTheReceiverAndCredentialsAreRefused() throws Exception {
        Path script = script();
        String natively = run(false, script, tmp.resolve("native"));
        assertThat(run(true, script, tmp.resolve("seccheck"))).isEqualTo(underSeccheckFor(natively));
    }

    /** seccheck and the program as uid 65534: seccheck takes the program's fds as the same user. */
    @Test
    void asAnUnprivilegedUserToo() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path script = script();
        String natively = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false,
                List.of("/usr/bin/python3", script.toString(), PackagedCli.nobodysDir(tmp.resolve("native")).toString())).out();
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true,
                List.of("/usr/bin/python3", script.toString(), PackagedCli.nobodysDir(tmp.resolve("seccheck")).toString())).out())
                .isEqualTo(underSeccheckFor(natively));
    }
}
