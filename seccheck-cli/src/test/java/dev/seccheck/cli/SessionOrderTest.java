package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A monitoring sink receives the attempts a policy before it denied or killed, wherever it is
 * listed: in a session after the policy's, or after the policy in the same session. Before,
 * delivery stopped at the denial, so the denied open and the killed exec, the events a monitor
 * most needs, left a trace only on the shared stderr. The program's open succeeds and its exec
 * runs natively, so the test cannot pass vacuously.
 */
class SessionOrderTest {

    /** The open the policy denies and the exec it kills; natively the first prints the secret and the second succeeds. */
    private static final String PROGRAM = "cat priv/secret; LD_PRELOAD=x /usr/bin/true; echo status=$?";

    @TempDir
    Path tmp;

    @Test
    void aMonitorAfterThePolicySeesTheDeniedOpenAndTheKilledExec() throws Exception {
        monitorSeesDenials(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aMonitorAfterThePolicySeesTheDeniedOpenAndTheKilledExecUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        monitorSeesDenials(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private void monitorSeesDenials(Path base, String nobodysClasspath) throws Exception {
        Files.createDirectory(base.resolve("priv"));
        Files.writeString(base.resolve("priv/secret"), "TOPSECRET\n");
        ProcessResult natively = ProcessResult.of(command(nobodysClasspath, base, List.of()), base, 60);
        assertThat(natively.out()).as(natively.out()).contains("TOPSECRET").contains("status=0");

        String policyPoints = """
                {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name", "cwd"]},
                {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]},
                {"name": "sentry/execve", "context_fields": ["process_name"]}""";
        String policy = """
                {"name": "policy", "config": {"rules": [
                  {"effect": "open_file", "match": {"resolved_path": {"prefix": "%s/priv/"}}, "action": "deny", "errno": "EACCES"},
                  {"point": "sentry/execve", "match": {"env": {"glob": "LD_PRELOAD=*"}}, "action": "kill"}]}}"""
                .formatted(base);
        Path separate = base.resolve("separate.txt");
        Path same = base.resolve("same.txt");
        Path guard = Files.writeString(base.resolve("guard.json"),
                "{\"name\": \"guard\", \"points\": [" + policyPoints + "], \"sinks\": [" + policy + "]}");
        Path monitor = Files.writeString(base.resolve("monitor.json"), """
                {"name": "monitor", "points": [
                  {"name": "syscall/openat/enter", "context_fields": ["process_name"]},
                  {"name": "sentry/execve", "context_fields": ["process_name"]}],
                 "sinks": [%s]}""".formatted(text(separate)));
        Path both = Files.writeString(base.resolve("both.json"),
                "{\"name\": \"both\", \"points\": [" + policyPoints + "], \"sinks\": [" + policy + ", " + text(same) + "]}");

        for (List<Path> configs : List.of(List.of(guard, monitor), List.of(both))) {
            ProcessResult r = ProcessResult.of(command(nobodysClasspath, base, configs), base, 60);
            assertThat(r.out()).as(r.out()).doesNotContain("TOPSECRET").contains("Permission denied").contains("status=137");
        }
        for (Path trail : List.of(separate, same)) {
            String seen = Files.readString(trail);
            assertThat(seen).as(trail + ": the denied open").contains("priv/secret\",\"flags\"");
            assertThat(seen).as(trail + ": the killed exec").contains("\"binary_path\":\"/usr/bin/true\"");
        }
    }

    /** A text sink writing JSON lines to {@code trail}. */
    private static String text(Path trail) {
        return "{\"name\": \"text\", \"config\": {\"path\": \"" + trail + "\", \"format\": \"json\"}}";
    }

    /** {@link #PROGRAM} natively when {@code configs} is empty, else under seccheck with their sessions. */
    private static List<String> command(String nobodysClasspath, Path base, List<Path> configs) {
        List<String> cmd = new ArrayList<>();
        if (!configs.isEmpty()) {
            cmd.addAll(nobodysClasspath != null ? PackagedCli.asNobody(nobodysClasspath)
                    : PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "--root", base.resolve("root").toString()));
            for (Path c : configs) {
                cmd.addAll(List.of("--config", c.toString()));
            }
            cmd.add("--");
        }
        cmd.addAll(List.of("sh", "-c", PROGRAM));
        return nobodysClasspath != null && configs.isEmpty() ? PackagedCli.nobody(cmd.toArray(String[]::new)) : cmd;
    }
}
