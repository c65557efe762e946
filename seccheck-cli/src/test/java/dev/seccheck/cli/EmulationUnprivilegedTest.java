package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.cli.PackagedCli.Result;
import dev.seccheck.testing.Datagrams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Emulated opens, connects, sends and accepts answer exactly as the kernel does when seccheck itself runs
 * without privileges: the packaged CLI as uid 65534, with the README's guard policy (which makes
 * seccheck perform every open, connect and accept), runs the sentry's conformance program (some 670 calls
 * with varied flags, dirfds, modes, umasks, openat2 resolve flags, sockets), and its output is
 * compared line by line with the same program run natively as the same user. In the same run a
 * denied file stays unread, so the comparison is made with the policy enforcing. The policy says
 * {@code on_missing: allow}: with the default ({@code deny}) a call whose path or address cannot
 * be read (a bad pointer, an unknown dirfd) is refused with the rule's errno instead of the
 * kernel's, on purpose (FailClosedTest), and the program prints that difference.
 */
class EmulationUnprivilegedTest {

    @TempDir
    Path tmp;

    @Test
    void emulatedCallsAnswerAsTheKernelDoesForAnUnprivilegedSeccheck() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-sentry/src/test/c/conformance.c"),
                tmp.resolve("conformance"));
        Path secret = Files.writeString(tmp.resolve("secret.key"), "hunter2");
        Path config = Files.writeString(tmp.resolve("guard.json"), """
                {"name": "guard",
                 "points": [
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                   {"name": "syscall/connect/enter"}, {"name": "syscall/accept/enter"},
                   {"name": "syscall/accept4/enter"}],
                 "sinks": [{"name": "policy", "config": {"on_missing": "allow", "rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"},
                   {"point": "syscall/connect/enter",
                    "match": {"family": ["AF_INET", "AF_INET6"], "ip": ["127.0.0.0/8", "::1/128"]}, "action": "allow"},
                   {"point": "syscall/connect/enter", "match": {"family": {"not": ["AF_UNIX", "AF_NETLINK"]}},
                    "action": "deny", "errno": "ENETUNREACH"},
                   {"effect": "accept_network", "match": {"ip": ["127.0.0.0/8", "::1/128"]}, "action": "allow"},
                   {"effect": "accept_network", "match": {"family": {"not": ["AF_UNIX"]}},
                    "action": "deny", "errno": "ECONNABORTED"}]}}]}""");
        for (Path p : List.of(secret, config)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Path xdg = nobodysDir(tmp.resolve("xdg"));
        Path nativeDir = nobodysDir(tmp.resolve("n"));
        Path emulatedDir = nobodysDir(tmp.resolve("e"));

        Result natively = PackagedCli.run(new ProcessBuilder("setpriv", "--reuid=" + PackagedCli.NOBODY,
                "--regid=" + PackagedCli.NOBODY, "--clear-groups", "sh", "-c", "cd " + nativeDir + " && " + program),
                tmp, Duration.ofSeconds(120));
        ProcessBuilder run = new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "--config",
                config.toString(), "--", "sh", "-c", "cd " + emulatedDir + " && " + program + "; cat " + secret));
        run.environment().put("XDG_RUNTIME_DIR", xdg.toString());
        Result underSeccheck = PackagedCli.run(run, tmp, Duration.ofSeconds(180));

        assertThat(natively.status()).as(natively.err()).isZero();
        List<String> expected = natively.out().lines().toList();
        assertThat(expected).as("the conformance program's lines").hasSizeGreaterThan(600);
        assertThat(underSeccheck.out()).as("the secret is not read").doesNotContain("hunter2");
        assertThat(underSeccheck.err()).contains("Permission denied").contains("\"resolved_path\":\"" + secret + "\"");
        assertThat(underSeccheck.out().lines().toList()).containsExactlyElementsOf(expected);
    }

    /**
     * A program lying in the arguments of every call seccheck performs gets the kernel's answers
     * when both run as uid 65534 ({@code argument_fuzz.c}, as EmulationFuzzTest runs it as root): the
     * kernel's permission checks come in its order too. The policy holds links and renames (a rule
     * whose glob has no absolute start) without matching anything; the fuzzer keeps its directories
     * listable, since a rename of a tree seccheck cannot list is refused on purpose (docs/emulation.md).
     */
    @Test
    void liesInTheArgumentsGetTheKernelsAnswersForAnUnprivilegedSeccheck() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-sentry/src/test/c/argument_fuzz.c"),
                tmp.resolve("argument_fuzz"));
        Path config = Files.writeString(tmp.resolve("holds-names.json"), """
                {"name": "holds-names",
                 "points": [
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/open/enter"}, {"name": "syscall/creat/enter"},
                   {"name": "syscall/connect/enter", "context_fields": ["process_name"]}, {"name": "syscall/bind/enter"},
                   {"name": "syscall/accept4/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"point": "syscall/openat/enter", "match": {"pathname": "*.nosuch", "process_name": "no-such-program"},
                    "action": "deny"},
                   {"point": "syscall/connect/enter", "match": {"process_name": "no-such-program"}, "action": "deny"}]}}]}""");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Path xdg = nobodysDir(tmp.resolve("xdg"));
        for (int seed = 1; seed <= 4; seed++) {
            String fuzz = "cd %s && ARGUMENT_FUZZ_LISTABLE=1 exec " + program + " " + seed + " 2500";
            Path nativeDir = nobodysDir(tmp.resolve("n" + seed));
            Path emulatedDir = nobodysDir(tmp.resolve("e" + seed));
            Result natively = PackagedCli.run(new ProcessBuilder(PackagedCli.nobody("sh", "-c", fuzz.formatted(nativeDir))),
                    tmp, Duration.ofSeconds(120));
            ProcessBuilder run = new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "--config",
                    config.toString(), "--", "sh", "-c", fuzz.formatted(emulatedDir)));
            run.environment().put("XDG_RUNTIME_DIR", xdg.toString());
            Result underSeccheck = PackagedCli.run(run, tmp, Duration.ofSeconds(180));

            assertThat(natively.status()).as(natively.err()).isZero();
            List<String> expected = natively.out().lines().toList();
            assertThat(expected).as("seed %d natively", seed).hasSize(2501).endsWith("done");
            List<String> got = underSeccheck.out().lines().toList();
            for (int i = 0; i < expected.size(); i++) {
                assertThat(i).as("seed %d: seccheck's run ended early (%s); native line %d: %s", seed,
                        underSeccheck.err(), i, expected.get(i)).isLessThan(got.size());
                assertThat(got.get(i)).as("seed %d, call %d", seed, i).isEqualTo(expected.get(i));
            }
            assertThat(underSeccheck.err()).as("seed %d: seccheck's own errors", seed).doesNotContain("emulating");
        }
    }

    /**
     * The calls the guard holds for seccheck (signals, scheduling, signal owners, other processes'
     * memory and limits), with hostile arguments and targets, get the kernel's answers when both
     * run as uid 65534 ({@code guard_fuzz.c}, as GuardFuzzTest runs it as root): the kernel's
     * permission checks (EPERM, EACCES for a nice below the current one) come in its order too;
     * two of the seeds from a user and pid namespace of the program's own.
     */
    @Test
    void liesInTheArgumentsOfHeldCallsGetTheKernelsAnswersForAnUnprivilegedSeccheck() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-sentry/src/test/c/guard_fuzz.c"),
                tmp.resolve("guard_fuzz"));
        Path xdg = nobodysDir(tmp.resolve("xdg"));
        for (int seed = 1; seed <= 6; seed++) {
            // Seeds 5 and 6 from a user and pid namespace of the program's own, whose numbers seccheck translates.
            List<String> fuzz = new ArrayList<>(seed <= 4 ? List.of()
                    : List.of("unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"));
            // Not exec'd: as the namespace's first process, its group 1 would make kill(-group) a kill(-1).
            fuzz.addAll(List.of("sh", "-c", "'" + program + "' " + seed + " 2000"));
            Result natively = PackagedCli.run(new ProcessBuilder(PackagedCli.nobody(fuzz.toArray(String[]::new))), tmp,
                    Duration.ofSeconds(120));
            List<String> args = new ArrayList<>(List.of("run", "--quiet", "--"));
            args.addAll(fuzz);
            ProcessBuilder run = new ProcessBuilder(PackagedCli.asNobody(classpath, args.toArray(String[]::new)));
            run.environment().put("XDG_RUNTIME_DIR", xdg.toString());
            Result underSeccheck = PackagedCli.run(run, tmp, Duration.ofSeconds(180));

            assertThat(natively.status()).as(natively.err()).isZero();
            List<String> expected = natively.out().lines().toList();
            assertThat(expected).as("seed %d natively", seed).hasSize(2001).endsWith("done");
            assertThat(underSeccheck.out().lines().toList()).as("seed %d: %s", seed, underSeccheck.err())
                    .containsExactlyElementsOf(expected);
        }
    }

    /**
     * Source routes as uid 65534 ({@code route_fuzz.c}, as RouteFuzzTest runs it as root), in a user
     * and network namespace of the program's own, where it may set routes: of 3,000 IPv4 option
     * lists, every one the kernel keeps with a route natively (its readback says so) is refused
     * with EPERM, as a socket option and as a UDP message's options, and every other is answered
     * as natively (a TCP message's options are ignored by the kernel): seccheck's trial, on a socket in its
     * own namespaces where its thread lacks the program's CAP_NET_RAW, is made of the list as the
     * program's capability lets the kernel read it (IpOptions).
     */
    @Test
    void everyRouteTheKernelWouldKeepIsRefusedForAnUnprivilegedSeccheck() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-sentry/src/test/c/route_fuzz.c"),
                tmp.resolve("route_fuzz"));
        Path config = Files.writeString(tmp.resolve("connects.json"), """
                {"name": "connects", "points": [{"name": "syscall/connect/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"point": "syscall/connect/enter", "match": {"port": 1}, "action": "deny"}]}}]}""");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Path xdg = nobodysDir(tmp.resolve("xdg"));
        Result natively = PackagedCli.run(new ProcessBuilder(PackagedCli.nobody("unshare", "-rn", program.toString(),
                "1", "3000", "messages")), tmp, Duration.ofSeconds(120));
        ProcessBuilder run = new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "--config",
                config.toString(), "--", "unshare", "-rn", program.toString(), "1", "3000", "messages"));
        run.environment().put("XDG_RUNTIME_DIR", xdg.toString());
        Result underSeccheck = PackagedCli.run(run, tmp, Duration.ofSeconds(180));

        assertThat(natively.status()).as(natively.err()).isZero();
        List<String> expected = natively.out().lines().toList();
        List<String> got = underSeccheck.out().lines().toList();
        assertThat(expected).hasSize(3001);
        assertThat(got).as(underSeccheck.err()).hasSize(3001).endsWith("done: 0 routes");
        int routes = 0;
        for (int i = 0; i < 3000; i++) {
            String want = expected.get(i);
            if (want.contains(" = 0 route")) {
                routes++;
                want = want.replace(" = 0 route", " = EPERM");
                if (want.contains(" udp ")) {
                    want = want.replaceFirst(", message .*", ", message EPERM");
                }
            }
            assertThat(got.get(i)).as("call %d", i).isEqualTo(want);
        }
        assertThat(routes).as("routes the kernel kept natively").isGreaterThan(100);
        assertThat(underSeccheck.err()).contains("refused setsockopt from task");
    }

    /**
     * The races on a network rule, run with seccheck and the program as uid 65534 (EmulationTest
     * runs them in the test's JVM): a second thread adding a denied port's address to a message
     * after seccheck's read, and one swapping a UDP socket in under a netlink socket's number, for
     * a send and for a connect. Natively each reaches the port; under a policy denying it, none.
     */
    @Test
    void theRacesOnANetworkRuleAreLostByAnUnprivilegedProgram() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-sentry/src/test/c/hostile.c"),
                tmp.resolve("hostile"));
        Path xdg = nobodysDir(tmp.resolve("xdg"));
        try (java.net.DatagramSocket ok = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
             java.net.DatagramSocket bad = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            bad.setReceiveBufferSize(8 << 20);
            String port = Integer.toString(bad.getLocalPort());
            Path config = Files.writeString(tmp.resolve("port.json"), """
                    {"name": "port", "points": [{"name": "syscall/connect/enter"}],
                     "sinks": [{"name": "policy", "config": {"rules": [{"point": "syscall/connect/enter",
                       "match": {"port": %s}, "action": "deny", "errno": "EACCES"}]}}]}""".formatted(port));
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
            List<List<String>> races = List.of(
                    List.of("race-sendmsg-control", Integer.toString(ok.getLocalPort()), port, "20000"),
                    List.of("race-netlink-swap", "sendto", port, "20000"),
                    List.of("race-netlink-swap", "connect", port, "20000"));
            for (List<String> race : races) {
                List<String> cmd = new java.util.ArrayList<>(List.of(program.toString()));
                cmd.addAll(race);
                boolean connect = race.contains("connect");
                // A race's native half may lose every attempt of a run on a loaded machine: it is
                // given up to five runs to show that the route exists.
                int wins = 0;
                for (int attempt = 0; attempt < 5 && wins == 0; attempt++) {
                    Result natively = PackagedCli.run(
                            new ProcessBuilder(PackagedCli.nobody(cmd.toArray(String[]::new))), tmp,
                            Duration.ofSeconds(120));
                    assertThat(natively.status()).as(natively.err()).isZero();
                    wins = connect ? nativeWins(natively.out()) : Datagrams.drain(bad);
                }
                assertThat(wins).as(race + " natively, in five runs").isPositive();
                List<String> supervised = new java.util.ArrayList<>(PackagedCli.asNobody(classpath, "run", "--quiet",
                        "--config", config.toString(), "--"));
                supervised.addAll(cmd);
                ProcessBuilder run = new ProcessBuilder(supervised);
                run.environment().put("XDG_RUNTIME_DIR", xdg.toString());
                Result underSeccheck = PackagedCli.run(run, tmp, Duration.ofSeconds(180));
                assertThat(underSeccheck.status()).as(underSeccheck.err()).isZero();
                if (connect) {
                    assertThat(underSeccheck.out()).as(race + " under seccheck").startsWith("wins 0 of ");
                } else {
                    assertThat(Datagrams.drain(bad)).as(race + " under seccheck").isZero();
                }
            }
        }
    }

    /** The wins a race's connect reports ("wins N of M"). */
    private static int nativeWins(String out) {
        assertThat(out).startsWith("wins ");
        return Integer.parseInt(out.split(" ")[1]);
    }

    private static Path nobodysDir(Path dir) throws Exception {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
        return dir;
    }
}
