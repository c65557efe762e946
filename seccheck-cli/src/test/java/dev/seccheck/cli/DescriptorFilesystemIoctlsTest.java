package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ioctls that change a directory or a file through any descriptor of its owner, a read-only
 * one too, beyond the flags {@link DescriptorAttributesTest} covers ({@code src/test/c/fd_fs_ioctls.c}):
 * FS_IOC_SET_ENCRYPTION_POLICY (an fscrypt policy with a key of the program's choosing on an empty
 * directory: from then on nobody without that key creates a file in it), EXT4_IOC_MIGRATE (a
 * file's blocks mapped by extents, its flag 'e' set) and FS_IOC_ENABLE_VERITY (a file read-only
 * for good; this kernel has no fs-verity, and the image not the feature). Under a policy that lets
 * only read-only opens through under a directory, the program opened its empty subdirectory
 * O_RDONLY and encrypted it, and the operator's own file there then failed with "Required key
 * not available" (red-team report R2 F3): each call is refused now (EPERM), the directory and the
 * file left as they were. Outside that directory each call is answered as natively, line for
 * line, errors included. On an ext4 image with the encrypt feature, made and loop-mounted by the
 * test (root), its files made before the extent feature was turned on so that their blocks are
 * mapped the old way; as root and with seccheck and the program as uid 65534.
 */
class DescriptorFilesystemIoctlsTest {

    private static final String PROGRAM = "src/test/c/fd_fs_ioctls.c";

    /** What the program prints under the read-only policy: every call refused, both as they were. */
    private static final String REFUSED = """
            ro FS_IOC_SET_ENCRYPTION_POLICY = EPERM
            ro EXT4_IOC_MIGRATE = EPERM
            ro FS_IOC_ENABLE_VERITY = EPERM
            ro: policy none extents 0
            """;

    @TempDir
    Path tmp;

    @Test
    void aProtectedDirectoryIsNotEncryptedNorAFileMigratedThroughAReadOnlyDescriptorAsRoot() throws Exception {
        refused(false);
    }

    @Test
    void aProtectedDirectoryIsNotEncryptedNorAFileMigratedThroughAReadOnlyDescriptorAsUid65534() throws Exception {
        refused(true);
    }

    @Test
    void theseIoctlsOnOtherFilesAreAnsweredAsNativelyAsRoot() throws Exception {
        asNatively(false);
    }

    @Test
    void theseIoctlsOnOtherFilesAreAnsweredAsNativelyAsUid65534() throws Exception {
        asNatively(true);
    }

    private void refused(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        try (Image image = Image.mount(tmp, nobody, "native", "ro")) {
            String natively = run(nobody, null, program, "change", image.dir("native"));
            assertThat(natively).startsWith("""
                    ro FS_IOC_SET_ENCRYPTION_POLICY = 0
                    ro EXT4_IOC_MIGRATE = 0
                    """).endsWith("ro: policy set extents 1\n");
            assertThatThrownBy(() -> Files.writeString(image.dir("native").resolve("enc/operator"), "x"))
                    .as("natively the operator's file cannot be made").isInstanceOf(FileSystemException.class)
                    .hasMessageContaining("Required key not available");

            Path ro = image.dir("ro");
            assertThat(run(nobody, readOnlyPolicy(ro), program, "change", ro)).isEqualTo(REFUSED);
            Files.writeString(ro.resolve("enc/operator"), "x");
            assertThat(ro.resolve("enc/operator")).hasContent("x");
        }
    }

    private void asNatively(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        try (Image image = Image.mount(tmp, nobody, "cases-native", "cases-under", "ro")) {
            String natively = run(nobody, null, program, "cases", image.dir("cases-native"));
            assertThat(natively).contains("v1 at the end of memory = 0", "v1 again = 0", "v1 another = EEXIST",
                    "v1 unmapped = EFAULT", "v2 cut short = EFAULT", "v1 non-empty directory = ENOTEMPTY",
                    "v1 opath = EBADF", "v1 pipe = ENOTTY", "migrate = 0", "migrate again = EINVAL",
                    "f: policy set extents 1", "verity opath = EBADF");
            assertThat(natively).contains(nobody ? "v2 at the end of memory = ENOKEY" : "v2 at the end of memory = 0");
            Path policy = readOnlyPolicy(image.dir("ro"));
            assertThat(run(nobody, policy, program, "cases", image.dir("cases-under"))).isEqualTo(natively);
        }
    }

