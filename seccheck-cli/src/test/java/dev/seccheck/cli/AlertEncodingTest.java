package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code log} rule's alerts tell different events apart. Before, a matched value was cut at 256
 * characters, so opens of two files in a long directory gave the same alert, and a list was
 * joined with ", ", so {@code rm -f "victim/keep, victim/x"} (which removes nothing) and
 * {@code rm -f victim/keep victim/x} logged the same argv. Both commands succeed natively.
 */
class AlertEncodingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void alertsOfDifferentEventsDiffer() throws Exception {
        alertsDiffer(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void alertsOfDifferentEventsDifferUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        alertsDiffer(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private void alertsDiffer(Path base, String nobodysClasspath) throws Exception {
        Path dir = Files.createDirectories(base.resolve("logged/" + "d".repeat(250)));
        Path harmless = Files.writeString(dir.resolve("harmless.txt"), "harmless\n");
        Path secret = Files.writeString(dir.resolve("secret-key!!"), "TOPSECRET\n");
        Path opens = Files.writeString(base.resolve("opens.json"), """
                {"name": "audit", "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "open_file", "match": {"resolved_path": {"prefix": "%s/logged/"}}, "action": "log"}]}}]}"""
                .formatted(base.resolve("opens.jsonl"), base));
        for (Path f : List.of(harmless, secret)) {
            assertThat(run(base, nobodysClasspath, null, "cat", f.toString()).out()).isEqualTo(Files.readString(f));
            ProcessResult r = run(base, nobodysClasspath, opens, "cat", f.toString());
            assertThat(r.out()).as(r.out()).isEqualTo(Files.readString(f));
        }
        List<JsonNode> openAlerts = alerts(base.resolve("opens.jsonl"));
        assertThat(openAlerts).extracting(a -> a.path("matched").path("resolved_path").asText())
                .containsExactly(harmless.toString(), secret.toString());

        Path execs = Files.writeString(base.resolve("execs.json"), """
                {"name": "audit", "points": [{"name": "sentry/execve", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"point": "sentry/execve", "match": {"argv": {"glob": "rm"}}, "action": "log"}]}}]}"""
                .formatted(base.resolve("execs.jsonl")));
        for (String rm : List.of("rm -f 'victim/keep, victim/x'", "rm -f victim/keep victim/x")) {
            assertThat(run(base, nobodysClasspath, null, "sh", "-c", rm).code()).isZero();
            assertThat(run(base, nobodysClasspath, execs, "sh", "-c", rm).code()).isZero();
        }
        assertThat(alerts(base.resolve("execs.jsonl"))).extracting(a -> a.path("matched").path("argv").toString())
                .containsExactly("[\"rm\",\"-f\",\"victim/keep, victim/x\"]", "[\"rm\",\"-f\",\"victim/keep\",\"victim/x\"]");
    }

    /** Runs {@code command} in {@code base}, natively when {@code config} is null, else under seccheck with it. */
    private static ProcessResult run(Path base, String nobodysClasspath, Path config, String... command) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (config != null) {
            cmd.addAll(nobodysClasspath != null ? PackagedCli.asNobody(nobodysClasspath)
                    : PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "--root", base.resolve("root").toString(), "--config", config.toString(), "--"));
        }
        cmd.addAll(List.of(command));
        return ProcessResult.of(nobodysClasspath != null && config == null ? PackagedCli.nobody(cmd.toArray(String[]::new))
                : cmd, base, 60);
    }

    private static List<JsonNode> alerts(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
