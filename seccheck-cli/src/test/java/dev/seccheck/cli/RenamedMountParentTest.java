package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that renames the parent of one of its mount points still opens files under it, as
 * natively. seccheck keeps each namespace's mount table and reads it again when the kernel
 * signals a mount, unmount or move; a rename above a mount point signals nothing, yet renames
 * the mount point, and the name built from the kept table was not the file's: under a policy on
 * paths the second read was refused with EACCES and a false "on a mount seccheck cannot name"
 * alert. Run as root and as uid 65534, each in a user and mount namespace of its own.
 */
class RenamedMountParentTest {

    @TempDir
    Path tmp;

    private Path policy;
    private Path source;

    /** Binds SOURCE at W/a/b, reads pub.txt there, renames W/a to W/c and reads it again. */
    private static final String RENAME = """
            W=$1; mkdir -p $W/a/b
            mount --bind $2 $W/a/b || exit 1
            cat $W/a/b/pub.txt
            mv $W/a $W/c && echo renamed
            cat $W/c/b/pub.txt
            """;

    @BeforeEach
    void prepare() throws IOException {
        PackagedCli.assumeNobody(tmp);
        source = Files.createDirectory(tmp.resolve("source"));
        Files.writeString(source.resolve("pub.txt"), "pub\n");
        policy = Files.writeString(tmp.resolve("guard.json"), Policies.OPEN_FILE_KEYS);
    }

    private List<String> command(Path work) {
        return List.of("unshare", "-Urm", "/bin/sh", "-c", RENAME, "sh", work.toString(), source.toString());
    }

    @Test
    void aRootProgramReadsUnderAMountWhoseParentItRenamed() throws Exception {
        PackagedCli.Result natively = PackagedCli.run(new ProcessBuilder(command(Files.createDirectory(tmp.resolve("n")))),
                tmp, java.time.Duration.ofSeconds(60));
        Assumptions.assumeTrue(natively.status() == 0, "user namespaces: " + natively.err());
        assertThat(natively.out()).isEqualTo("pub\nrenamed\npub\n");
        PackagedCli.Result under = PackagedCli.nativeOrUnderSeccheck(tmp, true, command(Files.createDirectory(tmp.resolve("s"))),
                policy);
        assertThat(under.out()).as(under.err()).isEqualTo("pub\nrenamed\npub\n");
    }

    @Test
    void uid65534ReadsUnderAMountWhoseParentItRenamed() throws Exception {
        String classpath = PackagedCli.nobodyClasspath();
        assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false,
                command(PackagedCli.nobodysDir(tmp.resolve("n")))).out()).isEqualTo("pub\nrenamed\npub\n");
        PackagedCli.Result under = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true,
                command(PackagedCli.nobodysDir(tmp.resolve("s"))), policy);
        assertThat(under.out()).as(under.err()).isEqualTo("pub\nrenamed\npub\n");
    }
}
