package dev.seccheck.cli;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PackagedCli runs the CLI as a separate process, the way a user does: it copies the packaged
 * jars where another user can read them, and runs a command with a deadline, collecting its
 * stdout and stderr. For tests that switch users or need a JVM of their own.
 */
final class PackagedCli {
    private PackagedCli() {}

    /** What a process printed and how it ended. */
    record Result(int status, String out, String err) {}

    /**
     * Copies the packaged CLI (seccheck-cli/target/seccheck-cli-*.jar and target/lib) into
     * {@code dir/cp}, readable by every user, and returns the class path of the copies; the test is
     * skipped when the CLI is not packaged. The copy is needed because the checkout may sit in a
     * directory another user cannot enter.
     */
    static String classpathReadableByAll(Path dir) throws IOException {
        Path target = Path.of("").toAbsolutePath().resolve("target");
        List<Path> jars = packagedJars(target);
        assumeThat(jars).as("the packaged CLI (seccheck-cli/target/seccheck-cli-*.jar; run `./build package`)")
                .isNotEmpty();
        assumeThat(target.resolve("lib")).as("seccheck-cli/target/lib").isDirectory();
        Path cpDir = Files.createDirectories(dir.resolve("cp"));
        List<Path> all = new ArrayList<>(jars.subList(0, 1));
        try (DirectoryStream<Path> libs = Files.newDirectoryStream(target.resolve("lib"), "*.jar")) {
            libs.forEach(all::add);
        }
        List<String> entries = new ArrayList<>();
        for (Path jar : all) {
            Path copy = cpDir.resolve(jar.getFileName());
            Files.copy(jar, copy);
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
            entries.add(copy.toString());
        }
        Files.setPosixFilePermissions(cpDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return String.join(":", entries);
    }

    private static List<Path> packagedJars(Path target) throws IOException {
        List<Path> jars = new ArrayList<>();
        if (Files.isDirectory(target) && Files.isDirectory(target.resolve("lib"))) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "seccheck-cli-*.jar")) {
                ds.forEach(jars::add);
            }
        }
        return jars;
    }

    /**
     * The class path uid 65534 runs the CLI from, copied into {@code dir} (which the caller makes
     * readable by all): the packaged CLI's ({@link #classpathReadableByAll}) when it is packaged,
     * the way a user runs it; else this test JVM's class path (a clean build runs the tests before
     * it packages), so the unprivileged cases run either way.
     */
    static String nobodyClasspath(Path dir) throws IOException {
        if (!packagedJars(Path.of("").toAbsolutePath().resolve("target")).isEmpty()) {
            return classpathReadableByAll(dir);
        }
        Path cp = Files.createDirectories(dir.resolve("testcp"));
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path from = Path.of(entry);
            Path to = cp.resolve(i++ + "-" + from.getFileName());
            if (Files.exists(from)) {
                copyReadable(from, to);
            }
            out.add(to.toString());
        }
        Files.setPosixFilePermissions(cp, PosixFilePermissions.fromString("rwxr-xr-x"));
        return String.join(":", out);
    }

    private static void copyReadable(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        }
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
     * exists, opens {@code dir} to every user, and returns {@link #classpathReadableByAll}'s class path.
     */
    static String forNobody(Path dir) throws IOException {
        assumeNobody(dir);
        return classpathReadableByAll(dir);
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
     * The command that starts the CLI of {@code classpath} (see {@link #classpathReadableByAll}) as uid
     * and gid 65534 with no supplementary groups, through {@code setpriv}, followed by {@code args}.
     */
    static List<String> asNobody(String classpath, String... args) {
        List<String> cmd = nobody(java(classpath).toArray(String[]::new));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The command that starts the CLI's {@code Main} in a JVM of its own, from {@code classpath}, with
     * the launcher's native-access and Unsafe options, {@code jvmOptions}, and no perf data: a JVM
     * with it leaves /tmp/hsperfdata_<user> behind.
     */
    static List<String> java(String classpath, String... jvmOptions) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:-UsePerfData"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", classpath, Main.class.getName()));
        return cmd;
    }

    /**
     * Runs {@code command} in {@code dir}, natively or, when {@code underSeccheck}, under this
     * build's {@code seccheck run --quiet -o /dev/null} (its runtime directory in {@code dir}, with
     * the sessions of {@code configs} or else the built-in one), within two minutes; fails the test
     * unless it exits 0, and returns what it printed.
     */
    static Result nativeOrUnderSeccheck(Path dir, boolean underSeccheck, List<String> command, Path... configs)
            throws IOException, InterruptedException {
        Result r = run(nativeOrUnderSeccheckProcess(dir, underSeccheck, command, configs), dir, Duration.ofSeconds(120));
        org.assertj.core.api.Assertions.assertThat(r.status())
                .as((underSeccheck ? "under seccheck: " : "natively: ") + r.out() + r.err()).isZero();
        return r;
    }

    /** The process {@link #nativeOrUnderSeccheck} starts, for a test that watches it as it runs. */
    static ProcessBuilder nativeOrUnderSeccheckProcess(Path dir, boolean underSeccheck, List<String> command,
            Path... configs) {
        List<String> cmd = new ArrayList<>();
        if (underSeccheck) {
            cmd.addAll(java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--root", dir.resolve("root").toString()));
            for (Path c : configs) {
                cmd.addAll(List.of("--config", c.toString()));
            }
            cmd.add("--");
        }
        cmd.addAll(command);
        return new ProcessBuilder(cmd);
    }

    /**
     * {@link #nativeOrUnderSeccheck}'s unprivileged twin: {@code command} runs as uid 65534, and
     * under seccheck so does seccheck, from {@code classpath} ({@link #nobodyClasspath}), with the
     * sessions of {@code configs} or else the built-in one, its runtime directory a fresh one of
     * uid 65534's in {@code dir}.
     */
    static Result asNobodyNativeOrUnderSeccheck(Path dir, String classpath, boolean underSeccheck, List<String> command,
            Path... configs) throws IOException, InterruptedException {
        Result r = run(asNobodyNativeOrUnderSeccheckProcess(dir, classpath, underSeccheck, command, configs), dir,
                Duration.ofSeconds(120));
        org.assertj.core.api.Assertions.assertThat(r.status())
                .as((underSeccheck ? "under seccheck as uid 65534: " : "natively as uid 65534: ") + r.out() + r.err()).isZero();
        return r;
    }

    /** The process {@link #asNobodyNativeOrUnderSeccheck} starts, for a test that watches it as it runs. */
    static ProcessBuilder asNobodyNativeOrUnderSeccheckProcess(Path dir, String classpath, boolean underSeccheck,
            List<String> command, Path... configs) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (underSeccheck) {
            cmd.addAll(asNobody(classpath, "run", "--quiet", "-o", "/dev/null"));
            for (Path c : configs) {
                cmd.addAll(List.of("--config", c.toString()));
            }
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

    /** Makes directory {@code dir} owned by uid 65534, mode 0700 (a runtime directory of its own, say). */
    static Path nobodysDir(Path dir) throws IOException {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(NOBODY)));
        return dir;
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
