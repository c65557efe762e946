package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program in a mount namespace of its own ({@code unshare -m chroot DIR}, a build sandbox)
 * that chroots into a plain directory, not a mount point, of a filesystem seccheck sees, works
 * under a policy deciding on paths as natively. The kernel leaves out of a task's mountinfo every
 * mount whose mount point is outside the task's root, so after such a chroot the program's copy
 * of / was in no table seccheck read: every file was declared on a mount seccheck cannot name,
 * every open refused (EACCES) and every exec killed. Now the mount is named by what the kernel
 * says of it (statmount: its root within its filesystem, its superblock), and the file by its
 * real path, so a rule on the tree's real path still denies its file opened as {@code /secret}.
 */
class ChrootInOwnMountNamespaceTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534 in a user namespace: {0}")
    @ValueSource(booleans = {false, true})
    void itsFilesAreNamedByTheirRealPathsAndItsBinariesRun(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, "src/test/c/chroot_own_ns.c");
        Path tree = tmp.toRealPath().resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("bin"));
        Files.writeString(tree.resolve("etc/hostname"), "inside\n");
        Files.createSymbolicLink(tree.resolve("abs"), Path.of("/etc/hostname"));
        Files.writeString(tree.resolve("secret"), "TOPSECRET\n");
        Files.setPosixFilePermissions(tree.resolve("secret"), PosixFilePermissions.fromString("rw-r--r--"));
        CPrograms.compile("src/test/c/chroot_own_ns.c", tree.resolve("bin"), "-static");
        Path policy = Files.writeString(tmp.resolve("guard.json"), """
                {"name": "guard",
                 "points": [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
                            {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "syscall/creat/enter", "context_fields": ["cwd"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "no secret", "effect": "open_file", "match": {"resolved_path": "%s/secret"},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}""".formatted(tree));
        List<String> command = List.of(program.toString(), tree.toString());
        String inside = "/etc/hostname: inside\n/abs: inside\netc/hostname: inside\n";
        PackagedCli.Result natively = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), false, command)
                : PackagedCli.nativeOrUnderSeccheck(tmp, false, command);
        assertThat(natively.out()).as("natively").isEqualTo(inside + "/secret: TOPSECRET\nexec: ran\n");
        PackagedCli.Result r = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), true, command, policy)
                : PackagedCli.nativeOrUnderSeccheck(tmp, true, command, policy);
        assertThat(r.out()).as(r.err()).isEqualTo(inside + "/secret: Permission denied\nexec: ran\n");
        assertThat(r.err()).contains("\"rule_name\":\"no secret\"", "\"resolved_path\":\"" + tree + "/secret\"")
                .doesNotContain("missing");
    }
}
