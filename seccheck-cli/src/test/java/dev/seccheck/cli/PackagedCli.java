package dev.seccheck.cli;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * PackagedCli runs the CLI as a separate process, the way a user does: from {@link CliKit}'s jars,
 * which another user can read, as root or as uid 65534, with a deadline, collecting its stdout
 * and stderr. For tests that switch users or need a JVM of their own.
 */
final class PackagedCli {
    private PackagedCli() {}

    /** What a process printed and how it ended. */
    record Result(int status, String out, String err) {}

    /**
     * Copies the CLI's jars ({@link CliKit}'s) into {@code dir/cp}, readable by every user, and
     * returns the class path of the copies: for a test about the files seccheck runs from, which
     * must be its own. Every other test runs the kit itself ({@link CliKit#classpath}).
     */
    static String copyOfTheCli(Path dir) throws IOException {
        Path cpDir = Files.createDirectories(dir.resolve("cp"));
        List<String> entries = new ArrayList<>();
        for (String jar : CliKit.classpath().split(":")) {
            Path copy = cpDir.resolve(Path.of(jar).getFileName());
            Files.copy(Path.of(jar), copy);
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
            entries.add(copy.toString());
        }
        Files.setPosixFilePermissions(cpDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return String.join(":", entries);
    }

    /** The class path uid 65534 runs the CLI from: the kit's ({@link CliKit}), which every user can read. */
    static String nobodyClasspath() {
        return CliKit.classpath();
    }

    /**
     * Starts {@code process} in {@code dir} with stdin from /dev/null and its output in files there,
     * and waits for it at most {@code deadline}; a process still running then is killed and the
     * test fails with what it printed on stderr.
     */
    static Result run(ProcessBuilder process, Path dir, Duration deadline) throws IOException, InterruptedException {
        Path o = Files.createTempFile(dir, "out", "");
        Path e = Files.createTempFile(dir, "err", "");
        Process p = process.directory(dir.toFile())
                .redirectOutput(o.toFile())
                .redirectError(e.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", process.command()) + " did not end within "
                    + deadline.toSeconds() + " s: " + Files.readString(e));
        }
        return new Result(p.exitValue(), Files.readString(o), Files.readString(e));
    }

    /**
     * For a test that runs the CLI as uid 65534: skips it unless this JVM is root and setpriv
     * exists, opens {@code dir} to every user, and returns {@link #nobodyClasspath}.
     */
    static String forNobody(Path dir) throws IOException {
        assumeNobody(dir);
        return nobodyClasspath();
    }

    /** Skips the test unless this JVM is root and setpriv exists, and opens {@code dir} to every user. */
    static void assumeNobody(Path dir) throws IOException {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid())
                .as("this test switches to uid 65534 and needs to run as root").isZero();
        assumeThat(Path.of("/usr/bin/setpriv")).as("setpriv").isExecutable();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The user the unprivileged tests switch to. */
    static final int NOBODY = 65534;

    /**
     * The command that starts the CLI of {@code classpath} (see {@link #nobodyClasspath}) as uid
     * and gid 65534 with no supplementary groups, through {@code setpriv}, followed by {@code args}.
     */
    static List<String> asNobody(String classpath, String... args) {
        List<String> cmd = nobody(java(classpath).toArray(String[]::new));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * {@code seccheck run --quiet} of {@code command} under the sessions of {@code config}, as this
     * user or ({@code nobody}) as uid 65534, each with a runtime root of its own under {@code tmp}.
     */
    static List<String> run(Path tmp, boolean nobody, Path config, List<String> command) {
        List<String> run = new ArrayList<>(List.of("run", "--quiet", "--root",
                tmp.resolve(nobody ? "root-nobody" : "root").toString(), "--config", config.toString(), "--"));
        run.addAll(command);
        if (nobody) {
            return asNobody(nobodyClasspath(), run.toArray(String[]::new));
        }
        List<String> cmd = java(System.getProperty("java.class.path"), "-XX:+DisableAttachMechanism",
                "-XX:TieredStopAtLevel=1");
        cmd.addAll(run);
        return cmd;
    }

    /**
     * The command that starts the CLI's {@code Main} in a JVM of its own, from {@code classpath},
     * with {@code jvmOptions}. The kit's class path and this JVM's (the same classes) start the
     * kit, with the launcher's flags and its ahead-of-time cache ({@link CliKit#command}); any other
     * (a test's own copy) starts with the launcher's native-access and Unsafe options and no perf
     * data: a JVM with it leaves /tmp/hsperfdata_<user> behind.
     */
    static List<String> java(String classpath, String... jvmOptions) {
        if (classpath.equals(CliKit.classpath()) || classpath.equals(System.getProperty("java.class.path"))) {
            return CliKit.command(jvmOptions);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:-UsePerfData"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", classpath, Main.class.getName()));
        return cmd;
    }

