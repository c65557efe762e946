package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.ProcessAttributes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SchedulingCalls} on real tasks: this JVM plays seccheck (its group and user are
 * seccheck's), a child process the calling task, another the task it may schedule.
 */
class SchedulingCallsTest {

    private static final int SELF = JvmThreads.PID;
    private static final int UID = ProcessAttributes.realUid();
    private static final int OUR_GROUP = 4990;
    private Process caller;
    private Process other;
    private int callerTid;
    private SchedulingCalls calls;

    @BeforeEach
    void tasks() throws Exception {
        caller = new ProcessBuilder("sleep", "30").start();
        other = new ProcessBuilder("sleep", "30").start();
        callerTid = (int) caller.pid();
        // The caller is in this JVM's process group; seccheck's, here, is OUR_GROUP unless said.
        calls = new SchedulingCalls(OUR_GROUP, UID, new SignalTargets(SELF), new GroupSignals(OUR_GROUP));
    }

    @AfterEach
    void end() throws Exception {
        caller.destroyForcibly().waitFor();
        other.destroyForcibly().waitFor();
    }

    @Test
    void aThreadOfSeccheckIsNotScheduledByTheProgram() throws Exception {
        int thread = JvmThreads.notTheMain();
        for (int nr : new int[] {Sysno.SCHED_SETAFFINITY, Sysno.SCHED_SETSCHEDULER, Sysno.SCHED_SETPARAM, Sysno.SCHED_SETATTR}) {
            assertThat(calls.refusal(callerTid, nr, thread, 0)).as(Sysno.name(nr)).hasValue(Errno.EPERM);
            assertThat(calls.refusal(callerTid, nr, SELF, 0)).as(Sysno.name(nr) + " of the pid").hasValue(Errno.EPERM);
            assertThat(calls.refusal(callerTid, nr, other.pid(), 0)).as(Sysno.name(nr) + " of another").isEmpty();
        }
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PROCESS, thread)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PROCESS, other.pid())).isEmpty();
        assertThat(calls.refusal(callerTid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_PROCESS, thread)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_PROCESS, other.pid())).isEmpty();
    }

    @Test
    void seccheckSGroupOrUserIsNotScheduledByTheProgram() {
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PGRP, OUR_GROUP)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PGRP, 1234)).isEmpty();
        assertThat(calls.refusal(callerTid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_PGRP, OUR_GROUP)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, UID)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, 0)).as("the caller's user, ours")
                .hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_USER, UID)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, UID + 4321)).isEmpty();
    }

    /** A group of 0 is the caller's own: refused while that is seccheck's. */
    @Test
    void theCallersOwnGroupIsSeccheckSWhileItShares() throws Exception {
        int ours = ProcessAttributes.processGroup(); // the caller's, as sleep did not leave it
        SchedulingCalls sharing = new SchedulingCalls(ours, UID, new SignalTargets(SELF), new GroupSignals(ours));
        assertThat(sharing.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PGRP, 0)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PGRP, 0)).as("another group").isEmpty();
    }

}
