package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fail closed (issue 9 item 3): a program hides the value a deny rule matches on from seccheck
 * (an unreadable path or address pointer, a path longer than PATH_MAX, a directory fd seccheck
 * cannot resolve) under {@code seccheck run} with a deny policy. By default the call is denied
 * with the rule's errno and an alert naming what was missing; {@code on_missing: allow} lets the
 * kernel answer as it would natively; {@code kill} kills the process. Each case runs as this user
 * and, through the packaged CLI, as uid 65534 (no CAP_SYS_PTRACE: what seccheck can read is then
 * what an ordinary user's seccheck can).
 */
class FailClosedTest {

    private static final List<String> ATTACKS = List.of("efault", "toolong", "badfd", "connect");

    @TempDir
    Path tmp;

    private Path program;

    @BeforeEach
    void compile() throws Exception {
        Path source = tmp.resolve("unreadable.c");
        try (InputStream in = FailClosedTest.class.getResourceAsStream("unreadable.c")) {
            Files.copy(in, source);
        }
        program = tmp.resolve("unreadable");
        Result cc = exec(List.of("gcc", "-O0", "-o", program.toString(), source.toString()));
        assertThat(cc.code()).as(cc.out()).isZero();
    }

    @Test
    void nativelyTheKernelRefusesEachWithItsOwnErrno() throws Exception {
        Result r = exec(command(program.toString()));
        assertThat(r.out()).contains("efault errno=14", "toolong errno=36", "badfd errno=9", "connect errno=14");
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void byDefaultEachIsDeniedWithTheRulesErrnoAndAnAlertNamingTheMissingField(boolean nobody) throws Exception {
        Result r = run(null, nobody);

        assertThat(r.out()).as(r.out()).contains("efault errno=13", "toolong errno=13", "badfd errno=13",
                "connect errno=111");
        assertThat(r.code()).as(r.out()).isZero();
        List<JsonNode> alerts = alerts();
        assertThat(alerts).extracting(a -> a.path("missing").asText()).containsExactly(
                "pathname (unreadable (EFAULT) at 0x8)",
                "pathname (longer than PATH_MAX at 0x" + hexOf(alerts.get(1)) + ")",
                "fd_path (fd 977: FD not found)",
                "address (unreadable (EFAULT) at 0x8)");
        assertThat(alerts).extracting(a -> a.path("action").asText()).containsOnly("deny");
        assertThat(alerts.get(3).path("errno").asText()).isEqualTo("ECONNREFUSED");
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void onMissingAllowLetsTheKernelAnswerAsNatively(boolean nobody) throws Exception {
        Result r = run("allow", nobody);

        assertThat(r.out()).as(r.out()).contains("efault errno=14", "toolong errno=36", "badfd errno=9",
                "connect errno=14");
        assertThat(alerts()).isEmpty();
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void onMissingKillKillsTheProcessThatHidTheValue(boolean nobody) throws Exception {
        Result r = run("kill", nobody);

        assertThat(r.out()).as(r.out()).contains("efault signal=9", "toolong signal=9", "badfd signal=9",
                "connect signal=9").doesNotContain("errno=");
        assertThat(alerts()).hasSize(4).extracting(a -> a.path("action").asText()).containsOnly("kill");
    }

    /** The address in a "longer than PATH_MAX at 0x..." reason: the heap's, not known in advance. */
    private static String hexOf(JsonNode alert) {
        String m = alert.path("missing").asText();
        return m.substring(m.lastIndexOf("0x") + 2, m.length() - 1);
    }

    /**
     * Runs the program under {@code seccheck run} with the policy: as this user, or as uid 65534
     * through the packaged CLI ({@link PackagedCli#run}; skipped unless this JVM is root).
     */
    private Result run(String onMissing, boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
            // seccheck as uid 65534 makes its runtime root and writes the alerts here.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Path config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "guard",
                 "points": [
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/connect/enter", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", %s "rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"},
                   {"point": "syscall/connect/enter", "match": {"port": 22}, "action": "deny", "errno": "ECONNREFUSED"}
                 ]}}]}""".formatted(tmp.resolve("alerts.jsonl"),
                onMissing == null ? "" : "\"on_missing\": \"" + onMissing + "\","));
        Files.deleteIfExists(tmp.resolve("alerts.jsonl"));
        Files.createFile(tmp.resolve("alerts.jsonl"));
        Files.setPosixFilePermissions(tmp.resolve("alerts.jsonl"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        return exec(PackagedCli.run(tmp, nobody, config, command(program.toString())));
    }

    private static List<String> command(String program) {
        List<String> cmd = new ArrayList<>(List.of(program));
        cmd.addAll(ATTACKS);
        return cmd;
    }

    private List<JsonNode> alerts() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("alerts.jsonl"))) {
            out.add(json.readTree(line));
        }
        return out;
    }

    private record Result(int code, String out) {}

    private Result exec(List<String> cmd) throws Exception {
        ProcessResult r = ProcessResult.of(cmd, tmp, 90);
        return new Result(r.code(), r.out());
    }
}
