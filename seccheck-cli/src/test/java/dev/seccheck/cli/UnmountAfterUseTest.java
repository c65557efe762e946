package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A mount the program used and left unmounts at once under seccheck, as natively: seccheck
 * holds nothing of the program's files (its walk's descriptors, a copy of the program's
 * directory) once it has answered the call that used them ({@code src/test/c/umount_after_use.c}:
 * bind-mount, one use, unmount once, for each of an open of a missing name, an open of a file, a
 * stat, a chmod, a listing, a chdir in and out with an open by a relative name, a run of a
 * binary whose ELF interpreter is there). Before, seccheck closed its descriptors of the walked
 * path only after the answer, and the program's very next call, the unmount, failed with EBUSY
 * in most rounds (red-team report R2 F4: "umount: target is busy" in a script); and seccheck
 * without privilege kept an interpreter it found by name open for the next exec, so that its
 * mount stayed busy after the binary ended. With the built-in session and with a policy (which holds chmod too), as
 * root and as uid 65534 in a user and mount namespace of its own.
 */
class UnmountAfterUseTest {

    private static final String PROGRAM = "src/test/c/umount_after_use.c";
    private static final String INTERPRETED = "src/test/c/interpreted.c";
    private static final int ROUNDS = 20;
    /** What the program prints when no unmount found its mount busy: natively, every time. */
    private static final String NEVER_BUSY = """
            open missing: EBUSY 0 of 20
            open present: EBUSY 0 of 20
            stat: EBUSY 0 of 20
            chmod: EBUSY 0 of 20
            list: EBUSY 0 of 20
            chdir in and out: EBUSY 0 of 20
            exec: EBUSY 0 of 20
            """;
    /** The ELF interpreters of the machines the tests run on: the first that exists is copied into the mount. */
    private static final List<Path> LOADERS = List.of(Path.of("/lib64/ld-linux-x86-64.so.2"),
            Path.of("/lib/ld-linux-aarch64.so.1"));

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aMountUsedUnderTheBuiltInSessionUnmountsAtOnce(boolean nobody) throws Exception {
        unmountsAtOnce(nobody, false);
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aMountUsedUnderAPolicyUnmountsAtOnce(boolean nobody) throws Exception {
        unmountsAtOnce(nobody, true);
    }

    private void unmountsAtOnce(boolean nobody, boolean policy) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        Path dir = dir(nobody);
        assertThat(run(nobody, null, program, dir, false).out()).isEqualTo(NEVER_BUSY);
        assertThat(run(nobody, policy ? policy() : null, program, dir, true).out()).isEqualTo(NEVER_BUSY);
    }

    /**
     * DIR with src/present (a file), src/ld.so (a copy of the system's ELF interpreter),
     * src/interpreted (linked with DIR/mnt/ld.so as its interpreter) and out/, uid 65534's when
     * {@code nobody}.
     */
    private Path dir(boolean nobody) throws Exception {
        Path dir = tmp.resolve("mounts");
        Path loader = LOADERS.stream().filter(Files::exists).findFirst().orElse(null);
        assumeThat(loader).as("an ELF interpreter of a known name").isNotNull();
        List<Path> made = List.of(Files.createDirectory(dir), Files.createDirectory(dir.resolve("src")),
                Files.createDirectory(dir.resolve("out")), Files.writeString(dir.resolve("src/present"), "present\n"),
                Files.copy(loader, dir.resolve("src/ld.so")), CPrograms.compile(INTERPRETED, dir.resolve("src"),
                        "-Wl,--dynamic-linker=" + dir.resolve("mnt/ld.so")));
        for (Path p : made) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) || Files.isExecutable(p)
                    ? "rwxr-xr-x" : "rw-r--r--"));
            if (nobody) {
                PackagedCli.givenToNobody(p);
            }
        }
        return dir;
    }

    /** A policy deciding on opening files (so that chmod is held too), with a rule on nothing the program uses. */
    private Path policy() throws Exception {
        Path policy = tmp.resolve("policy.json");
        Files.writeString(policy, """
                {"name": "keys",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "keys", "effect": "open_file", "match": {"resolved_path": {"glob": "DIR/keys/**"}},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}
                """.replace("DIR", tmp.toString()));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    /**
     * Runs the program on {@code dir}, natively or, when {@code underSeccheck}, under seccheck with
     * {@code policy} or else the built-in session; as uid 65534 in a user and mount namespace of
     * its own, as root in this one.
     */
    private PackagedCli.Result run(boolean nobody, Path policy, Path program, Path dir, boolean underSeccheck)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(program.toString(), dir.toString(), Integer.toString(ROUNDS)));
        if (nobody) {
            command.add("ns");
        }
        Path[] configs = policy != null ? new Path[] {policy} : new Path[0];
        return nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), underSeccheck, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, command, configs);
    }
}
