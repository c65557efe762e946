package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.cli.PackagedCli.Result;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.remote.consumer.Event;
import dev.seccheck.remote.consumer.EventHandler;
import dev.seccheck.remote.consumer.EventServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace flags end to end, alone and combined: --summary alone and with --format, --pid,
 * --comm and --path selecting for every sink of every --config session (the remote one too),
 * --print-config with --summary, and the shell completion script bash can source.
 */
class TraceFlagsTest {

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @RegisterExtension
    final CapturedOutput out = CapturedOutput.stdout();

    @TempDir
    Path tmp;

    private int run(String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--root", tmp.resolve("root").toString(), "--quiet"));
        all.addAll(List.of(args));
        return Main.execute(all.toArray(String[]::new));
    }

    @Test
    void summaryAloneWritesOnlyTheTablesToStderrAtTheEnd() {
        assertThat(run("--summary", "--", "sh", "-c", "cat /etc/hostname /nonexistent-y 2>/dev/null; true")).isZero();
        List<String> lines = err.text().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("% time     seconds  usecs/call     calls    errors syscall");
        assertThat(lines).anyMatch(l -> l.matches(" *[\\d.]+ +[\\d.]+ +\\d+ +\\d+ +[1-9]\\d* openat"))
                .anyMatch(l -> l.endsWith(" process")).anyMatch(l -> l.matches(".* \\d+ cat$"))
                .noneMatch(l -> l.contains("openat("));
    }

    @Test
    void summaryWithFormatWritesTheLinesThenTheTablesToTheFile() throws Exception {
        Path log = tmp.resolve("both.txt");
        assertThat(run("--summary", "--format", "text", "-e", "openat", "-o", log.toString(), "--comm", "cat", "--",
                "sh", "-c", "cat /etc/hostname >/dev/null")).isZero();
        String text = Files.readString(log);
        assertThat(text).contains("cat openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY) = 3").contains("% time")
                .containsPattern("\\d+ cat\\n");
        assertThat(text.indexOf("% time")).isGreaterThan(text.indexOf("openat(AT_FDCWD, \"/etc/hostname\""));
        assertThat(text).doesNotContain(" sh ");
        assertThat(err.text()).isEmpty();
    }

