package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Symlinks on a mount made {@code nosymfollow} are not followed for a program under seccheck. The
 * option hardens mounts that untrusted users write (a shared /tmp, removable media): a symlink
 * planted there is refused with ELOOP, trailing or not. seccheck's walk follows symlinks itself,
 * so it never saw the mount's flag: under seccheck a program read through such links. The same
 * shell script's lines must be the same natively and under seccheck, and natively they show both
 * refusals and successes, so the comparison cannot pass vacuously. Needs root (it mounts a tmpfs).
 */
class NoSymfollowMountTest {

    private static final String SCRIPT = """
            cd "$1"
            try() { "$@" 2>&1; echo "rc=$?"; }
            try cat m/link
            try cat m/dirlink/f
            try sh -c 'cd m && cat link'
            try cat m/d/f
            try cat outlink
            try readlink m/link
            try python3 -c 'import socket,sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1]); print("connected")
            except OSError as e:
                print(e.strerror)' m/dirlink/sock
            try python3 -c 'import os
            try:
                print(os.open("m/link", os.O_PATH | os.O_NOFOLLOW) >= 0)
            except OSError as e:
                print(e.strerror)'
            """;

    @TempDir
    Path tmp;

    private Path mount;

    @BeforeEach
    void mount() throws Exception {
        PackagedCli.assumeNobody(tmp); // root, for mount
        mount = Files.createDirectory(tmp.resolve("m"));
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "nosymfollow,size=1m",
                "tmpfs", mount.toString()), tmp, Duration.ofSeconds(30));
        Assumptions.assumeTrue(r.status() == 0, "cannot mount a tmpfs nosymfollow here: " + r.err());
        Files.writeString(tmp.resolve("target"), "the target\n");
        Files.createDirectory(mount.resolve("d"));
        Files.writeString(mount.resolve("d/f"), "below the link\n");
        Files.createSymbolicLink(mount.resolve("link"), tmp.resolve("target"));
        Files.createSymbolicLink(mount.resolve("dirlink"), mount.resolve("d"));
        Files.createSymbolicLink(tmp.resolve("outlink"), mount.resolve("d/f"));
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            PackagedCli.run(new ProcessBuilder("umount", mount.toString()), tmp, Duration.ofSeconds(30));
        }
    }

    private String run(boolean underSeccheck) throws Exception {
        // A socket below the link, listening while the script runs.
        Process server = new ProcessBuilder("python3", "-c", "import socket,sys,time\ns=socket.socket(socket.AF_UNIX)\n"
                + "s.bind(sys.argv[1]); s.listen(); print('up', flush=True); time.sleep(60)",
                mount.resolve("d/sock").toString()).start();
        try {
            assertThat(new String(server.getInputStream().readNBytes(3))).isEqualTo("up\n");
            return PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, List.of("sh", "-c", SCRIPT, "script",
                    tmp.toString())).out();
        } finally {
            server.destroyForcibly().waitFor();
            Files.deleteIfExists(mount.resolve("d/sock"));
        }
    }

    @Test
    void symlinksOnTheMountAreNotFollowedTrailingOrNot() throws Exception {
        String natively = run(false);
        assertThat(natively).contains(
                "cat: m/link: Too many levels of symbolic links\nrc=1\n",
                "cat: m/dirlink/f: Too many levels of symbolic links\nrc=1\n",
                "below the link\nrc=0\n",
                "Too many levels of symbolic links\nrc=0\n",
                "True\nrc=0\n");
        assertThat(run(true)).isEqualTo(natively);
    }
}
