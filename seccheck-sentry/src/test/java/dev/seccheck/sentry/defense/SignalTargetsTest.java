package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * {@link SignalTargets} on real tasks: this JVM plays seccheck, a thread started after it is the
 * kind the filter cannot list, and a child process plays a task of the run.
 */
class SignalTargetsTest {

    private static final int SELF = JvmThreads.PID;
    private final SignalTargets targets = new SignalTargets(SELF);

    /** Memory holding a 128-byte siginfo with {@code code} as si_code at 0x1000; any other address faults. */
    private static TaskMemory siginfo(int code) {
        return siginfo(code, 128, false);
    }

    /**
     * A task's memory holding, at 0x1000, a siginfo with {@code code} of which only the first
     * {@code readable} bytes can be read, its last 80 bytes zero unless {@code expanded}.
     */
    private static TaskMemory siginfo(int code, int readable, boolean expanded) {
        byte[] info = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN).putInt(8, code).array();
        if (expanded) {
            info[100] = 1;
        }
        return new TaskMemory() {
            @Override
            public byte[] read(long addr, int len) throws MemoryFault {
                if (addr < 0x1000 || addr + len > 0x1000 + readable) {
                    throw new MemoryFault(addr, "not mapped");
                }
                return java.util.Arrays.copyOfRange(info, (int) (addr - 0x1000), (int) (addr - 0x1000) + len);
            }

            @Override
            public String readString(long addr, int max) throws MemoryFault {
                throw new MemoryFault(addr, "not mapped");
            }
        };
    }

    @Test
    void aThreadStartedLaterIsRefusedAsAimedAtTheSupervisor() throws Exception {
        Set<Integer> before = JvmThreads.all();
        CountDownLatch done = new CountDownLatch(1);
        Thread later = Thread.ofPlatform().daemon().start(() -> {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Set<Integer> started = JvmThreads.all();
        started.removeAll(before);
        assertThat(started).as("the thread started").isNotEmpty();
        int tid = started.iterator().next();
        Process caller = new ProcessBuilder("sleep", "30").start();
        try {
            int callerTid = (int) caller.pid();
            for (int nr : new int[] {Sysno.KILL, Sysno.TKILL, Sysno.RT_SIGQUEUEINFO, Sysno.PIDFD_OPEN}) {
                assertThat(targets.refusal(callerTid, nr, tid, 10, 0x1000, siginfo(-1)))
                        .as(Sysno.name(nr)).contains(new SignalTargets.Refusal(Errno.EPERM, true));
                assertThat(targets.refusal(callerTid, nr, SELF, 10, 0x1000, siginfo(-1))).as(Sysno.name(nr) + " of the pid")
                        .contains(new SignalTargets.Refusal(Errno.EPERM, true));
            }
        } finally {
            done.countDown();
            later.join();
            caller.destroyForcibly().waitFor();
        }
    }

    @Test
    void anotherTaskOrTheCallerItselfIsTheKernelsToAnswer() throws Exception {
        Process other = new ProcessBuilder("sleep", "30").start();
        Process caller = new ProcessBuilder("sleep", "30").start();
        try {
            int callerTid = (int) caller.pid();
            assertThat(targets.refusal(callerTid, Sysno.KILL, (int) other.pid(), 10, 0, siginfo(0))).isEmpty();
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, (int) other.pid(), 10, 0, siginfo(0))).isEmpty();
            assertThat(targets.refusal(callerTid, Sysno.TKILL, callerTid, 10, 0, siginfo(0))).isEmpty();
            assertThat(targets.refusal(callerTid, Sysno.PIDFD_OPEN, (int) other.pid(), 0200, 0, siginfo(0))).isEmpty();
        } finally {
            other.destroyForcibly().waitFor();
            caller.destroyForcibly().waitFor();
        }
    }

    /**
     * No task has the number: the kernel's answer is given here, so that no thread of seccheck
     * can take it before the kernel looks. rt_sigqueueinfo's siginfo is checked first, as the
     * kernel does.
     */
    @Test
    void aNumberOfNoTaskIsAnsweredAsTheKernelWould() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        int none = (int) gone.pid();
        Process caller = new ProcessBuilder("sleep", "30").start();
        try {
            int callerTid = (int) caller.pid();
            SignalTargets.Refusal esrch = new SignalTargets.Refusal(Errno.ESRCH, false);
            assertThat(targets.refusal(callerTid, Sysno.KILL, none, 10, 0, siginfo(0))).contains(esrch);
            assertThat(targets.refusal(callerTid, Sysno.TKILL, none, 10, 0, siginfo(0))).contains(esrch);
            assertThat(targets.refusal(callerTid, Sysno.PIDFD_OPEN, none, 04000, 0, siginfo(0))).contains(esrch);
            assertThat(targets.refusal(callerTid, Sysno.PIDFD_OPEN, none, 1, 0, siginfo(0))).as("flags it does not know")
                    .contains(new SignalTargets.Refusal(Errno.EINVAL, false));
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(-1))).as("SI_QUEUE")
                    .contains(esrch);
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(0))).as("SI_USER")
                    .contains(new SignalTargets.Refusal(Errno.EPERM, false));
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(-6))).as("SI_TKILL")
                    .contains(new SignalTargets.Refusal(Errno.EPERM, false));
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x2000, siginfo(-1))).as("unreadable")
                    .contains(new SignalTargets.Refusal(Errno.EFAULT, false));
            // The kernel copies its own 48 bytes, and the other 80 only for a layout it does not know.
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(-1, 48, false)))
                    .as("SI_QUEUE in 48 readable bytes").contains(esrch);
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(-1, 47, false)))
                    .as("in 47").contains(new SignalTargets.Refusal(Errno.EFAULT, false));
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(-30, 88, false)))
                    .as("an unknown layout in 88").contains(new SignalTargets.Refusal(Errno.EFAULT, false));
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(-30, 128, true)))
                    .as("an unknown layout with more").contains(new SignalTargets.Refusal(Errno.E2BIG, false));
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(-30, 128, false)))
                    .as("an unknown layout with nothing more").contains(esrch);
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 11, 0x1000, siginfo(10, 128, true)))
                    .as("SIGSEGV's SEGV_CPERR").contains(new SignalTargets.Refusal(Errno.EPERM, false));
            assertThat(targets.refusal(callerTid, Sysno.RT_SIGQUEUEINFO, none, 10, 0x1000, siginfo(10, 128, true)))
                    .as("SIGUSR1's 10").contains(new SignalTargets.Refusal(Errno.E2BIG, false));
        } finally {
            caller.destroyForcibly().waitFor();
        }
    }

    /**
     * A caller in a pid namespace of its own names tasks by that namespace's numbers, which name
     * no thread of seccheck: its signals go on, whatever seccheck's numbers say.
     */
    @Test
    void aCallerInAPidNamespaceOfItsOwnIsTheKernelsToAnswer() throws Exception {
        Process shell = new ProcessBuilder("unshare", "--user", "--map-root-user", "--pid", "--fork", "sh", "-c",
                "echo ready; exec sleep 30").redirectErrorStream(true).start();
        try {
            String first = new BufferedReader(new InputStreamReader(shell.getInputStream())).readLine();
            assumeTrue("ready".equals(first), "no pid namespace here: " + first);
            int inner = (int) shell.children().findFirst().orElseThrow().pid(); // unshare's child, in the new namespace
            Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            assertThat(targets.refusal(inner, Sysno.KILL, SELF, 10, 0, siginfo(0))).as("seccheck's number").isEmpty();
            assertThat(targets.refusal(inner, Sysno.KILL, (int) gone.pid(), 10, 0, siginfo(0))).as("a number of no task here")
                    .isEmpty();
        } finally {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly().waitFor();
        }
    }
}
