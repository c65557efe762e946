package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mount points of a program's own mount namespace are busy under seccheck as natively: a
 * rename of one, over one, an rmdir or unlink of one fails with EBUSY, after the errors the kernel
 * finds first (EXDEV, EEXIST, EACCES...), and the mount stays. seccheck makes these calls itself
 * under a policy (every rename under a rule on what runs; every name call under a rule on
 * opening files) from its own thread, in its own mount namespace, where the kernel looks for
 * mount points: they succeeded, and a rename over a mount point detached the program's mount
 * (red team A, finding 4), a locked one too, which the program may not unmount itself (one its
 * user namespace inherited, which may mask files). {@code src/test/c/mount_point_names.c} makes
 * the calls in a user and mount namespace of its own; its lines must be the same natively and
 * under seccheck, as root and as uid 65534.
 */
class OwnMountPointsTest {

    /** A rule on what runs: seccheck performs every rename, and no other name call. */
    private static final String WHAT_RUNS = """
            {"name": "what-runs", "points": [{"name": "sentry/execve"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "execute_file", "match": {"binary_path": {"glob": "/nowhere/*"}}, "action": "kill"}]}}]}""";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "under a rule on {0}, as uid 65534: {1}")
    @CsvSource({"opening files, false", "opening files, true", "what runs, false", "what runs, true"})
    void namesThatAreMountPointsOfTheProgramsNamespaceAreBusyAsNatively(String rule, boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path program = PackagedCli.compiledFor(Files.createDirectory(tmp.resolve("bin")), nobody,
                "src/test/c/mount_point_names.c");
        Path policy = Files.writeString(tmp.resolve("policy.json"),
                rule.equals("what runs") ? WHAT_RUNS : Policies.OPEN_FILE_KEYS);
        String natively = run(List.of(program.toString(), workspace("native", nobody).toString()), false, policy,
                classpath);
        assertThat(natively).as("natively")
                .containsPattern("rename of a directory over a mount point +Device or resource busy")
                .containsPattern("rmdir of a mount point not empty below +Device or resource busy")
                .containsPattern("rmdir of a mount point by another name +Device or resource busy")
                .containsPattern("rename of a mount point, no write permission +Permission denied")
                .containsPattern("rename over another namespace's mount point +0\n")
                .containsPattern("mp/file +kept").doesNotContain("GONE", "setup");
        String under = run(List.of(program.toString(), workspace("under", nobody).toString()), true, policy, classpath);
        assertThat(under).isEqualTo(natively);
    }

    /**
     * A mount a user namespace's mount namespace inherits from a more privileged one is locked
     * there: the program may not unmount it, and a rename over it is EBUSY. Under seccheck the
     * rename was made, and detached the mount: the files it masked were the program's to see.
     * Root makes the first mount namespace: a user namespace inside a program's own one cannot
     * have its maps written under seccheck (the kernel asks the opener of a {@code uid_map},
     * seccheck's thread, for capabilities in the namespace above: {@code OpenerCredentialsTest}).
     */
    @Test
    void aLockedMountIsNotDetachedByARenameOverIt() throws Exception {
        PackagedCli.assumeNobody(tmp); // root, for the first mount namespace
        Path policy = Files.writeString(tmp.resolve("policy.json"), WHAT_RUNS);
        String script = """
                D=$1; mkdir -p $D/a/m $D/e
                unshare -m --propagation private sh -c "
                mount -t tmpfs locked $D/a/m && echo masked > $D/a/m/kept
                unshare -Urm sh -c '
                umount $D/a/m 2>/dev/null; echo umount=\\$?
                mv -T $D/e $D/a/m 2>/dev/null; echo mv=\\$?
                cat $D/a/m/kept
                '"
                """;
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path dir = workspace(underSeccheck ? "under" : "native", false);
            String out = run(List.of("sh", "-c", script, "sh", dir.toString()), underSeccheck, policy, null);
            assertThat(out).as(underSeccheck ? "under seccheck" : "natively").isEqualTo("umount=32\nmv=1\nmasked\n");
        }
    }

    /** An empty directory for one run, the user's who runs it. */
    private Path workspace(String name, boolean nobody) throws Exception {
        return nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
    }

    /**
     * What {@code command} prints, natively or under seccheck with {@code policy}, as uid 65534
     * when {@code classpath} is not null.
     */
    private String run(List<String> command, boolean underSeccheck, Path policy, String classpath) throws Exception {
        Path[] configs = underSeccheck ? new Path[] {policy} : new Path[0];
        PackagedCli.Result r = classpath == null
                ? PackagedCli.nativeOrUnderSeccheck(Files.createDirectories(tmp.resolve("run-" + System.nanoTime())),
                        underSeccheck, command, configs)
                : PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck, command, configs);
        return r.out();
    }
}
