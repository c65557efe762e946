package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group signal seccheck performs for the program ({@code kill(0)}) reaches whom the kernel's
 * would: root's CAP_KILL holds over the user namespaces below root's own, so a child that became
 * root of a namespace of its own (uid 100000 outside) is signalled. Before, seccheck granted
 * CAP_KILL only over the caller's own namespace, and the child lived on (red team, 3 of 3).
 * Root only: uid 65534 cannot map another uid, and its kill(0) goes by uid anyway.
 */
class GroupSignalNamespacesTest {

    @TempDir
    Path tmp;

    @Test
    void rootsKillZeroReachesAChildThatIsRootOfANamespaceBelowItsOwn() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "maps another uid: root only");
        Path program = CPrograms.compile("src/test/c/kill_zero_userns.c", tmp);
        for (boolean underSeccheck : new boolean[] {false, true}) {
            List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
            cmd.addAll(PackagedCli.nativeOrUnderSeccheckProcess(tmp, underSeccheck, List.of(program.toString())).command());
            PackagedCli.Result r = PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(60));
            Assumptions.assumeFalse(r.out().contains("unshare:"), "user namespaces: " + r.out());
            assertThat(r.out()).as(underSeccheck ? "under seccheck" : "natively")
                    .isEqualTo("kill(0) = 0\nchild killed by SIGTERM\n");
        }
    }
}
