package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The command line as a user sees it: exit codes and what lands on stdout and stderr. */
class MainTest {

    @RegisterExtension
    final CapturedOutput out = CapturedOutput.stdout();
    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    private String out() {
        return out.text();
    }

    private String err() {
        return err.text();
    }

    @Test
    void metadataListsEveryPointThenEverySinkInRunscsFormat() {
        assertThat(Main.execute("metadata")).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("POINTS (998)");
        assertThat(lines.subList(1, 999)).allMatch(l -> l.matches(
                "Name: [a-z0-9_/]+, optional fields: \\[[a-z0-9_|]*\\], context fields: \\[[a-z_|]*\\]"));
        // runsc sorts the points by name and lists the context fields time|thread_id|... (ours last).
        List<String> names = lines.subList(1, 999).stream().map(l -> l.substring(6, l.indexOf(','))).toList();
        assertThat(names).isSorted();
        assertThat(lines).contains(
                "Name: container/start, optional fields: [env], context fields: [time|thread_id|task_start_time"
                        + "|group_id|thread_group_start_time|container_id|credentials|cwd|process_name"
                        + "|parent_thread_group_id|is_exec_session]",
                "Name: sentry/exit_notify_parent, optional fields: [], context fields: [time|thread_id"
                        + "|task_start_time|group_id|thread_group_start_time|container_id|credentials|process_name"
                        + "|parent_thread_group_id]",
                "Name: sentry/execve, optional fields: [binary_info|binary_sha256|binary_sha1|fd_info"
                        + "|pipe_proc_info], context fields: [time|thread_id|task_start_time|group_id"
                        + "|thread_group_start_time|container_id|credentials|cwd|process_name|parent_thread_group_id"
                        + "|is_exec_session]");
        assertThat(lines.stream().filter(l -> l.startsWith("Name: syscall/execveat/")))
                .allMatch(l -> l.contains("optional fields: [fd_path|envv]")).hasSize(2);
        assertThat(lines.get(999)).isEmpty();
        assertThat(lines.get(1000)).matches("SINKS \\(\\d+\\)");
        int sinks = Integer.parseInt(lines.get(1000).replaceAll("\\D", ""));
        List<String> sinkLines = lines.subList(1001, lines.size());
        assertThat(sinkLines.stream().filter(l -> l.startsWith("Name: "))).hasSize(sinks)
                .allMatch(l -> l.matches("Name: [a-z0-9_-]+"))
                .contains("Name: null", "Name: text", "Name: summary");
        // Each sink's config keys follow it, indented: the one destination key is path. Every sink
        // but null (which has none) lists its keys.
        for (int i = 0; i < sinkLines.size(); i++) {
            if (sinkLines.get(i).startsWith("Name: ") && !sinkLines.get(i).equals("Name: null")) {
                assertThat(i + 1 < sinkLines.size() && sinkLines.get(i + 1).startsWith("    "))
                        .as("keys of %s", sinkLines.get(i)).isTrue();
            }
        }
        assertThat(sinkLines).allMatch(l -> l.startsWith("Name: ") || l.matches("    [a-z_]+: .+"));
        assertThat(String.join("\n", sinkLines))
                .contains("Name: policy\n    rules: ")
                .contains("    path: where alerts go")
                .contains("Name: remote\n    endpoint: ")
                .contains("Name: kafka\n    bootstrap_servers: ")
                .containsPattern("Name: text\n    path: .*stderr.*stdout");
        assertThat(err()).isEmpty();
    }

    @Test
    void traceMetadataIsTheSameCommand() {
        assertThat(Main.execute("metadata")).isZero();
        String direct = out();
        out.reset();
        assertThat(Main.execute("trace", "metadata")).isZero();
        assertThat(out()).isEqualTo(direct);
    }

    @Test
    void metadataJsonHasEveryPointWithItsIdAndFields() throws Exception {
        assertThat(Main.execute("metadata", "--json")).isZero();
        JsonNode root = new ObjectMapper().readTree(out());
        assertThat(root.get("points")).hasSize(998);
        JsonNode openat = null;
        for (JsonNode p : root.get("points")) {
            if (p.get("name").asText().equals("syscall/openat/enter")) {
                openat = p;
            }
        }
        assertThat(openat).isNotNull();
        assertThat(openat.get("id").asInt()).isEqualTo(6 + 257 * 4);
        assertThat(openat.get("optional_fields")).extracting(JsonNode::asText).containsExactly("fd_path");
        assertThat(openat.get("context_fields")).hasSize(11);
        assertThat(root.get("sinks")).extracting(s -> s.get("name").asText()).contains("null", "text");
    }

    @Test
    void versionNamesTheProgram() {
        assertThat(Main.execute("--version")).isZero();
        assertThat(out()).startsWith("seccheck ").contains("Java ");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(Main.execute("--help")).isZero();
        assertThat(out()).contains("Usage: seccheck", "metadata", "trace");
    }

    /** Help texts are picocli format strings: a bare {@code %file} in one printed a warning and raw text. */
    @ParameterizedTest
    @ValueSource(strings = {"", "run", "exec", "metadata", "trace", "list", "server", "tracereplay", "completion"})
    void everyHelpFitsEightyColumnsWithoutAFormatWarning(String command) {
        String[] args = command.isEmpty() ? new String[] {"--help"} : new String[] {command, "--help"};
        assertThat(Main.execute(args)).isZero();
        assertThat(err()).doesNotContain("WARN");
        assertThat(out()).contains("Example").doesNotContain("%%");
        assertThat(out().lines()).allSatisfy(line -> assertThat(line.length()).as(line).isLessThanOrEqualTo(80));
    }

    @Test
    void aNamedCommandIsBuiltAloneAndAnythingElseBuildsThemAll() {
        assertThat(Main.commandsFor("run", "--", "/bin/true")).containsExactly(RunCommand.class);
        assertThat(Main.commandsFor("tracereplay", "save")).containsExactly(TraceReplayCommand.class);
        assertThat(Main.commandsFor()).isEqualTo(Main.COMMANDS);
        assertThat(Main.commandsFor("--help")).isEqualTo(Main.COMMANDS);
        assertThat(Main.commandsFor("--", "run")).isEqualTo(Main.COMMANDS);
        assertThat(Main.commandsFor("completion")).as("the script covers every command").isEqualTo(Main.COMMANDS);
    }

    @Test
    void aCommandBuiltAloneStillHasItsOwnHelpAndErrors() {
        assertThat(Main.execute("metadata", "--help")).isZero();
        assertThat(out()).contains("Usage: seccheck metadata");
        assertThat(Main.execute("run", "--frobnicate")).isEqualTo(2);
        assertThat(err()).contains("Unknown option: '--frobnicate'", "Usage: seccheck run");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(Main.execute("frobnicate")).isEqualTo(2);
        assertThat(err()).contains("Unmatched argument at index 0: 'frobnicate'");
        err.reset();
        assertThat(Main.execute("metadata", "--xml")).isEqualTo(2);
        assertThat(err()).contains("Unknown option: '--xml'");
        err.reset();
        assertThat(Main.execute()).isEqualTo(2);
        assertThat(err()).contains("a command is required");
        err.reset();
        assertThat(Main.execute("trace")).isEqualTo(2);
        assertThat(err()).contains("a trace command is required");
    }
}
