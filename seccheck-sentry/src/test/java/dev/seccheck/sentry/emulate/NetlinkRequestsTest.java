package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which netlink requests seccheck sends itself for a task sharing its descriptor table (routing's
 * queries and dumps, netlink's control messages, socket diagnostics), and how it tells that a
 * task shares its table ({@link FileTables}, asked of the kernel for this JVM's threads and a
 * child process). The cli's NetlinkRequestsTest and EmulationTest run them for real.
 */
class NetlinkRequestsTest {

    private static byte[] messages(int... types) {
        ByteBuffer b = ByteBuffer.allocate(types.length * 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int t : types) {
            b.putInt(20).putShort((short) t).putShort((short) 1).putInt(1).putInt(0).putInt(0);
        }
        return b.array();
    }

    @Test
    void routingQueriesAndDumpsAreSentAndChangesAreNot() {
        int route = NetlinkRequests.NETLINK_ROUTE;
        assertThat(NetlinkRequests.refusal(route, messages(18))).isNull(); // RTM_GETLINK
        assertThat(NetlinkRequests.refusal(route, messages(22, 26))).isNull(); // RTM_GETADDR, RTM_GETROUTE
        assertThat(NetlinkRequests.refusal(route, messages(3))).isNull(); // NLMSG_DONE
        assertThat(NetlinkRequests.refusal(route, new byte[0])).isNull();
        assertThat(NetlinkRequests.refusal(route, messages(19))).contains("type 19"); // RTM_SETLINK
        assertThat(NetlinkRequests.refusal(route, messages(16))).contains("type 16"); // RTM_NEWLINK
        assertThat(NetlinkRequests.refusal(route, messages(22, 24))).contains("type 24"); // then RTM_NEWROUTE
        assertThat(NetlinkRequests.refusal(route, messages(90))).contains("type 90"); // RTM_GETNSID names a namespace
        assertThat(NetlinkRequests.refusal(NetlinkRequests.NETLINK_SOCK_DIAG, messages(20))).isNull();
        assertThat(NetlinkRequests.refusal(16 /* NETLINK_GENERIC */, messages(18))).contains("protocol 16");
    }

    @Test
    void messagesAreWalkedAsTheKernelWalksThem() {
        byte[] two = messages(18, 19);
        // A length shorter than the header stops the kernel: what follows is never served.
        ByteBuffer.wrap(two).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 8);
        assertThat(NetlinkRequests.refusal(NetlinkRequests.NETLINK_ROUTE, two)).isNull();
        byte[] past = messages(19);
        ByteBuffer.wrap(past).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 64);
        assertThat(NetlinkRequests.refusal(NetlinkRequests.NETLINK_ROUTE, past)).isNull();
    }

    @Test
    void threadsShareTheirTableAndAChildProcessDoesNot() throws Exception {
        String[] self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString().split("/");
        int pid = Integer.parseInt(self[0]);
        int tid = Integer.parseInt(self[2]);
        int other;
        try (Stream<Path> threads = Files.list(Path.of("/proc/self/task"))) {
            other = threads.map(p -> Integer.parseInt(p.getFileName().toString())).filter(t -> t != tid).findFirst()
                    .orElseThrow();
        }
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            int childPid = (int) child.pid();
            TaskTable table = new TaskTable(false);
            table.put(new Task(tid, pid, 1, 0, 0, "java", null, null, false));
            table.put(new Task(childPid, childPid, pid, 0, 0, "sleep", null, null, false));
            FileTables files = new FileTables(table);
            assertThat(files.shared(tid, pid)).as("only a child process in the table").isFalse();
            table.put(new Task(other, pid, 1, 0, 0, "java", null, null, false));
            assertThat(files.shared(tid, pid)).as("another thread of this JVM").isTrue();
            table.remove(other);
            table.put(new Task(Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1, 1, 0, 0, "gone", null, null, false));
            assertThat(files.shared(tid, pid)).as("a task gone shares nothing").isFalse();
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
