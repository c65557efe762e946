package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sendmsg and sendmmsg with MSG_CMSG_COMPAT in their flags ({@code src/test/c/compat_message_flag.c}),
 * which the kernel refuses from a 64-bit caller with EINVAL before it looks the descriptor up.
 * seccheck makes each message as a sendto (or a sendmsg of its own), which never checks the flag:
 * under the README's guard policy the messages were sent to the loopback receiver and the calls
 * returned their counts. Now each fails with EINVAL, nothing of them is received, and a bad
 * descriptor or a sendmmsg of no message fails for the flag first; sendto, which does not check
 * it, still sends. Natively first, as root and as uid 65534.
 */
class CompatMessageFlagTest {

    @TempDir
    Path tmp;

    @Test
    void aCompatFlagFailsSendmsgAndSendmmsgAsNatively() throws Exception {
        refused(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aCompatFlagFailsSendmsgAndSendmmsgAsNativelyUnprivileged() throws Exception {
        refused(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.forNobody(tmp));
    }

    private static void refused(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        Path program = CPrograms.compile("src/test/c/compat_message_flag.c", real);
        Path config = Files.writeString(real.resolve("guard.json"), Policies.readmeGuard());
        List<String> command = List.of(program.toString());
        String natively = DeepPathsTest.run(real, nobodysClasspath, false, command, config);
        assertThat(natively).as("natively").contains("sendmsg named EINVAL", "sendmmsg named EINVAL",
                "sendmsg connected EINVAL", "sendmmsg connected EINVAL", "sendmsg no descriptor EINVAL",
                "sendmmsg no message EINVAL", "sendmsg netlink EINVAL", "sendto 1", "sendmsg upper half 1",
                "received g h\n");
        assertThat(DeepPathsTest.run(real, nobodysClasspath, true, command, config))
                .as("under the README's guard policy: the same, with no alert").isEqualTo(natively);
    }
}
