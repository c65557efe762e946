package dev.seccheck.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.testing.TestSinks;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionConfigParserTest {

    private final SessionConfigParser parser = new SessionConfigParser(Catalog.standard(),
            new SinkRegistry(List.of(new TestSinks("remote"), new TestSinks("null"))));

    private static final String GVISOR_EXAMPLE = """
            { "name": "Default",
              "points": [ { "name": "syscall/openat/enter",
                            "optional_fields": ["fd_path"],
                            "context_fields": ["group_id", "process_name"] } ],
              "sinks": [ { "name": "remote", "config": { "endpoint": "/tmp/gvisor_events.sock" },
                           "ignore_setup_error": false } ],
              "ignore_missing": false,
              "options": { "execve_hash_cache_capacity": 512 } }
            """;

    private static Point point(String name) {
        return Catalog.standard().byName(name).orElseThrow().point();
    }

    private SessionException error(String json) {
        try {
            parser.parse(json);
        } catch (SessionException e) {
            return e;
        }
        throw new AssertionError("no error for " + json);
    }

    @Test
    void parsesGvisorsExample() throws Exception {
        SessionConfig c = parser.parse(GVISOR_EXAMPLE);
        assertThat(c.name()).isEqualTo("Default");
        assertThat(c.points()).containsExactly(new PointReq(point("syscall/openat/enter"), new FieldSet(
                FieldMask.of(0), FieldMask.of(ContextField.GROUP_ID.id(), ContextField.PROCESS_NAME.id()))));
        assertThat(c.sinks()).hasSize(1);
        SinkSpec sink = c.sinks().getFirst();
        assertThat(sink.name()).isEqualTo("remote");
        assertThat(sink.ignoreSetupError()).isFalse();
        assertThat(sink.config().path()).isEqualTo("sinks[0].config");
        assertThat(sink.config().string("endpoint")).contains("/tmp/gvisor_events.sock");
        assertThat(c.options()).isEqualTo(new SessionOptions(512));
    }

    @Test
    void parsesTheTraceSessionWrapper() throws Exception {
        SessionConfig plain = parser.parse(GVISOR_EXAMPLE);
        SessionConfig wrapped = parser.parse("{\"trace_session\": " + GVISOR_EXAMPLE + "}");
        assertThat(wrapped.name()).isEqualTo(plain.name());
        assertThat(wrapped.points()).isEqualTo(plain.points());
        assertThat(wrapped.options()).isEqualTo(plain.options());
        assertThat(wrapped.sinks().getFirst().config().path()).isEqualTo("trace_session.sinks[0].config");
    }

    /** A plain session beside an empty wrapper ran the wrapper, and the plain session's deny rules were lost. */
    @Test
    void refusesAnyKeyBesideTheWrapper() {
        assertThat(error("{\"trace_session\": {\"name\": \"monitor\"}, \"sinks\": [{\"name\": \"null\"}]}"))
                .hasMessage("sinks: not allowed beside trace_session (a session file wrapped as "
                        + "{\"trace_session\": {...}} holds nothing else)");
        assertThat(error("{\"runtime\": \"runsc\", \"trace_session\": " + GVISOR_EXAMPLE + "}"))
                .hasMessageStartingWith("runtime: not allowed beside trace_session");
    }

    /** Jackson kept the last of two equal keys: a later "rules" or "action" replaced the deny silently. */
    @Test
    void refusesAKeyGivenTwiceNamingItsPath() {
        assertThat(error("{\"name\": \"a\", \"points\": [], \"name\": \"b\"}"))
                .hasMessage("name: key given twice in one object (the second would silently replace the first)");
        assertThat(error("""
                {"sinks": [{"name": "null", "config": {"rules": [{"action": "deny"}], "on_missing": "deny",
                                                         "rules": []}}]}"""))
                .hasMessage("sinks[0].config.rules: key given twice in one object (the second would silently "
                        + "replace the first)");
        assertThat(error("""
                {"sinks": [{"name": "null", "config": {"rules": [{"name": "x"},
                    {"action": "deny", "match": {"resolved_path": "/s"}, "action": "log"}]}}]}"""))
                .hasMessageStartingWith("sinks[0].config.rules[1].action: key given twice");
        assertThat(error("{\"trace_session\": {\"points\": [{\"name\": \"sentry/execve\", \"name\": \"x\"}]}}"))
                .hasMessageStartingWith("trace_session.points[0].name: key given twice");
    }

    /** A null list of points or sinks read as none: a session that checked nothing. */
    @Test
    void refusesNullPointsAndSinks() {
        assertThat(error("{\"points\": null}"))
                .hasMessage("points: must be a JSON array, got null (leave the key out for none)");
        assertThat(error("{\"trace_session\": {\"sinks\": null}}"))
                .hasMessage("trace_session.sinks: must be a JSON array, got null (leave the key out for none)");
    }

    @Test
    void errorsInsideTheWrapperNameTheFullPath() {
        assertThat(error("{\"trace_session\": {\"points\": [{\"name\": \"nope\"}]}}"))
                .hasMessage("trace_session.points[0].name: unknown point \"nope\"");
        assertThat(error("{\"trace_session\": [1]}"))
                .hasMessage("trace_session: a session must be a JSON object, got [1]");
    }

    @Test
    void defaultsApplyWhenKeysAreAbsent() throws Exception {
        SessionConfig c = parser.parse("{}");
        assertThat(c.name()).isEqualTo(SessionConfigParser.DEFAULT_NAME).isEqualTo("Default");
        assertThat(c.points()).isEmpty();
        assertThat(c.sinks()).isEmpty();
        assertThat(c.options()).isEqualTo(SessionOptions.DEFAULT);
        assertThat(SessionOptions.DEFAULT.execveHashCacheCapacity()).isEqualTo(512);
        SessionConfig p = parser.parse("{\"points\": [{\"name\": \"sentry/execve\"}], \"sinks\": [{\"name\": \"null\"}]}");
        assertThat(p.points().getFirst().fields()).isEqualTo(FieldSet.EMPTY);
        assertThat(p.sinks().getFirst().config().keys()).isEmpty();
        assertThat(p.sinks().getFirst().config().path()).isEqualTo("sinks[0].config");
    }

    @Test
    void readsOptionsAndIgnoreSetupError() throws Exception {
        SessionConfig c = parser.parse("""
                {"name": "s", "options": {"execve_hash_cache_capacity": 0},
                 "sinks": [{"name": "null", "ignore_setup_error": true}, {"name": "remote"}]}""");
        assertThat(c.options().execveHashCacheCapacity()).isZero();
        assertThat(c.options().allowPtrace()).isFalse();
        assertThat(parser.parse("{\"name\": \"p\", \"options\": {\"allow_ptrace\": true}}").options().allowPtrace()).isTrue();
        assertThat(c.options().locked()).isFalse();
        assertThat(parser.parse("{\"name\": \"l\", \"options\": {\"locked\": true}}").options().locked()).isTrue();
        assertThat(c.sinks()).extracting(SinkSpec::ignoreSetupError).containsExactly(true, false);
        assertThat(c.sinks()).extracting(SinkSpec::name).containsExactly("null", "remote");
    }

    @Test
    void ignoreMissingSkipsUnknownPointsAndFieldsButNotSinks() throws Exception {
        SessionConfig c = parser.parse("""
                {"ignore_missing": true,
                 "points": [{"name": "syscall/frobnicate/enter"},
                            {"name": "syscall/openat/enter", "optional_fields": ["fd_path", "envv"],
                             "context_fields": ["pid", "time"]},
                            {"name": "sentry/exit_notify_parent", "context_fields": ["cwd", "thread_id"]}]}""");
        assertThat(c.points()).containsExactly(
                new PointReq(point("syscall/openat/enter"),
                        new FieldSet(FieldMask.of(0), FieldMask.of(ContextField.TIME.id()))),
                new PointReq(Point.EXIT_NOTIFY_PARENT,
                        new FieldSet(FieldMask.EMPTY, FieldMask.of(ContextField.THREAD_ID.id()))));
        assertThat(error("{\"ignore_missing\": true, \"sinks\": [{\"name\": \"kafka\"}]}"))
                .hasMessage("sinks[0].name: unknown sink \"kafka\" (known: null, remote)");
    }

    @Test
    void theIssuesExampleMessage() {
        assertThat(error("""
                {"points": [{"name": "sentry/clone"}, {"name": "sentry/execve"}, {"name": "container/start"},
                            {"name": "syscall/openat/enter", "context_fields": ["time", "pid"]}]}"""))
                .hasMessage("points[3].context_fields[1]: unknown context field \"pid\" for point \"syscall/openat/enter\"");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"points": [{"name": "syscall/openat/entr"}]} | points[0].name: unknown point "syscall/openat/entr"
            {"points": [{"name": "syscall/open/enter", "optional_fields": ["fd_path"]}]} | points[0].optional_fields[0]: unknown optional field "fd_path" for point "syscall/open/enter"
            {"points": [{"name": "sentry/exit_notify_parent", "context_fields": ["time", "cwd"]}]} | points[0].context_fields[1]: unknown context field "cwd" for point "sentry/exit_notify_parent"
            {"points": [{"name": "sentry/execve", "optional_fields": ["binary_info", 3]}]} | points[0].optional_fields[1]: a field name must be a string, got 3
            {"points": [{"name": "sentry/execve", "optional_fields": "binary_info"}]} | points[0].optional_fields: must be a JSON array, got "binary_info"
            {"points": [{"name": "sentry/execve"}, {"name": "sentry/execve"}]} | points[1].name: point "sentry/execve" is already listed at points[0]
            {"points": [{"optional_fields": []}]} | points[0].name: is required
            {"points": [{"name": 7}]} | points[0].name: must be a string, got 7
            {"points": ["sentry/execve"]} | points[0]: a point must be a JSON object, got "sentry/execve"
            {"points": [{"name": "sentry/execve", "fields": []}]} | points[0].fields: unknown key (known: context_fields, name, optional_fields)
            {"points": {"name": "sentry/execve"}} | points: must be a JSON array, got {"name":"sentry/execve"}
            {"sinks": [{"name": "kafka"}]} | sinks[0].name: unknown sink "kafka" (known: null, remote)
            {"sinks": [{"config": {}}]} | sinks[0].name: is required
            {"sinks": [{"name": "null", "config": "x"}]} | sinks[0].config: must be a JSON object, got "x"
            {"sinks": [{"name": "null", "ignore_setup_error": "yes"}]} | sinks[0].ignore_setup_error: must be true or false, got "yes"
            {"sinks": [{"name": "null", "retries": 3}]} | sinks[0].retries: unknown key (known: config, ignore_setup_error, name)
            {"sinks": [7]} | sinks[0]: a sink must be a JSON object, got 7
            {"name": ""} | name: must not be empty
            {"name": 5} | name: must be a string, got 5
            {"ignore_missing": 1} | ignore_missing: must be true or false, got 1
            {"options": {"execve_hash_cache_capacity": -1}} | options.execve_hash_cache_capacity: must be a whole number >= 0, got -1
            {"options": {"execve_hash_cache_capacity": 1.5}} | options.execve_hash_cache_capacity: must be a whole number >= 0, got 1.5
            {"options": {"execve_hash_cache_capacity": "512"}} | options.execve_hash_cache_capacity: must be a whole number >= 0, got "512"
            {"options": {"execve_hash_cache_capacity": 99999999999}} | options.execve_hash_cache_capacity: must be a whole number >= 0, got 99999999999
            {"options": {"cache": 1}} | options.cache: unknown key (known: allow_ptrace, execve_hash_cache_capacity, locked)
            {"options": {"locked": "yes"}} | options.locked: must be true or false, got "yes"
            {"options": {"allow_ptrace": "yes"}} | options.allow_ptrace: must be true or false, got "yes"
            {"options": []} | options: must be a JSON object, got []
            {"nme": "x"} | nme: unknown key (known: ignore_missing, name, options, points, sinks)
            [] | a session must be a JSON object, got []
            """)
    void everyErrorNamesItsPath(String json, String message) {
        assertThat(error(json)).hasMessage(message);
    }

    @Test
    void aSessionNameIsShortAndPrintable() {
        assertThat(error("{\"name\": \"" + "n".repeat(65) + "\"}").getMessage())
                .startsWith("name: must be at most 64 characters, got \"nnn").endsWith("...(65 bytes)");
        assertThat(error("{\"name\": \"x\\u001b[2Jy\"}"))
                .hasMessage("name: must not hold control or format characters, got \"x\\x1b[2Jy\"");
        assertThat(error("{\"name\": \"x\\u202ey\"}"))
                .hasMessage("name: must not hold control or format characters, got \"x\\u202ey\"");
        assertThat(SessionConfigParser.nameProblem("no secrets")).isNull();
        assertThat(SessionConfigParser.nameProblem("n".repeat(64))).isNull();
    }

    @Test
    void invalidJsonSaysWhere() {
        assertThat(error("{\"name\": \"x\",\n  \"points\": [}").getMessage())
                .startsWith("not valid JSON: ").endsWith("at line 2, column 14");
        assertThat(error("")).hasMessage("empty session configuration");
        assertThat(error("   ")).hasMessage("empty session configuration");
    }
}
