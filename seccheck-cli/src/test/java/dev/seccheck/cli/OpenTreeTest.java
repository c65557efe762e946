package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * open_tree(2) and open_tree_attr(2) without OPEN_TREE_CLONE hand the program an O_PATH
 * descriptor of the object their path reaches, as open(O_PATH) does ({@code src/test/c/open_tree.c}).
 * Under a policy denying every open under a directory, open(O_PATH) of a file there was denied
 * while both of these gave the program the descriptor with no point and no alert, and any process
 * handed it over a unix socket read the file through its {@code /proc/self/fd/N} link, one that
 * could not enter the directory too (red-team report R2 F3): they are decided as an O_PATH open of
 * the same path now, refused with the rule's errno. On files no rule covers each call is answered
 * as natively, line for line (flags, AT_EMPTY_PATH, symlinks, errors in the kernel's order,
 * OPEN_TREE_CLONE, which is not decided: EPERM unprivileged). As root and with seccheck and the
 * program as uid 65534.
 */
class OpenTreeTest {

    private static final String PROGRAM = "src/test/c/open_tree.c";

    /** What the kept mode prints under the policy: every way to the descriptor refused. */
    private static final String REFUSED = """
            open O_PATH = EACCES
            open_tree = EACCES
            open_tree no flags = EACCES
            open_tree by name = EACCES
            open_tree nofollow = EACCES
            open_tree_attr = EACCES
            open_tree_attr by name = EACCES
            """;

    @TempDir
    Path tmp;

    @Test
    void openTreeOfAKeptFileIsDecidedAsAnOPathOpenAsRoot() throws Exception {
        kept(false);
    }

    @Test
    void openTreeOfAKeptFileIsDecidedAsAnOPathOpenAsUid65534() throws Exception {
        kept(true);
    }

    @Test
    void openTreeOfOtherFilesIsAnsweredAsNativelyAsRoot() throws Exception {
        asNatively(false);
    }

    @Test
    void openTreeOfOtherFilesIsAnsweredAsNativelyAsUid65534() throws Exception {
        asNatively(true);
    }

    private void kept(boolean nobody) throws Exception {
        Path program = program(nobody);
        Path dir = dir(nobody, "kept");
        Path file = file(dir.resolve("file"), nobody);
        String natively = run(nobody, null, program, "kept", file).out();
        assertThat(natively).contains("open_tree: read through it \"kept\"",
                "open_tree_attr = fd O_PATH cloexec, the file");
        PackagedCli.Result under = run(nobody, policy(dir), program, "kept", file);
        assertThat(under.out()).isEqualTo(REFUSED);
    }

    private void asNatively(boolean nobody) throws Exception {
        Path program = program(nobody);
        Path dir = dir(nobody, "cases");
        file(dir.resolve("file"), nobody);
        Files.createSymbolicLink(dir.resolve("link"), Path.of("file"));
        String natively = run(nobody, null, program, "cases", dir).out();
        assertThat(natively).contains("link nofollow = fd O_PATH, the link",
                "empty AT_EMPTY_PATH file fd = fd O_PATH, the file", "AT_RECURSIVE without clone = EINVAL",
                "attr NULL size 8 = EINVAL");
        // Attributes given (all zero), the kernel asks for the mount's privilege; so does a clone.
        assertThat(natively).contains(nobody ? "attr zero = EPERM" : "attr zero = fd O_PATH, the file",
                nobody ? "clone = EPERM" : "clone = fd O_PATH cloexec, the dir");
        PackagedCli.Result under = run(nobody, policy(dir(nobody, "kept")), program, "cases", dir);
        assertThat(under.out()).isEqualTo(natively);
        assertThat(under.err()).doesNotContain("\"alert\"");
    }

    /**
     * The policy: no open under {@code kept}, O_PATH ones among them. A path seccheck cannot read or
     * resolve (unreadable, a closed dirfd) is left to the kernel ({@code on_missing: allow}), so
     * that its errors compare with a native run's.
     */
    private Path policy(Path kept) throws Exception {
        Path policy = tmp.resolve("kept.json");
        Files.writeString(policy, """
                {"name": "kept-dir",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "kept", "effect": "open_file",
                    "match": {"resolved_path": {"prefix": "DIR/"}}, "action": "deny", "errno": "EACCES"}],
                  "on_missing": "allow"}}]}
                """.replace("DIR", kept.toString()));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    private Path program(boolean nobody) throws Exception {
        return PackagedCli.compiledFor(tmp, nobody, PROGRAM);
    }

    private Path dir(boolean nobody, String name) throws Exception {
        Path dir = tmp.resolve(name);
        if (Files.exists(dir)) {
            return dir;
        }
        return nobody ? PackagedCli.nobodysDir(dir) : Files.createDirectory(dir);
    }

    /** A file holding "kept", mode 0644, uid 65534's when {@code nobody}. */
    private static Path file(Path f, boolean nobody) throws Exception {
        Files.writeString(f, "kept\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        return nobody ? PackagedCli.givenToNobody(f) : f;
    }

    /** Runs the program's {@code mode} on {@code target}, natively ({@code policy} null) or under the policy. */
    private PackagedCli.Result run(boolean nobody, Path policy, Path program, String mode, Path target)
            throws Exception {
        List<String> command = List.of(program.toString(), mode, target.toString());
        boolean under = policy != null;
        Path[] configs = under ? new Path[] {policy} : new Path[0];
        return nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command, configs);
    }
}
