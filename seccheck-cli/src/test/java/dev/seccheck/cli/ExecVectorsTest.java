package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ExecVectorsTest: a rule on sentry/execve's {@code env} sees the whole environment the new
 * program gets, up to the kernel's 6 MiB. {@code big_env} raises its stack limit, then executes
 * /bin/true with 20 variables of 120,000 bytes (2.4 MB) and {@code LD_PRELOAD} last. Before,
 * seccheck read 2 MiB of decoded text (a byte that is not UTF-8 counting 3) and reported the
 * environment cut short with nothing missing: the kill rule never saw the LD_PRELOAD, and the
 * preloaded code ran. Natively it runs, so the tests cannot pass for want of the route.
 */
class ExecVectorsTest {

    @TempDir
    Path tmp;

    @Test
    void aPreloadAfterMegabytesOfBytesThatAreNotUtf8IsSeen() throws Exception {
        preloadAfterPadding(tmp, null, "ff");
    }

    @Test
    void aPreloadAfterMegabytesOfTextIsSeen() throws Exception {
        preloadAfterPadding(tmp, null, "ascii");
    }

    @Test
    void aPreloadAfterMegabytesOfBytesThatAreNotUtf8IsSeenUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        preloadAfterPadding(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "ff");
    }

    @Test
    void aPreloadAfterMegabytesOfTextIsSeenUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        preloadAfterPadding(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "ascii");
    }

    /** Runs big_env natively, then under the kill rule; as uid 65534 when {@code nobodysClasspath} is set. */
    private static void preloadAfterPadding(Path base, String nobodysClasspath, String padding) throws Exception {
        Path program = CPrograms.compile("src/test/c/big_env.c", base);
        Path library = CPrograms.compile("src/test/c/preload_marker.c", base, "-shared", "-fPIC");
        String[] command = {program.toString(), padding, "20", library.toString(), "/bin/true"};
        ProcessResult natively = ProcessResult.of(nobodysClasspath != null ? PackagedCli.nobody(command)
                : List.of(command), base, 60);
        assertThat(natively.out()).as("natively").contains("PRELOADED CODE RAN");

        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "guard", "points": [{"name": "sentry/execve", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"name": "no preload", "point": "sentry/execve", "match": {"env": {"glob": "LD_PRELOAD=*"}},
                    "action": "kill"}]}}]}""".formatted(alerts));
        List<String> cmd = new ArrayList<>(nobodysClasspath != null ? PackagedCli.asNobody(nobodysClasspath)
                : PackagedCli.java(System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--quiet", "--root", base.resolve("root").toString(), "--config", config.toString(),
                "--"));
        cmd.addAll(List.of(command));
        ProcessResult r = ProcessResult.of(cmd, base, 120);
        assertThat(r.out()).as(r.out()).doesNotContain("PRELOADED CODE RAN");
        assertThat(r.code()).as(r.out()).isNotZero();
        assertThat(Files.readString(alerts)).contains("\"rule_name\":\"no preload\"", "\"action\":\"kill\"")
            .doesNotContain("missing");
    }
}
