package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that fakes the install of a runtime session's filter layer (its own filter answers
 * seccomp(2) with 0) and has two sibling threads copy the layer from the page it is written into,
 * installing the copy on every thread (TSYNC) with the probe's answers kept and every other trace
 * turned into allow. Before TSYNC calls were held for the tracer, the copy answered the probe in
 * its sibling's place in most creates (10 of 15 through this CLI): `trace create` succeeded and
 * the session's chdir denial never fired. Now every create fails, saying the layer is not there,
 * as root and as uid 65534.
 */
class LayerCopyTest {

    /** 10 of 15 creates passed before: all 6 failing by chance has odds of (1/3)^6, 0.14%. */
    private static final int CREATES = 6;

    @TempDir
    Path tmp;

    @Test
    void aCopyOfTheLayerInstalledByASiblingDoesNotPassForIt() throws Exception {
        attack(tmp, java());
    }

    /** The same with seccheck, its CLI and the program unprivileged (uid 65534). */
    @Test
    void aCopyOfTheLayerInstalledByASiblingDoesNotPassForItUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        attack(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.asNobody(classpath));
    }

    /** Runs the program in {@code base} under {@code cli} (a JVM command line for the CLI) and tries the creates. */
    private void attack(Path base, List<String> cli) throws Exception {
        Path program = CPrograms.compile("../seccheck-sentry/src/test/c/tsync_copy.c", base);
        Path dir = Files.createDirectories(base.resolve("work"));
        Files.setOwner(dir, Files.getOwner(base));
        Path root = base.resolve("root");
        Path initial = Files.writeString(base.resolve("base.json"), """
                {"name": "base", "points": [{"name": "sentry/clone"}], "sinks": [{"name": "null"}]}""");
        Path deny = Files.writeString(base.resolve("deny.json"), """
                {"name": "no-chdir", "points": [{"name": "syscall/chdir/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [{"point": "syscall/chdir/enter", "action": "deny"}]}}]}""");
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "copy", "--config", initial.toString(),
                "--", program.toString(), dir.toString()));
        Path out = tmp.resolve("run-" + System.nanoTime() + ".out");
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        List<String> succeeded = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try {
            WorkloadControlTest.awaitServing(root.resolve("copy").resolve("control.sock"));
            for (int i = 0; i < CREATES; i++) {
                PackagedCli.Result r = run(cli, "trace", "create", "--root", root.toString(), "--config", deny.toString(),
                        "copy");
                if (r.status() == 0) {
                    succeeded.add("create " + i);
                    run(cli, "trace", "delete", "--root", root.toString(), "--name", "no-chdir", "copy");
                } else {
                    failures.add(r.err());
                }
            }
        } finally {
            Files.writeString(dir.resolve("stop"), "");
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
        assertThat(run.exitValue()).as(Files.readString(out)).isZero();
        assertThat(succeeded).as("creates that succeeded though no thread took the layer").isEmpty();
        assertThat(failures).allSatisfy(f -> assertThat(f).contains("installed no filter"));
        assertThat(dir.resolve("refused")).doesNotExist();
    }

    /** Runs the CLI of {@code cli} with {@code args}, at most a minute. */
    private PackagedCli.Result run(List<String> cli, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of(args));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(60));
    }

    private static List<String> java() {
        return PackagedCli.java(System.getProperty("java.class.path"));
    }
}
