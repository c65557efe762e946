package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The program of one run asks another run, "victim", to delete its deny policy with {@code seccheck
 * trace delete}, where the victim's control socket knew the asking run only from files the program
 * can change: its own {@code run.json}, which it spoils ({@code {}}) in the runtime directory both
 * runs share, or none at all, the asking run keeping its directory in another runtime directory
 * (root's {@code /run/seccheck} and a user's {@code /tmp/seccheck-UID} are two). The asking run's
 * session has no connect point, so the program's connect is its own and the victim sees it as the
 * client. Before, the policy was deleted in both cases and the victim read its secret, as root and
 * as uid 65534; now the request is refused by the kernel's word (the program is ptraced by a
 * process named {@code seccheck-run}), the policy stays, and the operator, outside any run, still
 * controls the victim, and the asking run unless its program spoiled that run's record (then the
 * operator finds no run of that id: the program hid its own run, which README "The runtime
 * directory" allows for, and nothing is refused).
 */
class ForeignRunControlTest {

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}, the asker in another runtime directory: {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void theProgramOfAnotherRunCannotDeleteAPolicy(boolean nobody, boolean otherRoot) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path kept = Files.createDirectory(tmp.resolve("kept"));
        Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path secret = Files.writeString(kept.resolve("secret.key"), "hunter2-the-secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Path rootV = runtimeDir(nobody, "root-v");
        Path rootA = otherRoot ? runtimeDir(nobody, "root-a") : rootV;
        Path guard = config("guard.json", """
                {"name": "guard",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""");
        Path watch = config("watch.json", """
                {"name": "watch", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");
        Path flags = Files.createDirectory(tmp.resolve("flags"));
        Files.setPosixFilePermissions(flags, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path go = flags.resolve("go");
        Path end = flags.resolve("end");
        Path asked = flags.resolve("asked");
        // Inside the run the program is already the run's user.
        String cli = String.join(" ", PackagedCli.java(PackagedCli.nobodyClasspath()));

        Process victim = start(nobody, rootV, "victim", guard, tmp.resolve("victim.out"), String.join("\n",
                "cat " + secret + "; echo first=$?",
                "while [ ! -e " + go + " ]; do /bin/sleep 0.05; done",
                "cat " + secret + "; echo second=$?",
                "while [ ! -e " + end + " ]; do /bin/sleep 0.05; done"));
        Process attacker = null;
        try {
            WorkloadControlTest.awaitServing(rootV.resolve("victim").resolve("control.sock"));
            attacker = start(nobody, rootA, "attacker", watch, tmp.resolve("attacker.out"), String.join("\n",
                    otherRoot ? "true" : "echo '{}' > " + rootA.resolve("attacker").resolve("run.json") + "; echo spoiled=$?",
                    cli + " trace delete --root " + rootV + " --name guard victim; echo delete=$?",
                    "touch " + asked,
                    "while [ ! -e " + end + " ]; do /bin/sleep 0.05; done"));
            Path attackerOut = tmp.resolve("attacker.out");
            PackagedCli.await("the attacker's request", Duration.ofSeconds(90), () -> Files.exists(asked));
            String said = Files.readString(attackerOut);

            assertThat(said).as(said).contains("delete=1").doesNotContain("deleted");
            assertThat(said).contains("seccheck trace delete: refused: the request comes from pid ")
                    .contains("a task supervised by another seccheck run");
            if (!otherRoot) {
                assertThat(said).contains("spoiled=0");
            }
            // The operator, in no run, still sees the policy, and controls both runs; debugging the
            // CLI with strace (another tracer than a run's) is no reason to refuse it.
            assertThat(operator(nobody, "trace", "list", "--root", rootV.toString(), "victim").out()).contains("\"guard\"");
            if (!otherRoot && Files.isExecutable(Path.of("/usr/bin/strace"))) {
                List<String> straced = new ArrayList<>(List.of("/usr/bin/strace", "-f", "-o", "/dev/null"));
                straced.addAll(PackagedCli.java(PackagedCli.nobodyClasspath()));
                straced.addAll(List.of("trace", "list", "--root", rootV.toString(), "victim"));
                PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(nobody
                        ? PackagedCli.nobody(straced.toArray(String[]::new)) : straced), tmp, Duration.ofSeconds(60));
                assertThat(r.out()).as(r.err()).contains("\"guard\"");
            }
            PackagedCli.Result listA = operator(nobody, "trace", "list", "--root", rootA.toString(), "attacker");
            if (otherRoot) {
                assertThat(listA.out()).as(listA.err()).contains("\"watch\"");
            } else {
                // The program spoiled its own run's record: the operator no longer finds that run by
                // its id (its own doing; nothing is refused), and still controls the victim.
                assertThat(listA.err()).contains("no run named \"attacker\"");
            }
            Files.writeString(go, "");
            PackagedCli.await("the victim's second read", Duration.ofSeconds(30),
                    () -> Files.readString(tmp.resolve("victim.out")).contains("second="));
            PackagedCli.Result delete = operator(nobody, "trace", "delete", "--root", rootV.toString(), "--name", "guard",
                    "victim");
            assertThat(delete.status()).as(delete.out() + delete.err()).isZero();
            if (otherRoot) {
                PackagedCli.Result deleteOwn = operator(nobody, "trace", "delete", "--root", rootA.toString(), "--name",
                        "watch", "attacker");
                assertThat(deleteOwn.status()).as(deleteOwn.out() + deleteOwn.err()).isZero();
            }
        } finally {
            Files.writeString(go, "");
            Files.writeString(end, "");
            for (Process p : attacker == null ? List.of(victim) : List.of(victim, attacker)) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        String run = Files.readString(tmp.resolve("victim.out"));
        assertThat(run).as(run).contains("first=1", "second=1").doesNotContain("hunter2");
        assertThat(run).contains("control socket: \"session_delete\" refused: the request comes from pid ");
    }

    /** A runtime directory of the user the runs run as. */
    private Path runtimeDir(boolean nobody, String name) throws Exception {
        return nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : tmp.resolve(name);
    }

    private Path config(String name, String json) throws Exception {
        Path p = Files.writeString(tmp.resolve(name), json);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        return p;
    }

    /** The command that starts the CLI, as uid 65534 when {@code nobody}. */
    private static List<String> cli(boolean nobody) {
        List<String> java = PackagedCli.java(PackagedCli.nobodyClasspath());
        return nobody ? PackagedCli.nobody(java.toArray(String[]::new)) : java;
    }

    /** Starts {@code seccheck run --id ID} of {@code sh -c script} under {@code config}, its output in {@code out}. */
    private static Process start(boolean nobody, Path root, String id, Path config, Path out, String script)
            throws Exception {
        List<String> cmd = new ArrayList<>(cli(nobody));
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", id, "--config", config.toString(), "--",
                "/bin/sh", "-c", script));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    /** The operator's {@code seccheck ARGS}, from outside any run, as uid 65534 when {@code nobody}. */
    private PackagedCli.Result operator(boolean nobody, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(cli(nobody));
        cmd.addAll(List.of(args));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(60));
    }
}
