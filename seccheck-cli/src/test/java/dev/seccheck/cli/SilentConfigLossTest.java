package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session files that loaded while a check in them silently disappeared: a key given twice (the
 * last won), a session beside its {@code trace_session} wrapper (the wrapper won), a relative
 * {@code resolved_path} (never matched), {@code "match": null} (matched everything),
 * {@code "sinks": null} (no sinks) and a misspelt remote sink key (ignored). {@code cat} of the
 * secret prints it natively, so the file is readable; under {@code seccheck run --config} each
 * file used to let {@code cat} print it, and is now refused with one line naming the file, the
 * key's path and why, and a non-zero exit, as root and as uid 65534.
 */
class SilentConfigLossTest {
    @TempDir
    Path tmp;

    private static final String POINTS = """
            [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
             {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
             {"name": "syscall/creat/enter", "context_fields": ["cwd"]}]""";
    private static final String DENY = """
            {"name": "no secret", "effect": "open_file", "match": {"resolved_path": "SECRET"}, "action": "deny"}""";
    private static final String LOG_TMP = """
            {"name": "log tmp", "effect": "open_file", "match": {"resolved_path": {"prefix": "/tmp/"}}, "action": "log"}""";

    /** Each bad file, and what its error line says after the file's name. */
    private static final List<List<String>> CASES = List.of(
            List.of("duprules.json", """
                    {"name": "guard", "points": POINTS, "sinks": [{"name": "policy", "config": {"rules": [DENY],
                     "on_missing": "deny", "rules": [LOG_TMP]}}]}""",
                    "sinks[0].config.rules: key given twice in one object"),
            List.of("dupaction.json", """
                    {"name": "guard", "points": POINTS, "sinks": [{"name": "policy", "config": {"rules": [
                     {"name": "no secret", "effect": "open_file", "action": "deny",
                      "match": {"resolved_path": "SECRET"}, "action": "log"}]}}]}""",
                    "sinks[0].config.rules[0].action: key given twice in one object"),
            List.of("wrapextra.json", """
                    {"trace_session": {"name": "monitor", "points": [], "sinks": []},
                     "name": "guard", "points": POINTS, "sinks": [{"name": "policy", "config": {"rules": [DENY]}}]}""",
                    "name: not allowed beside trace_session"),
            List.of("relative.json", """
                    {"name": "guard", "points": POINTS, "sinks": [{"name": "policy", "config": {"rules": [
                     {"name": "no secret", "effect": "open_file", "match": {"resolved_path": "RELATIVE"},
                      "action": "deny"}]}}]}""",
                    "sinks[0].config.rules[0].match.resolved_path: \"RELATIVE\" is a relative path"),
            List.of("matchnull.json", """
                    {"name": "guard", "points": POINTS, "sinks": [{"name": "policy", "config": {"rules": [
                     {"effect": "open_file", "match": null, "action": "allow"}, DENY]}}]}""",
                    "sinks[0].config.rules[0].match: must be a JSON object, got null"),
            List.of("sinksnull.json", """
                    {"name": "guard", "points": POINTS, "sinks": null}""",
                    "sinks: must be a JSON array, got null"),
            List.of("on_dorp.json", """
                    {"name": "trail", "points": POINTS, "sinks": [{"name": "remote", "ignore_setup_error": true,
                     "config": {"endpoint": "DIR/none.sock", "retries": 0, "on_dorp": "deny"}}]}""",
                    "sinks[0].config.on_dorp: unknown key"));

    @Test
    void eachFileIsRefusedNamingTheKey() throws Exception {
        refused(tmp, null);
    }

    @Test
    void eachFileIsRefusedNamingTheKeyUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        refused(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    /** Runs every case in {@code dir}, as uid 65534 from {@code nobodysClasspath} unless it is null. */
    private static void refused(Path dir, String nobodysClasspath) throws Exception {
        if (nobodysClasspath != null) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path secret = Files.writeString(dir.resolve("secret"), "hunter2\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> cat = List.of("/bin/cat", secret.toString());
        PackagedCli.Result natively = nobodysClasspath == null ? PackagedCli.nativeOrUnderSeccheck(dir, false, cat)
                : PackagedCli.asNobodyNativeOrUnderSeccheck(dir, nobodysClasspath, false, cat);
        assertThat(natively.out()).as("natively").isEqualTo("hunter2\n");
        for (List<String> c : CASES) {
            String relative = secret.toString().substring(1);
            Path config = Files.writeString(dir.resolve(c.get(0)), c.get(1)
                    .replace("POINTS", POINTS).replace("DENY", DENY).replace("LOG_TMP", LOG_TMP)
                    .replace("SECRET", secret.toString()).replace("RELATIVE", relative).replace("DIR", dir.toString()));
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
            ProcessBuilder under = nobodysClasspath == null
                    ? PackagedCli.nativeOrUnderSeccheckProcess(dir, true, cat, config)
                    : PackagedCli.asNobodyNativeOrUnderSeccheckProcess(dir, nobodysClasspath, true, cat, config);
            PackagedCli.Result r = PackagedCli.run(under, dir, Duration.ofSeconds(120));
            String expected = c.get(2).replace("RELATIVE", relative);
            assertThat(r.out()).as(c.get(0) + ": the secret must not be printed").doesNotContain("hunter2");
            assertThat(r.status()).as(c.get(0) + ": " + r.err()).isNotZero();
            assertThat(r.err().lines().toList()).as(c.get(0) + ": one line").hasSize(1).first(
                    org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .startsWith("seccheck run: --config " + config + ": ").contains(expected);
        }
    }
}
