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
 * Owners and ACL users a program names from a user namespace of its own, under a policy that
 * decides opens, so that seccheck makes the chown and setxattr calls itself
 * ({@code src/test/c/ns_ids.c}; red-team report R5 F1). The kernel reads those ids in the
 * caller's namespace; seccheck passed them on raw from its own. As root in a namespace mapping
 * 0-65535 onto the host's 100000-165535, {@code setfacl -m u:5:rw} gave the host's user 5 access
 * (natively user 100005) and an ACL naming the namespace's root gave the host's root access;
 * the program's chown to its own ids failed with EPERM (they named the host's root) and to ids the
 * namespace does not map changed nothing with EPERM where natively EINVAL. As uid 65534 in
 * {@code unshare -r}, an ACL naming an unmapped 5 was stored as the host's 5 (natively EINVAL).
 * Now each answer and each stored owner and ACL id is the native one. Not covered: a chown to
 * another id the namespace maps (root's 5 there), which natively asks for CAP_CHOWN in the
 * program's namespace, which seccheck's thread cannot hold: it is refused (README, Limits).
 */
class NamespaceIdsTest {

    private static final String PROGRAM = "src/test/c/ns_ids.c";

    /** Every call's answer and the stored ids, natively, as root in the mapped namespace. */
    private static final String AS_ROOT = """
            fchown own = 0
            fchown -1 own = 0
            fchown unmapped = EINVAL
            fchown -1 unmapped = EINVAL
            chown own = 0
            chown unmapped -1 = EINVAL
            lchown -1 unmapped = EINVAL
            fchownat own -1 = 0
            fchownat empty unmapped = EINVAL
            setxattr acl own = 0
            setxattr acl 5 = 0
            setxattr acl unmapped = EINVAL
            setxattr acl group unmapped = EINVAL
            fsetxattr acl own = 0
            fsetxattr acl 7 = 0
            fsetxattr acl unmapped = EINVAL
            setxattr default acl own = 0
            setxattr default acl 5 = 0
            f: owner 100000:100000 user:100005 group:100005
            g: owner 100000:100000 user:100007 group:100007
            dir: owner 100000:100000 user:100005 group:100007
            """;

    /** The same as uid 65534 in a namespace that maps only its own user and group, as 0. */
    private static final String AS_NOBODY = """
            fchown own = 0
            fchown -1 own = 0
            fchown unmapped = EINVAL
            fchown -1 unmapped = EINVAL
            chown own = 0
            chown unmapped -1 = EINVAL
            lchown -1 unmapped = EINVAL
            fchownat own -1 = 0
            fchownat empty unmapped = EINVAL
            setxattr acl own = 0
            setxattr acl 5 = EINVAL
            setxattr acl unmapped = EINVAL
            setxattr acl group unmapped = EINVAL
            fsetxattr acl own = 0
            fsetxattr acl 7 = EINVAL
            fsetxattr acl unmapped = EINVAL
            setxattr default acl own = 0
            setxattr default acl 5 = EINVAL
            f: owner 65534:65534 user:65534 group:65534
            g: owner 65534:65534 user:65534 group:65534
            dir: owner 65534:65534 user:65534 group:65534
            """;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void idsNamedInTheProgramsUserNamespaceAreItsNotSeccheck(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        String expected = nobody ? AS_NOBODY : AS_ROOT;
        assertThat(run(nobody, null, program, dir(nobody, "native"))).as("natively").isEqualTo(expected);
        assertThat(run(nobody, policy(), program, dir(nobody, "under"))).isEqualTo(expected);
    }

    /** A directory owned by what the namespace's root is on the host: 100000 as root, 65534 otherwise. */
    private Path dir(boolean nobody, String name) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String owner = nobody ? "65534:65534" : "100000:100000";
        Process chown = new ProcessBuilder("chown", owner, dir.toString()).inheritIO().start();
        assertThat(chown.waitFor()).as("chown " + owner).isZero();
        return dir;
    }

    /** A policy with a rule on opening files (none of the program's is refused): seccheck makes the calls. */
    private Path policy() throws Exception {
        Path policy = tmp.resolve("opens.json");
        Files.writeString(policy, """
                {"name": "opens",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "no secrets", "effect": "open_file",
                    "match": {"resolved_path": {"glob": "/etc/shadow*"}}, "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}
                """);
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    /** Runs the program on {@code dir}, natively ({@code policy} null) or under the policy; its stdout. */
    private String run(boolean nobody, Path policy, Path program, Path dir) throws Exception {
        List<String> command = List.of(program.toString(), dir.toString());
        boolean under = policy != null;
        Path[] configs = under ? new Path[] {policy} : new Path[0];
        PackagedCli.Result r = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command, configs);
        return r.out();
    }
}
