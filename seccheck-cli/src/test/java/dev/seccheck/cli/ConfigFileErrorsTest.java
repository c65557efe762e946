package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile or broken session files: each is refused with one line naming the file, what is wrong
 * and the limit, before anything runs (the program would leave a marker file), without a stack
 * trace and without filling memory.
 */
class ConfigFileErrorsTest {
    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    /** Runs with {@code config} and returns the error line; checks that the program never ran. */
    private String refused(Path config) {
        err.reset();
        Path marker = tmp.resolve("ran");
        int status = Main.execute("run", "--config", config.toString(), "--", "/bin/sh", "-c", "touch " + marker);
        List<String> lines = err.text().lines().toList();
        assertThat(status).isEqualTo(1);
        assertThat(marker).as("the program must not run").doesNotExist();
        assertThat(lines).as("one line, no stack trace").hasSize(1);
        return lines.getFirst();
    }

    /** Runs with {@code config} and returns what its error line says is wrong, after "seccheck run: --config FILE: ". */
    private String problemWith(Path config) {
        String line = refused(config);
        String prefix = "seccheck run: --config " + config + ": ";
        assertThat(line).startsWith(prefix);
        return line.substring(prefix.length());
    }

    private Path file(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    @Test
    void nestingDeeperThanTheLimit() throws IOException {
        assertThat(problemWith(file("deep.json", "[".repeat(1500) + "]".repeat(1500))))
                .isEqualTo("nesting deeper than 64 levels");
    }

    @Test
    void aStringLongerThanTheLimit() throws IOException {
        assertThat(problemWith(file("long.json", "{\"name\":\"" + "a".repeat(2_000_000) + "\"}")))
                .isEqualTo("a string longer than 1,048,576 characters");
    }

    @Test
    void aThirtyMillionCharacterStringIsAFileOverTheSizeLimit() throws IOException {
        assertThat(problemWith(file("huge.json", "{\"name\":\"" + "a".repeat(30_000_000) + "\"}")))
                .isEqualTo("larger than the 4,194,304-byte limit");
    }

    @Test
    void aNumberLongerThanTheLimit() throws IOException {
        assertThat(problemWith(file("number.json", "{\"name\":\"x\",\"options\":{\"execve_hash_cache_capacity\":" + "9".repeat(5000) + "}}")))
                .isEqualTo("a number longer than 64 characters");
    }

    @Test
    void devZeroIsStoppedAtTheSizeLimit() {
        assertThat(problemWith(Path.of("/dev/zero"))).isEqualTo("larger than the 4,194,304-byte limit");
    }

    @Test
    void invalidUtf8NamesTheByte() throws IOException {
        Path f = Files.write(tmp.resolve("latin1.json"), new byte[] {'{', '"', 'n', (byte) 0xe9, '"', ':', '1', '}'});
        assertThat(refused(f)).isEqualTo("seccheck run: --config " + f
                + ": not valid UTF-8 at byte 3 (session files are UTF-8 JSON)");
    }

    @Test
    void aDirectoryIsNamedAsOne() {
        assertThat(refused(tmp)).isEqualTo("seccheck run: --config " + tmp + ": is a directory, not a session file");
        err.reset();
        assertThat(Main.execute("trace", "create", "--config", tmp.toString(), "no-such-run")).isEqualTo(1);
        assertThat(err.text().lines().toList())
                .containsExactly("seccheck trace create: --config " + tmp + ": is a directory, not a session file");
    }

    @Test
    void twoDocumentsOrTrailingGarbageAreRefused() throws IOException {
        Path two = file("two.json", "{\"name\":\"a\"}\n{\"name\":\"b\"}\n");
        assertThat(refused(two)).isEqualTo("seccheck run: --config " + two
                + ": data after the end of the JSON document at line 2, column 1 (one session per file)");
        Path garbage = file("garbage.json", "{\"name\":\"a\"} trailing");
        assertThat(refused(garbage)).startsWith("seccheck run: --config " + garbage + ": ")
                .contains("trailing").contains("line 1");
    }

    @Test
    void twoUnnamedConfigsSayWhichFilesCollideAsDefault() throws IOException {
        String unnamed = "{\"points\": [{\"name\": \"sentry/execve\"}], \"sinks\": [{\"name\": \"null\"}]}";
        Path a = file("a.json", unnamed);
        Path b = file("b.json", unnamed);
        err.reset();
        assertThat(Main.execute("run", "--config", a.toString(), "--config", b.toString(), "--", "true")).isEqualTo(1);
        assertThat(err.text()).contains("--config " + b + ": session \"Default\" is already made by --config " + a)
                .contains("give each file its own name");
    }

    @Test
    void ignoreMissingWarnsOnceNamingWhatItSkipped() throws IOException {
        Path f = file("lenient.json", """
                {"name": "lenient", "ignore_missing": true,
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["no_such_field"]},
                            {"name": "sentry/no_such_point"}],
                 "sinks": [{"name": "null"}]}""");
        err.reset();
        assertThat(Main.execute("run", "--quiet", "--config", f.toString(), "--", "true")).isZero();
        List<String> warnings = err.text().lines().filter(l -> l.contains("ignore_missing")).toList();
        assertThat(warnings).containsExactly("seccheck: session \"lenient\": ignore_missing skipped what this build does "
                + "not know: optional field syscall/openat/enter.no_such_field, point sentry/no_such_point");
    }

    @Test
    void thePolicySinkTakesPathAndStillAlertsButNotBoth() throws IOException {
        Path alerts = tmp.resolve("alerts.jsonl");
        Path both = file("both.json", """
                {"points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"path": "stdout", "alerts": "stderr",
                   "rules": [{"point": "sentry/execve", "action": "log"}]}}]}""");
        assertThat(refused(both)).contains("sinks[0].config.alerts: is another name for \"path\": give only one of them");
        Path byPath = file("path.json", """
                {"points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"path": "%s",
                   "rules": [{"point": "sentry/execve", "action": "log"}]}}]}""".formatted(alerts));
        // The run's own program reports container/start, as gVisor's first process does: its child's exec is the point.
        assertThat(Main.execute("run", "--quiet", "--config", byPath.toString(), "--", "sh", "-c", "/bin/true; :")).isZero();
        assertThat(Files.readString(alerts)).contains("sentry/execve");
    }
}