    /**
     * The calls gVisor reports only as registers are printed as strace prints them: their paths read
     * from the program, descriptors, modes and flags by name, as many arguments as the call takes.
     */
    @Test
    void rawCallsShowTheirPathsAndFlagsAsStraceDoes() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim\nline"), "x");
        Path log = tmp.resolve("raw.txt");
        assertThat(run("-e", "chmod,fchmodat,unlink,unlinkat,access,faccessat,faccessat2,getpid", "-o", log.toString(), "--",
                "sh", "-c", "chmod 600 \"$1\"; rm \"$1\"; test -r /nonexistent-z; true", "sh", victim.toString()))
                .isZero();
        String text = Files.readString(log);
        String named = "\"" + tmp + "/victim\\nline\"";
        assertThat(text).contains("fchmodat(AT_FDCWD, " + named + ", 0600) = 0")
                .contains("unlinkat(AT_FDCWD, " + named + ", 0) = 0")
                .containsPattern("(faccessat2\\(AT_FDCWD, \"/nonexistent-z\", R_OK, AT_EACCESS\\)"
                        + "|access\\(\"/nonexistent-z\", R_OK\\)) = -1 ENOENT")
                .doesNotContain("0x0, 0x0");
        assertThat(victim).doesNotExist();
    }

    /**
     * A call the kernel makes as the program made it once its enter points allowed it (an O_PATH
     * open, a netlink bind) has no exit seccheck sees: its line ends at once with an unknown
     * result, as strace's does for a call whose exit it does not trace. Before, the line was left
     * open for good and ended "<unfinished ...>" at the next one.
     */
    @Test
    void aCallTheKernelMakesAsMadeEndsItsLineWithAnUnknownResult() throws Exception {
        Path log = tmp.resolve("asmade.txt");
        assertThat(run("-e", "openat,bind", "-o", log.toString(), "--", "/usr/bin/python3", "-c", AS_MADE)).isZero();
        assertEndedAtOnce(Files.readString(log));
    }

    /** The same lines with seccheck and the program run as uid 65534. */
    @Test
    void aCallTheKernelMakesAsMadeEndsItsLineWithAnUnknownResultUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path root = PackagedCli.nobodysDir(tmp.resolve("nobodys-root"));
        Result r = PackagedCli.run(new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "--root",
                root.toString(), "-e", "openat,bind", "--", "/usr/bin/python3", "-c", AS_MADE)), tmp,
                Duration.ofSeconds(120));
        assertThat(r.status()).as(r.err()).isZero();
        assertEndedAtOnce(r.err());
    }

    /** An O_PATH open and a netlink bind, which the kernel makes as made, then an open seccheck makes. */
    private static final String AS_MADE = "import os, socket\n"
            + "os.open('/etc', os.O_PATH)\n"
            + "socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0).bind((0, 0))\n"
            + "os.open('/etc/hostname', os.O_RDONLY)\n";

    private static void assertEndedAtOnce(String text) {
        assertThat(text).contains("openat(AT_FDCWD, \"/etc\", O_RDONLY|O_CLOEXEC|O_PATH) = ?\n")
                .containsPattern("bind\\(\\d+, \\{sa_family=AF_NETLINK\\}, 12\\) = \\?\n")
                .containsPattern("openat\\(AT_FDCWD, \"/etc/hostname\", O_RDONLY\\|O_CLOEXEC\\) = \\d+\n")
                .doesNotContain("unfinished");
    }

    /**
     * An executed program's environment is counted on its line, as strace counts an execve's
     * (it is long, and often holds secrets); {@code -v} shows it in full, as strace's does.
     */
    @Test
    void anExecsEnvironmentIsCountedUnlessVerbose() throws Exception {
        Path counted = tmp.resolve("counted.txt");
        Path verbose = tmp.resolve("verbose.txt");
        String[] program = {"--", "sh", "-c", "env -i SECCHECK_PROBE=visible /bin/true"};
        List<String> quiet = new ArrayList<>(List.of("-e", "sentry/execve", "-o", counted.toString()));
        quiet.addAll(List.of(program));
        assertThat(run(quiet.toArray(String[]::new))).isZero();
        List<String> loud = new ArrayList<>(List.of("-v", "-e", "sentry/execve", "-o", verbose.toString()));
        loud.addAll(List.of(program));
        assertThat(run(loud.toArray(String[]::new))).isZero();

        assertThat(Files.readString(counted)).contains("binary_path=\"/usr/bin/true\" argv=[\"/bin/true\"] env=[/* 1 vars */]")
                .doesNotContain("env=[\"");
        assertThat(Files.readString(verbose)).contains("env=[\"SECCHECK_PROBE=visible\"]");
    }

    /**
     * An open the kernel refuses for its flags alone (O_CREAT with O_DIRECTORY: EINVAL before the
     * path is read) is one whole line, as strace prints it. Before, seccheck failed it without its
     * enter points: the line was "<... openat resumed>) = -1 EINVAL", with no path.
     */
    @Test
    void anOpenRefusedForItsFlagsIsOneWholeLine() throws Exception {
        Path log = tmp.resolve("einval.txt");
        Path file = tmp.resolve("never-made");
        assertThat(run("-e", "openat", "-o", log.toString(), "--", "/usr/bin/python3", "-c",
                "import os\ntry:\n    os.open('" + file + "', os.O_CREAT | os.O_DIRECTORY, 0o644)\n"
                        + "except OSError as e:\n    assert e.errno == 22, e\n")).isZero();
        assertThat(Files.readString(log)).contains("openat(AT_FDCWD, \"" + file
                        + "\", O_RDONLY|O_CREAT|O_DIRECTORY|O_CLOEXEC, 0644) = -1 EINVAL (Invalid argument)\n")
                .doesNotContain("resumed");
        assertThat(file).doesNotExist();
    }

    /**
     * A send that names an address fires connect's points, openat2 openat's: each line names the
     * call the program made, and --summary counts it there, as strace -c does. Before, they read
     * connect(...) = 5 and openat(...), and -c counted four connects and three openats.
     */
    @Test
    void aCallReportedAtAnothersPointsIsNamedAndCountedAsTheCallMade() throws Exception {
        Path program = CPrograms.compile("../seccheck-sentry/src/test/c/sends.c", tmp);
        Path file = Files.writeString(tmp.resolve("opened"), "x");
        Path log = tmp.resolve("sends.txt");
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(peer.getLocalPort());
            assertThat(run("-e", "connect,openat", "-o", log.toString(), "--", program.toString(), port,
                    file.toString())).isZero();
            assertNamedAsMade(Files.readString(log), port, file);
            Path table = tmp.resolve("table.txt");
            String traced = "trace=sendto,sendmsg,sendmmsg,connect,openat2";
            assertThat(run("-c", "-e", traced, "-o", table.toString(), "--", program.toString(), port, file.toString()))
                    .isZero();
            List<String> rows = Files.readAllLines(table);
            for (String call : List.of("sendto 2", "sendmsg 1", "sendmmsg 1", "connect 1", "openat2 1")) {
                String[] c = call.split(" ");
                assertThat(rows).as(call).anyMatch(l -> l.matches(" *[\\d.]+ +[\\d.]+ +\\d+ +" + c[1] + " +" + c[0]));
            }
            // Seen at connect's points alone (the sendto without an address is not reported there), a
            // sendmmsg of two addressed messages is still one call.
            Path seenAtConnect = tmp.resolve("connect-table.txt");
            assertThat(run("-c", "-e", "trace=connect,openat", "-o", seenAtConnect.toString(), "--", program.toString(),
                    port, file.toString())).isZero();
            List<String> connectRows = Files.readAllLines(seenAtConnect);
            for (String call : List.of("sendto 1", "sendmsg 1", "sendmmsg 1", "connect 1", "openat2 1")) {
                String[] c = call.split(" ");
                assertThat(connectRows).as(call)
                        .anyMatch(l -> l.matches(" *[\\d.]+ +[\\d.]+ +\\d+ +" + c[1] + " +" + c[0]));
            }
        }
    }

    /** The same lines with seccheck and the program run as uid 65534. */
    @Test
    void aCallReportedAtAnothersPointsIsNamedAsTheCallMadeUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path program = CPrograms.compile("../seccheck-sentry/src/test/c/sends.c", tmp);
        Path file = Files.writeString(tmp.resolve("opened"), "x");
        Path root = PackagedCli.nobodysDir(tmp.resolve("nobodys-root"));
        try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(peer.getLocalPort());
            Result r = PackagedCli.run(new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "--root",
                    root.toString(), "-e", "connect,openat", "--", program.toString(), port, file.toString())), tmp,
                    Duration.ofSeconds(120));
            assertThat(r.status()).as(r.err()).isZero();
            assertNamedAsMade(r.err(), port, file);
        }
    }

    /** Asserts the lines sends.c's calls make under -e connect,openat, each named as the call made. */
    private static void assertNamedAsMade(String text, String port, Path file) {
        String at = "{sa_family=AF_INET, sin_port=htons(" + port + "), sin_addr=inet_addr(\"127.0.0.1\")}";
        assertThat(text).contains("sendto(3, ..., " + at + ", 16) = 5\n")
                .contains("sendmsg(3, {msg_name=" + at + ", msg_namelen=16, ...}, ...) = 5\n")
                .contains("connect(3, " + at + ", 16) = 0\n")
                .containsPattern("openat2\\(AT_FDCWD, \"" + file + "\", O_RDONLY\\|O_CLOEXEC\\) = \\d+\n");
    }

    @Test
    void printConfigWithSummaryShowsBothSinksSelectingAlike() {
        assertThat(run("--print-config", "--summary", "--format", "json", "--pid", "42", "-e", "%process")).isZero();
        assertThat(out.text()).contains("\"name\" : \"summary\"").contains("\"name\" : \"text\"")
                .contains("\"format\" : \"json\"");
        assertThat(out.text().split("\"only_pids\"", -1)).hasSize(3);
    }

    /** Collects the paths of the opens a remote sink sends. */
    static final class Opens implements EventHandler {
        final List<String> paths = new CopyOnWriteArrayList<>();

        @Override
        public void onOpen(Event e, Open m) {
            paths.add(m.getPathname());
        }
    }

    @Test
    void commAndPathSelectForEverySinkOfEveryConfigSessionTheRemoteOneToo() throws Exception {
        Path sock = tmp.resolve("s");
        Path jsonLog = tmp.resolve("j.log");
        Path remote = Files.writeString(tmp.resolve("remote.json"), """
                {"name": "r", "points": [{"name": "syscall/openat/enter", "context_fields": ["process_name", "group_id"]}],
                 "sinks": [{"name": "remote", "config": {"endpoint": "%s"}}]}""".formatted(sock));
        Path text = Files.writeString(tmp.resolve("text.json"), """
                {"name": "t", "points": [{"name": "syscall/openat/exit", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "json"}}]}""".formatted(jsonLog));
        Opens opens = new Opens();
        try (EventServer _ = EventServer.start(sock, opens)) {
            assertThat(run("--config", remote.toString(), "--config", text.toString(), "--comm", "cat", "--path", "/etc/host",
                    "--", "sh", "-c", "cat /etc/hostname /etc/passwd > /dev/null; : < /etc/hostname")).isZero();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (opens.paths.isEmpty() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(10_000_000);
            }
            LockSupport.parkNanos(200_000_000); // Time for a point that should not come, to come.
        }
        // Only cat's open of /etc/hostname: not cat's /etc/passwd, not the shell's /etc/hostname.
        assertThat(opens.paths).containsExactly("/etc/hostname");
        List<String> lines = Files.readAllLines(jsonLog);
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst()).contains("\"process_name\":\"cat\"").contains("\"pathname\":\"/etc/hostname\"");
    }

    @Test
    void aSelectionOnASessionLackingItsContextFieldIsRefusedNamingIt() throws Exception {
        Path bare = Files.writeString(tmp.resolve("bare.json"), """
                {"name": "bare", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");
        assertThat(run("--config", bare.toString(), "--pid", "1", "--", "true")).isNotZero();
        assertThat(err.text()).contains("session \"bare\": --pid selects by the context field group_id, which point "
                + "sentry/execve does not collect");
    }

    @Test
    void bashCanSourceTheCompletionScript() throws Exception {
        assertThat(Main.execute("completion")).isZero();
        Path script = Files.writeString(tmp.resolve("completion.bash"), out.text());
        Process p = new ProcessBuilder("bash", "-c", "source " + script + " && complete -p seccheck"
                + " && COMP_WORDS=(seccheck ru) COMP_CWORD=1 && _complete_seccheck && echo \"${COMPREPLY[@]}\"")
                .redirectErrorStream(true).start();
        String result = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(result).isZero();
        assertThat(result).contains("complete -o default -F _complete_seccheck seccheck").contains("run");
    }
}