    /** The policy: read-only opens under {@code ro} (O_PATH ones among them), and no other open there. */
    private Path readOnlyPolicy(Path ro) throws Exception {
        Path policy = tmp.resolve("readonly.json");
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

    /** Runs the program's {@code mode} on {@code dir}, natively ({@code policy} null) or under the policy; its stdout. */
    private String run(boolean nobody, Path policy, Path program, String mode, Path dir) throws Exception {
        List<String> command = List.of(program.toString(), mode, dir.toString());
        boolean under = policy != null;
        Path[] configs = under ? new Path[] {policy} : new Path[0];
        return (nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command, configs)).out();
    }

    /**
     * A 32 MB ext4 image with the encrypt feature in the test's directory, attached to a loop device
     * and mounted; in it a directory per name with {@code enc} and {@code enc2} (empty) and
     * {@code f} and {@code f2} (a few bytes, their blocks mapped without extents), all uid
     * 65534's when {@code nobody}. Closing unmounts it and detaches the device.
     */
    private record Image(Path mountPoint, String device) implements AutoCloseable {

        static Image mount(Path tmp, boolean nobody, String... dirs) throws Exception {
            Assumptions.assumeTrue(CPrograms.onPath("mkfs.ext4") && CPrograms.onPath("debugfs")
                    && CPrograms.onPath("tune2fs") && CPrograms.onPath("losetup"), "e2fsprogs and losetup are needed");
            PackagedCli.assumeNobody(tmp); // root, to mount
            Path img = tmp.resolve("enc.img");
            Path content = Files.writeString(tmp.resolve("content"), "kept\n");
            StringBuilder commands = new StringBuilder();
            for (String d : dirs) {
                commands.append("mkdir ").append(d).append("\ncd /").append(d).append("\nwrite ").append(content)
                        .append(" f\nwrite ").append(content).append(" f2\nmkdir enc\nmkdir enc2\ncd /\n");
            }
            Path script = Files.writeString(tmp.resolve("debugfs.cmds"), commands.toString());
            // Made without extents, which are turned on afterwards: the files debugfs writes keep the old mapping.
            sh(tmp, "truncate", "-s", "32M", img.toString());
            sh(tmp, "mkfs.ext4", "-q", "-O", "encrypt,^extent,^64bit", img.toString());
            sh(tmp, "debugfs", "-w", "-f", script.toString(), img.toString());
            sh(tmp, "tune2fs", "-O", "extent", img.toString());
            PackagedCli.Result attached = PackagedCli.run(new ProcessBuilder("losetup", "--find", "--show", img.toString()),
                    tmp, Duration.ofSeconds(30));
            Assumptions.assumeTrue(attached.status() == 0, "no loop device: " + attached.err());
            String device = attached.out().strip();
            Path mountPoint = Files.createDirectory(tmp.resolve("fs"));
            PackagedCli.Result mounted = PackagedCli.run(new ProcessBuilder("mount", device, mountPoint.toString()), tmp,
                    Duration.ofSeconds(30));
            if (mounted.status() != 0) {
                sh(tmp, "losetup", "-d", device);
                throw new AssertionError("mount " + device + ": " + mounted.err());
            }
            Image image = new Image(mountPoint, device);
            if (nobody) {
                try {
                    for (String d : dirs) {
                        sh(tmp, "chown", "-R", PackagedCli.NOBODY + ":" + PackagedCli.NOBODY, image.dir(d).toString());
                    }
                } catch (Throwable t) {
                    image.close();
                    throw t;
                }
            }
            return image;
        }

        Path dir(String name) {
            return mountPoint.resolve(name);
        }

        @Override
        public void close() throws Exception {
            try {
                sh(mountPoint.getParent(), "umount", mountPoint.toString());
            } finally {
                sh(mountPoint.getParent(), "losetup", "-d", device);
            }
        }

        private static void sh(Path dir, String... command) throws Exception {
            PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(command), dir, Duration.ofSeconds(60));
            assertThat(r.status()).as("%s: %s", String.join(" ", command), r.err()).isZero();
        }
    }
}
