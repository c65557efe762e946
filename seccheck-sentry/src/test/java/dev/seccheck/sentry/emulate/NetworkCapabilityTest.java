package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Whether a real process holds CAP_NET_RAW over its network namespace, told as the kernel's rule
 * tells it: by its effective set over a namespace of its own user namespace, by having made the
 * user namespace that owns it, and not at all over one above it. Each process is made with
 * util-linux's tools (unshare, nsenter, setpriv), run as root.
 */
class NetworkCapabilityTest {

    private static final String NOBODY = "--reuid=65534 --regid=65534 --clear-groups";
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code command} (which execs into sleep, keeping its pid) and gives its pid once it sleeps. */
    private int sleeping(String command) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "exec " + command + " sleep 60")
                .redirectErrorStream(true).start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Path comm = Path.of("/proc/" + p.pid() + "/comm");
        while (!Files.readString(comm).equals("sleep\n")) {
            if (!p.isAlive()) {
                throw new AssertionError(command + " ended: " + new String(p.getInputStream().readAllBytes()));
            }
            assertThat(System.nanoTime()).as("%s reached sleep", command).isLessThan(deadline);
            Thread.sleep(10);
        }
        return (int) p.pid();
    }

    private static boolean netRaw(int pid) {
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            return NetworkCapability.netRaw(new PathCalls(), files, pid);
        }
    }

    @Test
    void theEffectiveSetDecidesOverANamespaceOfTheTasksOwnUserNamespace() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "the processes are made as root");
        assertThat(netRaw(sleeping(""))).as("root").isTrue();
        assertThat(netRaw(sleeping("setpriv --bounding-set=-net_raw"))).as("root without CAP_NET_RAW").isFalse();
        assertThat(netRaw(sleeping("setpriv " + NOBODY))).as("uid 65534").isFalse();
        assertThat(netRaw(sleeping("setpriv " + NOBODY + " unshare -rn"))).as("uid 65534, root of its own namespaces")
                .isTrue();
    }

    @Test
    void theMakerOfTheOwningUserNamespaceHoldsEverythingOverIt() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "the processes are made as root");
        int inner = sleeping("unshare -rn");
        String enter = "nsenter --net=/proc/" + inner + "/ns/net ";
        // In root's user namespace, in a network namespace owned by one root made: every capability.
        assertThat(netRaw(sleeping(enter + "setpriv --bounding-set=-net_raw"))).as("root, CAP_NET_RAW dropped")
                .isTrue();
        assertThat(netRaw(sleeping(enter + "setpriv " + NOBODY))).as("uid 65534 there").isFalse();
        // Made by uid 65534: from the user namespace above it, that user holds everything over it.
        int nobodys = sleeping("setpriv " + NOBODY + " unshare -rn");
        String enterNobodys = "nsenter --net=/proc/" + nobodys + "/ns/net ";
        assertThat(netRaw(sleeping(enterNobodys + "setpriv " + NOBODY))).as("uid 65534 in the one it made").isTrue();
        assertThat(netRaw(sleeping(enterNobodys + "setpriv --reuid=65533 --regid=65533 --clear-groups")))
                .as("uid 65533 in the one uid 65534 made").isFalse();
    }

    @Test
    void aTaskThatIsGoneHoldsNothing() {
        assertThat(netRaw(Integer.MAX_VALUE - 1)).isFalse();
    }
}
