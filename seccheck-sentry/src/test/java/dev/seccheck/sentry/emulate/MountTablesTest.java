package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.linux.Mountinfo.Mount;
import dev.seccheck.linux.PathCalls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount namespace's table is read once and again only after a mount or unmount in it: a
 * program with thousands of mounts in a namespace of its own made seccheck read its whole table
 * for every open there (0.4 s per open at 10,000 mounts, the kernel writing the table each time).
 */
class MountTablesTest {

    @TempDir
    Path dir;

    private final PathCalls calls = new PathCalls();

    @Test
    void aNamespacesTableIsReadAgainOnlyAfterAChangeInIt() throws Exception {
        Path point = Files.createDirectory(dir.resolve("point"));
        // A shell in a user and mount namespace of its own (unprivileged too), which mounts when told.
        Process sh = new ProcessBuilder("unshare", "-Urm", "--propagation", "private", "sh", "-c",
                "echo ready; read go; mount -t tmpfs none " + point + " && echo mounted; read end").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(sh.getInputStream()));
                Writer in = new OutputStreamWriter(sh.getOutputStream())) {
            assertThat(out.readLine()).isEqualTo("ready");
            int pid = (int) sh.pid();
            List<Mount> first = MountTables.ALL.of(calls, pid);
            assertThat(MountTables.ALL.of(calls, pid)).as("unchanged: the table read before").isSameAs(first);
            assertThat(MountTables.ALL.of(calls, (int) ProcessHandle.current().pid())).as("ours is another namespace's")
                    .isNotSameAs(first);

            in.write("go\n");
            in.flush();
            assertThat(out.readLine()).as("the shell's mount").isEqualTo("mounted");
            List<Mount> after = MountTables.ALL.of(calls, pid);
            assertThat(after).as("read again after the mount").isNotSameAs(first)
                    .anyMatch(m -> m.mountPoint().equals(point.toString()) && m.type().equals("tmpfs"));
            assertThat(first).noneMatch(m -> m.mountPoint().equals(point.toString()));
            assertThat(MountTables.ALL.of(calls, pid)).isSameAs(after);
        } finally {
            sh.destroyForcibly().waitFor();
        }
    }

    @Test
    void aTaskThatIsGoneHasNoTable() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertThatThrownBy(() -> MountTables.ALL.of(calls, (int) p.pid())).isInstanceOf(IOException.class);
    }
}
