package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A unix socket's peer sees the supplementary groups of the program that connected, also when
 * seccheck makes the connect ({@code peer_groups.c}: a root program that set groups 4242 and
 * 4343). seccheck took the program for itself when its ids and capabilities were seccheck's, and
 * connected with seccheck's own groups: the peer saw none (red-team round 23). As root, under the
 * README's guard policy; natively first.
 */
class PeerGroupsTest {

    @TempDir
    Path tmp;

    @Test
    void thePeerSeesTheProgramsGroups() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "root: setgroups");
        Path dir = tmp.toRealPath();
        Path program = CPrograms.compile("src/test/c/peer_groups.c", dir);
        Path guard = Files.writeString(dir.resolve("guard.json"), Policies.readmeGuard());
        for (boolean under : new boolean[] {false, true}) {
            assertThat(DeepPathsTest.run(dir, null, under, List.of(program.toString(), dir.toString()), guard))
                    .as(under ? "under the guard policy" : "natively").isEqualTo("peer groups: 4242 4343\n");
        }
    }
}
