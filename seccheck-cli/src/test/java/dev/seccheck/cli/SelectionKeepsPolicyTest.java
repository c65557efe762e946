package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --comm}, {@code --pid} and {@code --path} choose what is shown, not what is checked: a
 * policy denies the file a rule names with each of them given, and writes its alert. Before, the
 * policy sink was made behind the selection too, so {@code --comm make} (a name the program
 * chooses), {@code --pid 1} or {@code --path /tmp} let the denied file be read with no alert.
 * The file is readable natively, so the test cannot pass vacuously.
 */
class SelectionKeepsPolicyTest {

    @TempDir
    Path tmp;

    @Test
    void aDisplayFilterDoesNotSwitchThePolicyOff() throws Exception {
        policyHolds(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aDisplayFilterDoesNotSwitchThePolicyOffUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        policyHolds(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private void policyHolds(Path base, String nobodysClasspath) throws Exception {
        Path secret = Files.writeString(Files.createDirectory(base.resolve("priv")).resolve("secret"), "TOPSECRET\n");
        List<String> cat = List.of("cat", secret.toString());
        ProcessResult natively = ProcessResult.of(nobodysClasspath != null ? PackagedCli.nobody(cat.toArray(String[]::new))
                : cat, base, 60);
        assertThat(natively.out()).isEqualTo("TOPSECRET\n");

        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "guard",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "group_id", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name", "group_id", "cwd"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "group_id", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "open_file", "match": {"resolved_path": {"prefix": "%s/"}}, "action": "deny", "errno": "EACCES"}]}}]}"""
                .formatted(alerts, secret.getParent()));
        for (List<String> filter : List.of(List.of("--comm", "make"), List.of("--pid", "1"), List.of("--path", "/tmp/elsewhere"))) {
            Files.deleteIfExists(alerts);
            List<String> cmd = new ArrayList<>(nobodysClasspath != null ? PackagedCli.asNobody(nobodysClasspath)
                    : PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", base.resolve("root").toString(),
                    "--config", config.toString()));
            cmd.addAll(filter);
            cmd.add("--");
            cmd.addAll(cat);
            ProcessResult r = ProcessResult.of(cmd, base, 60);
            assertThat(r.out()).as(filter + ": " + r.out()).doesNotContain("TOPSECRET").contains("Permission denied");
            assertThat(r.code()).as(filter + ": " + r.out()).isEqualTo(1);
            assertThat(Files.readString(alerts)).as(filter + ": the alert")
                    .contains("\"action\":\"deny\"").contains("\"resolved_path\":\"" + secret + "\"");
        }
    }
}
