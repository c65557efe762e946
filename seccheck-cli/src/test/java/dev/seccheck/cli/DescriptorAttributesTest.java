package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file's mode, owner, extended attributes (an access ACL among them), times and flags changed
 * through a descriptor the program holds, with no name: fchmod, fchown, fsetxattr, fremovexattr,
 * futimens (utimensat with a descriptor and no name), futimesat with no name, ioctl
 * FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION and EXT4_IOC_SETVERSION (the inode's
 * generation: red-team report R2 F4) ({@code src/test/c/fd_attributes.c}). Under a policy that
 * lets only read-only opens through under a directory ({@code flags}: O_RDONLY, O_CLOEXEC) and
 * denies every other open there, the program opened a file there O_RDONLY and changed it
 * through that descriptor by every one of these calls, while chmod by name was refused (red-team
 * report R2 #3): each is refused now (EPERM), the file left as it was. Outside that directory
 * each call is answered as natively, line for line, errors included (a file of root's for uid
 * 65534: EPERM, EACCES; an O_PATH, closed or negative descriptor: EBADF; a pipe: EPERM,
 * EOPNOTSUPP, ENOTTY; bad flags, names, sizes, times and unreadable memory in the kernel's order).
 * As root and with seccheck and the program as uid 65534.
 */
class DescriptorAttributesTest {

    private static final String PROGRAM = "src/test/c/fd_attributes.c";

    /** What the refused mode prints on a file of the caller's, natively: every call changes it. */
    private static final String NATIVELY_CHANGED = """
            ro fchmod 0666 = 0
            ro fchown = 0
            ro futimens = 0
            ro futimesat = 0
            ro futimens now = 0
            ro fsetxattr user.note = 0
            ro fremovexattr user.keep = 0
            ro fsetxattr acl = 0
            ro FS_IOC_SETFLAGS noatime = 0
            ro FS_IOC_FSSETXATTR nodump = 0
            ro FS_IOC_SETVERSION = 0
            ro EXT4_IOC_SETVERSION = 0
            ro: mode 674 uid mine mtime recent xattrs user.note system.posix_acl_access noatime 1 xflag-nodump 1 \
            generation 4343
            """;

    /** What it prints under the read-only policy: every call refused, the file as it was. */
    private static final String REFUSED = """
            ro fchmod 0666 = EPERM
            ro fchown = EPERM
            ro futimens = EPERM
            ro futimesat = EPERM
            ro futimens now = EPERM
            ro fsetxattr user.note = EPERM
            ro fremovexattr user.keep = EPERM
            ro fsetxattr acl = EPERM
            ro FS_IOC_SETFLAGS noatime = EPERM
            ro FS_IOC_FSSETXATTR nodump = EPERM
            ro FS_IOC_SETVERSION = EPERM
            ro EXT4_IOC_SETVERSION = EPERM
            ro: mode 644 uid mine mtime old xattrs user.keep noatime 0 xflag-nodump 0 generation kept
            """;

    /** What the opath mode prints, natively and under the read-only policy: the kernel's EBADF, the file as it was. */
    private static final String OPATH_EBADF = """
            opath fchmod 0666 = EBADF
            opath fchown = EBADF
            opath futimens = EBADF
            opath futimesat = EBADF
            opath futimens now = EBADF
            opath fsetxattr user.note = EBADF
            opath fremovexattr user.keep = EBADF
            opath fsetxattr acl = EBADF
            opath FS_IOC_SETFLAGS noatime = EBADF
            opath FS_IOC_FSSETXATTR nodump = EBADF
            opath FS_IOC_SETVERSION = EBADF
            opath EXT4_IOC_SETVERSION = EBADF
            opath: mode 644 uid mine mtime old xattrs user.keep noatime 0 xflag-nodump 0 generation kept
            """;

    @TempDir
    Path tmp;

    @Test
    void aProtectedFileIsNotChangedThroughAReadOnlyDescriptorAsRoot() throws Exception {
        refused(false);
    }

    @Test
    void aProtectedFileIsNotChangedThroughAReadOnlyDescriptorAsUid65534() throws Exception {
        refused(true);
    }

    @Test
    void anOPathDescriptorOfAProtectedFileIsEbadfWithNoAlertAsRoot() throws Exception {
        opathEbadf(false);
    }

    @Test
    void anOPathDescriptorOfAProtectedFileIsEbadfWithNoAlertAsUid65534() throws Exception {
        opathEbadf(true);
    }

    @Test
    void descriptorCallsOnOtherFilesAreAnsweredAsNativelyAsRoot() throws Exception {
        asNatively(false);
    }

    @Test
    void descriptorCallsOnOtherFilesAreAnsweredAsNativelyAsUid65534() throws Exception {
        asNatively(true);
    }

    private void refused(boolean nobody) throws Exception {
        Path program = program(nobody);
        Path nativeFile = file(dir(nobody, "native").resolve("file.txt"), nobody, true);
        assertThat(run(nobody, null, program, "refused", nativeFile)).isEqualTo(NATIVELY_CHANGED);
        Path ro = dir(nobody, "ro");
        Path protectedFile = file(ro.resolve("file.txt"), nobody, true);
        assertThat(run(nobody, readOnlyPolicy(ro), program, "refused", protectedFile)).isEqualTo(REFUSED);
    }

    /**
     * An O_PATH descriptor opens no file for the kernel's descriptor calls, which answer EBADF
     * before any permission check: under the policy, which lets O_PATH opens under the directory
     * through, they were refused with EPERM and an alert each (red-team report R2 F5).
     */
    private void opathEbadf(boolean nobody) throws Exception {
        Path program = program(nobody);
        Path nativeFile = file(dir(nobody, "native").resolve("file.txt"), nobody, true);
        assertThat(run(nobody, null, program, "opath", nativeFile)).isEqualTo(OPATH_EBADF);
        Path ro = dir(nobody, "ro");
        Path protectedFile = file(ro.resolve("file.txt"), nobody, true);
        PackagedCli.Result under = result(nobody, readOnlyPolicy(ro), program, "opath", protectedFile);
        assertThat(under.out()).isEqualTo(OPATH_EBADF);
        assertThat(under.err()).doesNotContain("\"alert\"");
    }

    private void asNatively(boolean nobody) throws Exception {
        Path program = program(nobody);
        String natively = run(nobody, null, program, "cases", cases(nobody, "cases-native"));
        assertThat(natively).contains("own fchmod 0666 = 0", "closed fchmod 0666 = EBADF", "opath fsetxattr acl = EBADF",
                "FS_IOC_SETFLAGS pipe = ENOTTY", "fsetxattr bogus namespace = EOPNOTSUPP");
        if (nobody) {
            assertThat(natively).contains("other fchmod 0666 = EPERM", "other fsetxattr user.note = EACCES");
        }
        Path policy = readOnlyPolicy(dir(nobody, "ro"));
        assertThat(run(nobody, policy, program, "cases", cases(nobody, "cases-under"))).isEqualTo(natively);
    }

    /** The files of the cases mode: {@code own} (the caller's), {@code other} (root's) and {@code opath}, mode 0644. */
    private Path cases(boolean nobody, String name) throws Exception {
        Path dir = dir(nobody, name);
        file(dir.resolve("own"), nobody, true);
        file(dir.resolve("other"), false, false);
        file(dir.resolve("opath"), nobody, false);
        return dir;
    }

    /** The policy: read-only opens under {@code ro} (O_PATH ones among them), and no other open there. */
    private Path readOnlyPolicy(Path ro) throws Exception {
        Path policy = tmp.resolve("readonly-" + ro.getFileName() + ".json");
        Files.writeString(policy, """
                {"name": "readonly-dir",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "read-only opens", "effect": "open_file",
                    "match": {"resolved_path": {"prefix": "DIR/"}, "flags": [0, 524288, 2097152, 2621440]}, "action": "allow"},
                   {"name": "nothing else", "effect": "open_file",
                    "match": {"resolved_path": {"prefix": "DIR/"}}, "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}
                """.replace("DIR", ro.toString()));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    private Path program(boolean nobody) throws Exception {
        return PackagedCli.compiledFor(tmp, nobody, PROGRAM);
    }

    private Path dir(boolean nobody, String name) throws Exception {
        return nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
    }

    /** A file mode 0644 with an old mtime, uid 65534's when {@code nobody}, with {@code user.keep} when {@code keep}. */
    private static Path file(Path f, boolean nobody, boolean keep) throws Exception {
        Files.writeString(f, "kept\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        if (keep) {
            Files.getFileAttributeView(f, UserDefinedFileAttributeView.class)
                    .write("keep", ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)));
        }
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        return nobody ? PackagedCli.givenToNobody(f) : f;
    }

    /** Runs the program's {@code mode} on {@code target}, natively ({@code policy} null) or under the policy; its stdout. */
    private String run(boolean nobody, Path policy, Path program, String mode, Path target) throws Exception {
        return result(nobody, policy, program, mode, target).out();
    }

    /** Runs the program's {@code mode} on {@code target}, natively ({@code policy} null) or under the policy. */
    private PackagedCli.Result result(boolean nobody, Path policy, Path program, String mode, Path target)
            throws Exception {
        List<String> command = List.of(program.toString(), mode, target.toString());
        boolean under = policy != null;
        Path[] configs = under ? new Path[] {policy} : new Path[0];
        return nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command, configs);
    }
}
