package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.cli.PackagedCli.Result;
import dev.seccheck.linux.Syscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LauncherTest: what the {@code ./seccheck} script itself says before any Java runs, and what the
 * JVM flags it gives every command (scripts/jvm.sh) guarantee.
 */
class LauncherTest {

    @TempDir
    Path tmp;

    @Test
    void aDeletedWorkingDirectoryIsNamedInsteadOfAJvmStackTrace() throws Exception {
        Path launcher = TestPrograms.repoRoot().resolve("seccheck");
        Path gone = Files.createDirectory(tmp.resolve("gone"));
        // The shell enters the directory, which is then removed under it, as `rm -rf` from another terminal would.
        Result r = PackagedCli.run(new ProcessBuilder("bash", "-c",
                "cd " + gone + " && rmdir " + gone + " && exec " + launcher + " exec some-run -- /bin/true"),
                tmp, Duration.ofSeconds(60));
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("seccheck: the current directory no longer exists")
                .doesNotContain("initialization of VM");
    }

    /**
     * The launcher's flags grant native access to the binding module (on the module path) and to
     * nothing else: the binding module's call is made, and a downcall from the class path is not
     * granted (JDK 25 then makes it with a warning on stderr, where it cannot go unseen).
     */
    @Test
    void onlyTheBindingModuleIsGrantedNativeAccess() throws Exception {
        String modulePath = location(Syscalls.class) + ":" + location(Fcntl.class);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Result r = PackagedCli.run(new ProcessBuilder("bash", "-c",
                ". \"$0/scripts/jvm.sh\" && seccheck_jvm_flags \"$1\" && exec \"$2\" \"${jvm[@]}\" -cp \"$3\" \"$4\"",
                TestPrograms.repoRoot().toString(), modulePath, java, location(NativeProbe.class), NativeProbe.class.getName()),
                tmp, Duration.ofSeconds(60));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).as(r.err())
                .contains("binding module: native call made")
                .contains("binding module: native access granted")
                .contains("class path: native access not granted");
        assertThat(r.err()).as("a class path downcall is announced").contains("WARNING: A restricted method");
    }

    /**
     * What makes the grant above a guarantee: no jar the launcher puts on the class path (Jackson,
     * protobuf, picocli, the Kafka client, seccheck's own) declares a native method or calls a
     * restricted method, by the JDK's own scanner (jnativescan). The Kafka client's JNI codecs
     * (snappy, lz4, zstd), which would load a library extracted into /tmp, are left out of the build
     * for this. The same scan of the binding module finds its calls, so the scan is not blind.
     */
    @Test
    void noJarOnTheLaunchersClassPathCanCallNativeCode() throws Exception {
        Path target = TestPrograms.repoRoot().resolve("seccheck-cli/target");
        List<Path> classPath = new ArrayList<>();
        List<Path> modulePath = new ArrayList<>();
        try (var cli = Files.newDirectoryStream(target, "seccheck-cli-*.jar");
             var lib = Files.newDirectoryStream(target.resolve("lib"), "*.jar")) {
            cli.forEach(classPath::add);
            // As the launcher sorts them: the binding module and its constants go on the module path.
            for (Path jar : lib) {
                String name = jar.getFileName().toString();
                (name.startsWith("seccheck-native-") || name.startsWith("seccheck-abi-") ? modulePath : classPath).add(jar);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            Assumptions.abort("the packaged CLI (seccheck-cli/target; run `./build package`) is not there");
        }
        assertThat(classPath).as("the launcher's class path").hasSizeGreaterThan(10);
        assertThat(modulePath).hasSize(2);
        String scanner = Path.of(System.getProperty("java.home"), "bin", "jnativescan").toString();

        Result classes = PackagedCli.run(new ProcessBuilder(scanner, "--class-path", join(classPath)), tmp,
                Duration.ofSeconds(120));
        assertThat(classes.status()).as(classes.err()).isZero();
        assertThat(classes.out().strip()).as(classes.err()).isEqualTo("<no restricted methods>");

        Result bindings = PackagedCli.run(new ProcessBuilder(scanner, "--module-path", join(modulePath),
                "--add-modules", "dev.seccheck.linux"), tmp, Duration.ofSeconds(120));
        assertThat(bindings.status()).as(bindings.err()).isZero();
        assertThat(bindings.out()).as("the scanner sees the binding module's downcalls")
                .contains("dev.seccheck.linux").contains("java.lang.foreign.Linker::downcallHandle");
    }

    /**
     * Start-up (issue 13): two costs the run path must not take on again. A Jackson
     * {@code ObjectMapper}'s class initialisation loads the JDK's locale data (a static mapper in a
     * mixin of {@code run} once did); and every distinct downcall shape costs a stub generated at
     * each start, where the binding layer makes all its calls through one.
     */
    @Test
    void theRunPathMakesOneDownCallStubAndInitialisesNoObjectMapper() throws Exception {
        Path launcher = TestPrograms.repoRoot().resolve("seccheck");
        Path classes = tmp.resolve("classes.log");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "run", "--quiet", "--", "/bin/true");
        pb.environment().put("SECCHECK_JAVA_OPTS", "-Xlog:class+load=info,class+init=info:file=" + classes);
        Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(300));
        assertThat(r.status()).as(r.err()).isZero();
        List<String> loaded = Files.readAllLines(classes);
        // Loaded is not enough: the AOT cache maps every class its training loaded, Jackson's too.
        assertThat(loaded).as("classes loaded and initialised").hasSizeGreaterThan(1000)
                .anyMatch(l -> l.contains("Initializing 'dev/seccheck/cli/RunCommand'"))
                .noneMatch(l -> l.contains("Initializing 'com/fasterxml/jackson/databind/ObjectMapper'"));
        assertThat(loaded.stream().filter(l -> l.contains(" jdk.internal.foreign.abi.DowncallStub/")))
                .as("downcall stubs generated").hasSize(1);
    }

    private static String join(List<Path> jars) {
        return String.join(":", jars.stream().map(Path::toString).toList());
    }

    /** The jar or class directory {@code type} was loaded from. */
    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
