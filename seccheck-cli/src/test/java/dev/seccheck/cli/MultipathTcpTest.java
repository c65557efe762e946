package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An MPTCP connection opens subflows to addresses no connect names: in a network namespace of
 * the program's own (its CAP_NET_ADMIN there sets the path manager's limits and an endpoint
 * 127.0.0.2 to announce), a connection made to 127.0.0.1 had an established subflow to
 * 127.0.0.2:5000, which the policy denies, in 10 runs of 10 under seccheck, with no point fired.
 * Under the README's guard policy with a rule denying 127.0.0.2, no MPTCP socket is made now
 * (EPROTONOSUPPORT, as a kernel without MPTCP answers, and a line on the run's log), a TCP socket
 * still is, and the direct connect is denied as before. Natively first, as root ({@code unshare
 * -n}) and as uid 65534 ({@code unshare -rn}).
 */
class MultipathTcpTest {

    /** Sets up the namespace's path manager, connects over MPTCP, and says what it reached. */
    private static final String PROGRAM = String.join("\n",
            "import socket, subprocess, time",
            "for step in (['link', 'set', 'lo', 'up'], ['mptcp', 'limits', 'set', 'subflow', '4', 'add_addr_accepted', '4'],",
            "        ['mptcp', 'endpoint', 'add', '127.0.0.2', 'signal']):",
            "    subprocess.run(['ip'] + step, check=True)",
            "try:",
            "    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_CLOEXEC, 262)",
            "except OSError as e:",
            "    print('mptcp listener errno', e.errno)",
            "else:",
            "    srv.bind(('0.0.0.0', 5000)); srv.listen(5)",
            "    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)",
            "    c.connect(('127.0.0.1', 5000)); s, _ = srv.accept()",
            "    c.sendall(b'hello'); s.recv(10)",
            "    subflow = False",
            "    for _ in range(100):",
            "        subflow = any(l.split()[2] == '0200007F:1388' and l.split()[3] == '01'",
            "                      for l in open('/proc/net/tcp').readlines()[1:])",
            "        if subflow: break",
            "        time.sleep(0.02)",
            "    print('mptcp subflow to 127.0.0.2:', subflow)",
            "for name, family, kind, proto in [('v6-mptcp', socket.AF_INET6, socket.SOCK_STREAM | socket.SOCK_NONBLOCK, 262),",
            "        ('tcp', socket.AF_INET, socket.SOCK_STREAM, 0), ('raw-262', socket.AF_INET, socket.SOCK_RAW, 262)]:",
            "    try:",
            "        socket.socket(family, kind, proto).close(); print(name, 'made')",
            "    except OSError as e:",
            "        print(name, 'errno', e.errno)",
            "d = socket.socket()",
            "try:",
            "    d.connect(('127.0.0.2', 5000)); print('direct to 127.0.0.2: connected')",
            "except OSError as e:",
            "    print('direct to 127.0.0.2: errno', e.errno)");

    @TempDir
    Path tmp;

    @Test
    void noMptcpSubflowReachesADeniedAddress() throws Exception {
        subflows(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534), in a user namespace of its own. */
    @Test
    void noMptcpSubflowReachesADeniedAddressUnprivileged() throws Exception {
        subflows(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.forNobody(tmp));
    }

    private static void subflows(Path base, String nobodysClasspath) throws Exception {
        String policy = Policies.readmeGuard().replaceFirst("\\{\"effect\": \"connect_network\",",
                "{\"effect\": \"connect_network\", \"match\": {\"ip\": \"127.0.0.2/32\"}, \"action\": \"deny\","
                        + " \"errno\": \"EACCES\"},\n   $0");
        Path config = Files.writeString(base.resolve("guard.json"), policy);
        List<String> command = List.of("unshare", nobodysClasspath == null ? "-n" : "-rn", "/usr/bin/python3", "-c",
                PROGRAM);
        String natively = DeepPathsTest.run(base, nobodysClasspath, false, command, config);
        assumeThat(natively).as("natively: a kernel with MPTCP enabled").doesNotContain("mptcp listener errno");
        assertThat(natively).as("natively")
                .contains("mptcp subflow to 127.0.0.2: True", "v6-mptcp made", "tcp made", "direct to 127.0.0.2: connected");

        String guarded = DeepPathsTest.run(base, nobodysClasspath, true, command, config);
        assertThat(guarded).as("under seccheck").contains("mptcp listener errno 93", "v6-mptcp errno 93", "tcp made",
                "direct to 127.0.0.2: errno 13").doesNotContain("mptcp subflow to");
        assertThat(guarded).as("a raw socket of protocol 262, as natively")
                .contains(natively.lines().filter(l -> l.startsWith("raw-262")).findFirst().orElseThrow());
        assertThat(guarded.lines().filter(l -> l.startsWith("seccheck: refused socket from task")
                && l.contains("a Multipath TCP connection opens subflows"))).as(guarded).hasSize(2);
    }
}
