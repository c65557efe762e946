package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.cli.PackagedCli.Result;
import dev.seccheck.linux.Syscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
     * The guarantee of the launcher's flags: the binding module (on the module path) may call native
     * code, and no class on the class path (Jackson, protobuf, picocli, kafka's compression
     * libraries, seccheck's own) may make a downcall or load a JNI library. Without
     * {@code --illegal-native-access=deny} in scripts/jvm.sh the JDK only warns, and both are allowed.
     */
    @Test
    void onlyTheBindingModuleMayCallNativeCode() throws Exception {
        String modulePath = location(Syscalls.class) + ":" + location(Fcntl.class);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Result r = PackagedCli.run(new ProcessBuilder("bash", "-c",
                ". \"$0/scripts/jvm.sh\" && seccheck_jvm_flags \"$1\" && exec \"$2\" \"${jvm[@]}\" -cp \"$3\" \"$4\"",
                TestPrograms.repoRoot().toString(), modulePath, java, location(NativeProbe.class), NativeProbe.class.getName()),
                tmp, Duration.ofSeconds(60));
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).as(r.err())
                .contains("binding module: native call made")
                .contains("class path downcall: refused: java.lang.IllegalCallerException")
                .contains("class path loadLibrary: refused: java.lang.IllegalCallerException");
    }

    /** The jar or class directory {@code type} was loaded from. */
    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