    /**
     * The options that give a run the sessions of {@code configs}: a {@code --config} each, as a
     * user runs a policy, with nothing beside it. With none, {@code -o /dev/null}, a trace of every
     * syscall seccheck decodes (enter and exit, each a ptrace stop) in place of the built-in
     * session, whose text would fill the test's output. A test that wants that trace beside a
     * policy passes {@code -o} itself ({@code PerformedCallsConformanceTest}).
     */
    static List<String> sessions(Path... configs) {
        if (configs.length == 0) {
            return List.of("-o", "/dev/null");
        }
        List<String> options = new ArrayList<>();
        for (Path c : configs) {
            options.addAll(List.of("--config", c.toString()));
        }
        return options;
    }

    /**
     * How long {@link #nativeOrUnderSeccheck} lets a run take before it takes it for a hang: a
     * guard, not a measure. Five minutes: the longest runs (a datagram storm under signals, as uid
     * 65534) take about a minute here, and one took over two in CI on a busy machine.
     */
    static final Duration RUN_DEADLINE = Duration.ofMinutes(5);

    /**
     * Runs {@code command} in {@code dir}, natively or, when {@code underSeccheck}, under this
     * build's {@code seccheck run --quiet} with the sessions of {@code configs} ({@link #sessions};
     * its runtime directory in {@code dir}), within {@link #RUN_DEADLINE}; fails the test unless it
     * exits 0, and returns what it printed.
     */
    static Result nativeOrUnderSeccheck(Path dir, boolean underSeccheck, List<String> command, Path... configs)
            throws IOException, InterruptedException {
        Result r = run(nativeOrUnderSeccheckProcess(dir, underSeccheck, command, configs), dir, RUN_DEADLINE);
        org.assertj.core.api.Assertions.assertThat(r.status())
                .as((underSeccheck ? "under seccheck: " : "natively: ") + r.out() + r.err()).isZero();
        return r;
    }

    /**
     * {@link #nativeOrUnderSeccheck} in a fresh directory {@code tmp/where}, as root; or, when
     * {@code nobodyClasspath} (from {@link #nobodyClasspath}) is not null, its twin as uid 65534
     * ({@link #asNobodyNativeOrUnderSeccheck}).
     */
    static Result nativeOrUnderSeccheck(Path tmp, String where, String nobodyClasspath, boolean underSeccheck,
            List<String> command, Path... configs) throws IOException, InterruptedException {
        return nobodyClasspath != null
                ? asNobodyNativeOrUnderSeccheck(tmp, nobodyClasspath, underSeccheck, command, configs)
                : nativeOrUnderSeccheck(Files.createDirectory(tmp.resolve(where)), underSeccheck, command, configs);
    }

