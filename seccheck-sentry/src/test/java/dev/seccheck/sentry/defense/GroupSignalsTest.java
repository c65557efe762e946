package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.ProcessAttributes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * GroupSignals performs a kill of seccheck's process group for the run's processes in it only,
 * answering as the kernel would; this JVM stands in for seccheck, its children for the run.
 */
class GroupSignalsTest {

    private static final int SELF = (int) ProcessHandle.current().pid();

    @Test
    void heldAreKillAndSigqueueOfZeroAndKillOfSeccheckSGroup() {
        GroupSignals g = new GroupSignals(4242);
        assertThat(g.held(Sysno.KILL, 0)).isTrue();
        assertThat(g.held(Sysno.RT_SIGQUEUEINFO, 0)).isTrue();
        assertThat(g.held(Sysno.KILL, -4242)).isTrue();
        assertThat(g.held(Sysno.KILL, 0xffff_ffff_0000_0000L)).as("pid_t is the low 32 bits").isTrue();
        assertThat(g.held(Sysno.RT_SIGQUEUEINFO, -4242)).as("refused in the filter").isFalse();
        assertThat(g.held(Sysno.KILL, -4243)).isFalse();
        assertThat(g.held(Sysno.KILL, 4242)).isFalse();
    }

    @Test
    void onlyTheRunsProcessesInTheGroupAreSignalledNeverSeccheck() throws Exception {
        int group = ProcessAttributes.processGroup();
        Process run = new ProcessBuilder("sleep", "60").start();
        Process outside = new ProcessBuilder("sleep", "60").start();
        try {
            GroupSignals g = new GroupSignals(group);
            Optional<GroupSignals.Answer> answer = g.answer(SELF, Sysno.KILL, -group, 15, pid -> pid == run.pid(),
                    pid -> false);
            assertThat(answer).isPresent();
            assertThat(answer.get().errno()).isZero();
            assertThat(answer.get().pids()).containsExactly((int) run.pid());
            assertThat(answer.get().signal()).isEqualTo(15);
            assertThat(run.isAlive()).as("nothing is sent before the call is answered").isTrue();
            answer.get().send();
            assertThat(run.waitFor(10, TimeUnit.SECONDS)).as("the run's process got TERM").isTrue();
            assertThat(run.exitValue()).isEqualTo(128 + 15);
            assertThat(outside.isAlive()).as("a process outside the run").isTrue();
        } finally {
            run.destroyForcibly();
            outside.destroyForcibly();
        }
    }

    @Test
    void answersAsTheKernelWould() throws Exception {
        int group = ProcessAttributes.processGroup();
        GroupSignals g = new GroupSignals(group);
        assertThat(g.answer(SELF, Sysno.KILL, 0, 15, pid -> false, pid -> false)).as("none of the run in it")
                .hasValue(GroupSignals.Answer.of(Errno.ESRCH));
        assertThat(g.answer(SELF, Sysno.KILL, 0, 65, pid -> true, pid -> false)).as("no such signal")
                .hasValue(GroupSignals.Answer.of(Errno.EINVAL));
        assertThat(g.answer(SELF, Sysno.RT_SIGQUEUEINFO, 0, 15, pid -> true, pid -> false))
                .as("rt_sigqueueinfo(0) from seccheck's group").hasValue(GroupSignals.Answer.of(Errno.EPERM));
        assertThat(g.answer(SELF, Sysno.KILL, -(group + 1), 15, pid -> true, pid -> false)).as("another group")
                .isEmpty();
        Process run = new ProcessBuilder("sleep", "60").start();
        try {
            assertThat(g.answer(SELF, Sysno.KILL, 0, 0, pid -> pid == run.pid(), pid -> false))
                    .as("signal 0 checks only").hasValue(GroupSignals.Answer.of(0));
            assertThat(run.isAlive()).isTrue();
            assertThat(g.answer(SELF, Sysno.KILL, 0, 15, pid -> pid == run.pid(), pid -> pid == run.pid()))
                    .as("a seccheck exec command is out of the program's reach").hasValue(GroupSignals.Answer.of(Errno.ESRCH));
        } finally {
            run.destroyForcibly();
        }
    }

    @Test
    void membersListsTheGroupByProc() throws Exception {
        int group = ProcessAttributes.processGroup();
        List<Integer> members = GroupSignals.members(group, pid -> true);
        assertThat(members).contains(SELF);
        assertThat(GroupSignals.members(group, pid -> pid != SELF)).doesNotContain(SELF);
    }
}
