package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The strace-shaped options of seccheck run, end to end on real programs. */
class TraceOptionsTest {

    @RegisterExtension
    final CapturedOutput out = CapturedOutput.stdout();

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path tmp;

    private int run(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("run", "--root", tmp.resolve("root").toString(), "--quiet"));
        all.addAll(List.of(args));
        return Main.execute(all.toArray(String[]::new));
    }

    @Test
    void printConfigShowsTheSessionTheFlagsMake() throws Exception {
        assertThat(run("--print-config", "-e", "trace=%network,openat", "-o", "/tmp/x.log", "-s", "40", "-tt",
                "--comm", "curl")).isZero();
        JsonNode s = new ObjectMapper().readTree(out.text());
        assertThat(s.get("points").findValuesAsText("name")).contains("syscall/openat/enter", "syscall/openat/exit",
                "syscall/connect/enter", "syscall/socket/exit").doesNotContain("syscall/read/enter");
        JsonNode c = s.get("sinks").get(0).get("config");
        assertThat(c.get("path").asText()).isEqualTo("/tmp/x.log");
        assertThat(c.get("string_limit").asInt()).isEqualTo(40);
        assertThat(c.get("time").asText()).isEqualTo("us");
        assertThat(c.get("only_comms").get(0).asText()).isEqualTo("curl");
        out.reset();
        assertThat(run("--print-config")).isZero();
        assertThat(new ObjectMapper().readTree(out.text()).get("name").asText()).isEqualTo("Default");
    }

    @Test
    void traceOpenatToAFileShowsPathsResultsAndErrnoNames() throws Exception {
        Path log = tmp.resolve("t.log");
        Path file = Files.writeString(tmp.resolve("hello"), "hi\n");
        assertThat(run("-e", "trace=openat", "-o", log.toString(), "--", "sh", "-c",
                "cat " + file + " /nonexistent-x >/dev/null 2>&1; true")).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).anyMatch(l -> l.matches("\\d+ cat openat\\(AT_FDCWD, \"" + file + "\", O_RDONLY\\) = \\d+"));
        assertThat(lines).anyMatch(l -> l.matches(
                "\\d+ cat openat\\(AT_FDCWD, \"/nonexistent-x\", O_RDONLY\\) = -1 ENOENT \\(No such file or directory\\)"));
        assertThat(lines).allMatch(l -> l.contains("openat(") || l.contains("<... openat resumed>"));
    }

    @Test
    void combinedFlagsSelectCutTimeAndFormat() throws Exception {
        Path log = tmp.resolve("c.log");
        String longName = tmp.resolve("y".repeat(60)).toString();
        assertThat(run("-e", "%file", "-o", log.toString(), "-s", "20", "-tt", "-T", "--comm", "cat", "--path", tmp.toString(),
                "--", "sh", "-c", "cat " + longName + " 2>/dev/null; cat /etc/hostname >/dev/null; true")).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).isNotEmpty().allMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\d+ cat .*"));
        assertThat(lines).anyMatch(l -> l.contains("...(" + longName.length() + " bytes)") && l.matches(".* <\\d+\\.\\d{6}>$"));
        assertThat(lines).noneMatch(l -> l.contains("/etc/hostname"));

        Path json = tmp.resolve("j.log");
        assertThat(run("-e", "openat,sentry/task_exit", "--format", "json", "-o", json.toString(), "--", "cat", "/etc/hostname")).isZero();
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> objs = Files.readAllLines(json).stream().map(l -> {
            try {
                return m.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertThat(objs).anyMatch(o -> o.get("point").asText().equals("syscall/openat/exit")
                && o.get("fields").path("pathname").asText().equals("/etc/hostname")
                && o.get("fields").path("flags_names").asText().startsWith("O_RDONLY") && o.path("result").asInt() >= 0);
        assertThat(objs).anyMatch(o -> o.get("point").asText().equals("sentry/task_exit")
                && o.get("fields").path("exit_status_names").asText().equals("exited with 0"));
    }

    /**
     * A --pid or --comm no process can match selected nothing, silently: the run showed no line and
     * the user took the program for quiet. Now each is refused, saying why.
     */
    @Test
    void aSelectionNoProcessCanMatchIsRefused() {
        assertThat(run("--pid", "-5", "--", "/bin/true")).isEqualTo(1);
        assertThat(run("--comm", "", "--", "/bin/true")).isEqualTo(1);
        assertThat(run("--comm", "seccheck-spawner", "--", "/bin/true")).isEqualTo(1);
        assertThat(err.text()).contains("--pid: -5 is no process id", "--comm: empty name",
                "--comm: \"seccheck-spawner\" is longer than the 15 bytes of a process name");
    }
}
