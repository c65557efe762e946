package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that rewrites a runtime session's filter layer in its own memory, where seccheck
 * writes it for a task's injected seccomp(2), before that call copies it: every trace becomes an
 * allow, the probe's two answers stay, so the layer passes its probe and traces nothing
 * (seccheck-sentry/src/test/c/layer_patch.c). Two routes: sibling threads that already had their
 * layer rewrote those of threads still waiting for theirs, since each thread was injected at its
 * own stop while the others ran; and processes sharing a group-stopped process's memory
 * (clone(CLONE_VM)) rewrote its layer when it was given it at its next stop, after the create.
 * Before, with this program run by hand under the packaged CLI, some thread's chdir ran unchecked
 * after `trace create` said "created" in 2 of 3 runs (threads) and P1's in 1 of 5 (stopped); run
 * from this test's JVM the rewrite did not land before the fix either (the watchers saw no page),
 * so this test guards the rule more than it reproduces the race. Now every injection happens
 * with the whole workload stopped: every chdir after the create is refused, as root and as uid
 * 65534. Natively every chdir succeeds.
 */
class LayerPatchTest {

    /** Runs of the threads route. */
    private static final int THREAD_RUNS = 3;
    /** Threads beside the main thread, each both a target and a patcher. */
    private static final int THREADS = 8;
    /** Runs of the stopped-process route. */
    private static final int STOPPED_RUNS = 8;

    @TempDir
    Path tmp;

    @Test
    void aLayerRewrittenByASiblingThreadDoesNotPassForIt() throws Exception {
        attack(tmp, null, "threads", THREAD_RUNS, THREADS + 1);
    }

    /** The same with seccheck, its CLI and the program unprivileged (uid 65534). */
    @Test
    void aLayerRewrittenByASiblingThreadDoesNotPassForItUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        attack(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "threads", THREAD_RUNS, THREADS + 1);
    }

    @Test
    void aStoppedProcesssLayerRewrittenByAProcessSharingItsMemoryDoesNotPassForIt() throws Exception {
        attack(tmp, null, "stopped", STOPPED_RUNS, 1);
    }

    /** The same with seccheck, its CLI and the program unprivileged (uid 65534). */
    @Test
    void aStoppedProcesssLayerRewrittenByAProcessSharingItsMemoryDoesNotPassForItUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        attack(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "stopped", STOPPED_RUNS, 1);
    }

    /**
     * Runs the program in {@code mode} natively once (every one of its {@code callers} chdirs
     * succeeds), then {@code runs} times under seccheck with a session denying chdir created while
     * it runs: every chdir is refused. {@code nobodysClasspath} null runs everything as this user.
     */
    private void attack(Path base, String nobodysClasspath, String mode, int runs, int callers) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path program = CPrograms.compile("../seccheck-sentry/src/test/c/layer_patch.c", base);
        List<String> args = List.of(program.toString(), "DIR", mode, Integer.toString(THREADS));

        Path natively = workDir(base, "native");
        List<String> nativeCmd = argv(args, natively);
        Process p = new ProcessBuilder(nobody ? PackagedCli.nobody(nativeCmd.toArray(String[]::new)) : nativeCmd)
                .redirectErrorStream(true).redirectOutput(base.resolve("native.out").toFile()).start();
        finish(p, natively, base.resolve("native.out"));
        assertThat(lines(natively, "moved")).as("chdirs that succeeded natively").isEqualTo(callers);

        List<String> cli = nobody ? PackagedCli.asNobody(nobodysClasspath) : PackagedCli.java(System.getProperty("java.class.path"));
        Path initial = Files.writeString(base.resolve("base.json"), """
                {"name": "base", "points": [{"name": "sentry/clone"}], "sinks": [{"name": "null"}]}""");
        Path deny = Files.writeString(base.resolve("deny.json"), """
                {"name": "no-chdir", "points": [{"name": "syscall/chdir/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [{"point": "syscall/chdir/enter", "action": "deny",
                 "errno": "EPERM"}]}}]}""");
        List<String> passed = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            Path dir = workDir(base, "run" + run);
            Path root = base.resolve("root" + run);
            List<String> cmd = new ArrayList<>(cli);
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", root.toString(), "--id", "patch",
                    "--config", initial.toString(), "--"));
            cmd.addAll(argv(args, dir));
            Path out = base.resolve("run" + run + ".out");
            Process sup = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                WorkloadControlTest.awaitServing(root.resolve("patch").resolve("control.sock"));
                PackagedCli.await("the program ready", Duration.ofSeconds(60), () -> Files.exists(dir.resolve("ready")));
                List<String> create = new ArrayList<>(cli);
                create.addAll(List.of("trace", "create", "--root", root.toString(), "--config", deny.toString(), "patch"));
                PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(create), tmp, Duration.ofSeconds(60));
                assertThat(r.status()).as("trace create: " + r.err()).isZero();
            } finally {
                finish(sup, dir, out);
            }
            assertThat(lines(dir, "refused") + lines(dir, "moved")).as("chdirs made in run " + run).isEqualTo(callers);
            if (lines(dir, "moved") > 0) {
                passed.add("run " + run + ": " + lines(dir, "moved") + " of " + callers + " chdirs ran unchecked, "
                        + lines(dir, "patched") + " layers rewritten");
            }
        }
        assertThat(passed).as("runs where a rewritten layer passed for the session's").isEmpty();
    }

    /** A fresh directory for one run of the program, owned as {@code base} is. */
    private static Path workDir(Path base, String name) throws IOException {
        Path dir = Files.createDirectories(base.resolve(name));
        Files.setOwner(dir, Files.getOwner(base));
        return dir;
    }

    /** {@code args} with DIR replaced by {@code dir}. */
    private static List<String> argv(List<String> args, Path dir) {
        return args.stream().map(a -> a.equals("DIR") ? dir.toString() : a).toList();
    }

    /** Lets the program in {@code dir} go on (DIR/go) once ready, and waits for {@code p} to exit 0. */
    private static void finish(Process p, Path dir, Path out) throws IOException, InterruptedException {
        boolean ended = false;
        try {
            PackagedCli.await("the program ready", Duration.ofSeconds(60),
                    () -> Files.exists(dir.resolve("ready")) || !p.isAlive());
            Files.writeString(dir.resolve("go"), "");
            ended = p.waitFor(60, TimeUnit.SECONDS);
        } finally {
            if (!ended) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertThat(ended).as("the program ended: " + Files.readString(out)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(out)).isZero();
    }

    /** The number of lines of DIR/name, 0 if it does not exist. */
    private static long lines(Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }
}
