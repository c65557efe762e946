package dev.seccheck.cli;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * CliKit is the CLI of this build as the tests start it in JVMs of their own: the jars of this
 * test JVM's class path (class directories jarred, test classes left out) in one directory every
 * user can read, started with the launcher's own JVM flags ({@code scripts/jvm.sh}: the binding
 * module on the module path, C1, the serial collector) and an ahead-of-time cache trained once
 * per test JVM, as the launcher trains its own. One kit serves every test of the JVM, root and
 * uid 65534 alike: without the cache a CLI start took 0.77 s and 1.2 s of CPU on this machine,
 * with it 0.35 s and 0.5 s, and the CLI tests start it hundreds of times. The kit is made on
 * first use and removed when the JVM exits.
 */
final class CliKit {
    private CliKit() {}

    private static final String MAIN = "dev.seccheck.cli.Main";

    /** The kit, made once. */
    private record Kit(String classpath, String appClasspath, List<String> flags, Path cache) {}

    private static Kit kit;

    /** The class path of the kit's jars, every one of them (for a test that writes its own java command). */
    static String classpath() {
        return kit().classpath();
    }

    /**
     * The command that starts the CLI's {@code Main} from the kit, with the launcher's JVM flags, the
     * kit's ahead-of-time cache when its training worked, and {@code jvmOptions}.
     */
    static List<String> command(String... jvmOptions) {
        Kit k = kit();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(k.flags());
        if (k.cache() != null) {
            cmd.addAll(aotFlags("-XX:AOTCache=" + k.cache()));
        }
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", k.appClasspath(), MAIN));
        return cmd;
    }

    private static synchronized Kit kit() {
        if (kit == null) {
            try {
                kit = make();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while making the CLI kit", e);
            }
        }
        return kit;
    }

    private static Kit make() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("seccheck-cli-kit-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> remove(dir)));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> all = new ArrayList<>();
        List<String> modules = new ArrayList<>();
        List<String> app = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (entry.endsWith("test-classes") || entry.endsWith("-tests.jar") || !Files.exists(from)) {
                continue;
            }
            // A class directory is .../<module>/target/classes: its jar is named after the module.
            String name = Files.isDirectory(from) ? from.getParent().getParent().getFileName() + ".jar"
                    : from.getFileName().toString();
            Path to = dir.resolve(i++ + "-" + name);
            if (Files.isDirectory(from)) {
                jar(from, to);
            } else {
                Files.copy(from, to);
            }
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
            all.add(to.toString());
            (name.startsWith("seccheck-native") || name.startsWith("seccheck-abi") ? modules : app).add(to.toString());
        }
        String appClasspath = String.join(File.pathSeparator, app);
        List<String> flags = launcherFlags(String.join(File.pathSeparator, modules));
        return new Kit(String.join(File.pathSeparator, all), appClasspath, flags, train(dir, flags, appClasspath));
    }

    /** The JVM flags {@code scripts/jvm.sh} gives the launcher, for {@code modulePath}. */
    private static List<String> launcherFlags(String modulePath) throws IOException, InterruptedException {
        Path jvmSh = TestPrograms.repoRoot().resolve("scripts/jvm.sh");
        Process p = new ProcessBuilder("bash", "-c", ". \"$1\"; seccheck_jvm_flags \"$2\"; printf '%s\\n' \"${jvm[@]}\"",
                "bash", jvmSh.toString(), modulePath).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isBlank()) {
            p.destroyForcibly();
            throw new IllegalStateException("cannot read the launcher's JVM flags from " + jvmSh);
        }
        return out.lines().toList();
    }

    /**
     * Trains the kit's ahead-of-time cache on a run over a shell that runs /bin/true twice, as the
     * launcher does, but under what the tests' runs have where the launcher has the built-in
     * session: a trace of every syscall to /dev/null ({@code -o} is a trace option, the runs
     * without a config) and a policy ({@link Policies#FAIL_CLOSED_GUARD}, for the runs with one:
     * its parse and sink, and the opens seccheck performs). A config run then starts about 20 ms
     * sooner (6-7%) and one without about 10 ms later (BENCHMARKS.md, "Session 57"). Without
     * training data (-XX:-AOTRecordTraining), as the launcher's cache: with them every run
     * replayed the training's method data on a thread of its own, 0.07-0.08 s of CPU a run that
     * the launcher's runs never spend (BENCHMARKS.md, "Session 61"). Returns the cache, or null
     * (the kit then starts without one) when the training failed, which it says on stderr.
     */
    private static Path train(Path dir, List<String> flags, String appClasspath) throws IOException, InterruptedException {
        Path cache = dir.resolve("app.aot");
        Path policy = Files.writeString(dir.resolve("train-guard.json"), Policies.FAIL_CLOSED_GUARD);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining"));
        cmd.addAll(aotFlags("-XX:AOTCacheOutput=" + cache));
        cmd.addAll(List.of("-cp", appClasspath, MAIN, "run", "--quiet", "-o", "/dev/null", "--config", policy.toString(),
                "--root", dir.resolve("train-root").toString(), "--", "/bin/sh", "-c", "/bin/true; /bin/true"));
        Path log = dir.resolve("train.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        if (!ended || p.exitValue() != 0 || !Files.isRegularFile(cache)) {
            System.err.println("CliKit: no ahead-of-time cache, the CLI starts without one: " + Files.readString(log));
            return null;
        }
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rw-r--r--"));
        return cache;
    }

    /** {@code option} with the launcher's silence about the cache (a refused cache is not a failure). */
    private static List<String> aotFlags(String option) {
        return List.of(option, "-Xlog:aot=off:stderr", "-Xlog:cds=off:stderr");
    }

    /** Writes the files under {@code classes} into the jar {@code to}. */
    private static void jar(Path classes, Path to) throws IOException {
        try (OutputStream out = Files.newOutputStream(to); JarOutputStream jar = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                jar.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                Files.copy(f, jar);
                jar.closeEntry();
            }
        }
    }

    private static void remove(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("CliKit: cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