    /** The process {@link #nativeOrUnderSeccheck} starts, for a test that watches it as it runs. */
    static ProcessBuilder nativeOrUnderSeccheckProcess(Path dir, boolean underSeccheck, List<String> command,
            Path... configs) {
        List<String> cmd = new ArrayList<>();
        if (underSeccheck) {
            cmd.addAll(java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "--root", dir.resolve("root").toString()));
            cmd.addAll(sessions(configs));
            cmd.add("--");
        }
        cmd.addAll(command);
        return new ProcessBuilder(cmd);
    }

    /**
     * {@link #nativeOrUnderSeccheck}'s unprivileged twin: {@code command} runs as uid 65534, and
     * under seccheck so does seccheck, from {@code classpath} ({@link #nobodyClasspath}), with the
     * sessions of {@code configs} ({@link #sessions}), its runtime directory a fresh one of uid
     * 65534's in {@code dir}.
     */
    static Result asNobodyNativeOrUnderSeccheck(Path dir, String classpath, boolean underSeccheck, List<String> command,
            Path... configs) throws IOException, InterruptedException {
        Result r = run(asNobodyNativeOrUnderSeccheckProcess(dir, classpath, underSeccheck, command, configs), dir,
                RUN_DEADLINE);
        org.assertj.core.api.Assertions.assertThat(r.status())
                .as((underSeccheck ? "under seccheck as uid 65534: " : "natively as uid 65534: ") + r.out() + r.err()).isZero();
        return r;
    }

    /**
     * Runs {@code command} in {@code dir} natively or, when {@code underSeccheck}, under seccheck
     * with the session of {@code config} (none when null, {@link #sessions}), as root or, given
     * {@code nobodysClasspath}, as uid 65534, within two minutes; whatever its status, for a test
     * that expects a kill or a failure.
     */
    static Result eitherWay(Path dir, String nobodysClasspath, boolean underSeccheck, List<String> command, Path config)
            throws IOException, InterruptedException {
        Path[] configs = config == null ? new Path[0] : new Path[] {config};
        ProcessBuilder pb = nobodysClasspath == null
                ? nativeOrUnderSeccheckProcess(dir, underSeccheck, command, configs)
                : asNobodyNativeOrUnderSeccheckProcess(dir, nobodysClasspath, underSeccheck, command, configs);
        return run(pb, dir, Duration.ofSeconds(120));
    }

    /** The process {@link #asNobodyNativeOrUnderSeccheck} starts, for a test that watches it as it runs. */
    static ProcessBuilder asNobodyNativeOrUnderSeccheckProcess(Path dir, String classpath, boolean underSeccheck,
            List<String> command, Path... configs) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (underSeccheck) {
            cmd.addAll(asNobody(classpath, "run", "--quiet"));
            cmd.addAll(sessions(configs));
            cmd.add("--");
            cmd.addAll(command);
        } else {
            cmd.addAll(nobody(command.toArray(String[]::new)));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (underSeccheck) {
            pb.environment().put("XDG_RUNTIME_DIR", nobodysDir(dir.resolve("xdg-" + System.nanoTime())).toString());
        }
        return pb;
    }

    /** The command that runs {@code command} as uid and gid 65534 with no supplementary groups, through {@code setpriv}. */
    static List<String> nobody(String... command) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        cmd.addAll(List.of(command));
        return cmd;
    }

    /**
     * Runs {@code command} under {@code prlimit --nofile=LIMIT:LIMIT}, natively or (with a
     * {@code policy}) under seccheck (its JVM raises its soft limit to the hard one, which the
     * program inherits), as uid 65534 when {@code classpath} is set ({@link #nobodyClasspath}),
     * in {@code dir}; fails unless it exits 0.
     */
    static Result withDescriptorLimit(int limit, Path dir, String classpath, Path policy, List<String> command)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--nofile=" + limit + ":" + limit));
        if (classpath != null) {
            cmd.addAll(nobody());
        }
        if (policy != null) {
            cmd.addAll(java(classpath != null ? classpath : System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet"));
            cmd.addAll(sessions(policy));
            if (classpath == null) {
                cmd.addAll(List.of("--root", dir.resolve("root").toString()));
            }
            cmd.add("--");
        }
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (classpath != null && policy != null) {
            pb.environment().put("XDG_RUNTIME_DIR", nobodysDir(dir.resolve("xdg-" + System.nanoTime())).toString());
        }
        Result r = run(pb, dir, Duration.ofSeconds(180));
        org.assertj.core.api.Assertions.assertThat(r.status()).as(r.out() + r.err()).isZero();
        return r;
    }

    /** Makes directory {@code dir} owned by uid 65534, mode 0700 (a runtime directory of its own, say). */
    static Path nobodysDir(Path dir) throws IOException {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return givenToNobody(dir);
    }

    /** Gives {@code path} to uid 65534 and returns it. */
    static Path givenToNobody(Path path) throws IOException {
        Files.setOwner(path, path.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(NOBODY)));
        return path;
    }

    /**
     * Compiles the C program {@code source} (a path below the module, {@code src/test/c/...}) into
     * {@code dir} for a test run as root or, when {@code nobody}, as uid 65534 (skipped where that
     * cannot be, {@link #assumeNobody}), and leaves {@code dir} readable and searchable by every user;
     * {@code flags} go to gcc.
     */
    static Path compiledFor(Path dir, boolean nobody, String source, String... flags) throws Exception {
        if (nobody) {
            assumeNobody(dir);
        }
        Path program = CPrograms.compile(source, dir, flags);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return program;
    }

    /** A condition a test waits for; it may read files. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws IOException;
    }

    /** Waits until {@code condition} holds, failing the test naming {@code what} after {@code deadline}. */
    static void await(String what, Duration deadline, Condition condition) throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + deadline.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The Threads line of {@code status}, a process's {@code /proc/PID/status}. */
    static int threads(Path status) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new IllegalStateException(status + " has no Threads line");
    }
}
