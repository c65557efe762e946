package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.ProcessAttributes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
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
        calls = new SchedulingCalls(OUR_GROUP, UID, new SignalTargets(SELF), new GroupSignals(OUR_GROUP), new UserIdMaps());
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
        // ioprio_set's 0 is not the caller's user but user 0, root.
        assertThat(calls.refusal(callerTid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_USER, 0)).as("root")
                .isEqualTo(UID == 0 ? OptionalInt.of(Errno.EPERM) : OptionalInt.empty());
    }

    /**
     * From a user namespace of the caller's own the kernel reads a user id through its map: there
     * seccheck's user is user 5 (natively, {@code setpriority(PRIO_USER, 5, 19)} there reniced
     * every thread of seccheck).
     */
    @Test
    void seccheckSUserIsNotScheduledByTheNumberANamespaceGivesIt() throws Exception {
        Process inNamespace = started("unshare", "--user", "--map-user=5", "sleep", "30");
        try {
            int tid = (int) inNamespace.pid();
            assertThat(calls.refusal(tid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, 5)).hasValue(Errno.EPERM);
            assertThat(calls.refusal(tid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_USER, 5)).hasValue(Errno.EPERM);
            assertThat(calls.refusal(tid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, 0)).as("its own user, ours")
                    .hasValue(Errno.EPERM);
            assertThat(calls.refusal(tid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, 6))
                    .as("a number the namespace maps to no user: the kernel's ESRCH").isEmpty();
            assertThat(calls.refusal(tid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_USER, 0)).as("user 0 there: none")
                    .isEmpty();
        } finally {
            inNamespace.destroyForcibly().waitFor();
        }
    }

    /**
     * A namespace whose map is not written names no user yet, but may name seccheck's the moment
     * after: setpriority gets the kernel's ESRCH of now, ioprio_set a refusal.
     */
    @Test
    void aNamespaceWithoutAMapYetGetsNoChanceToMapSeccheckSUserInBetween() throws Exception {
        Process inNamespace = started("unshare", "--user", "sleep", "30");
        try {
            int tid = (int) inNamespace.pid();
            assertThat(calls.refusal(tid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, 5)).hasValue(Errno.ESRCH);
            assertThat(calls.refusal(tid, Sysno.IOPRIO_SET, SchedulingCalls.IOPRIO_WHO_USER, 5)).hasValue(Errno.EPERM);
            assertThat(calls.refusal(tid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, 0)).as("its own user, ours")
                    .hasValue(Errno.EPERM);
        } finally {
            inNamespace.destroyForcibly().waitFor();
        }
    }

    /** From a pid namespace of the caller's own no thread of seccheck is in view: the kernel passes them over. */
    @Test
    void aUserOrGroupNamedFromAPidNamespaceOfItsOwnReachesNoThreadOfSeccheck() throws Exception {
        Process outer = started("unshare", "--user", "--map-current-user", "--pid", "--fork", "sleep", "30");
        try {
            int tid = child(outer.pid());
            assertThat(calls.refusal(tid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, UID)).isEmpty();
            assertThat(calls.refusal(tid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PGRP, OUR_GROUP)).isEmpty();
            assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_USER, UID)).as("from ours")
                    .hasValue(Errno.EPERM);
        } finally {
            outer.destroyForcibly().waitFor();
        }
    }

    /** Starts {@code command} and waits until it runs sleep (its namespaces made, its map written). */
    private static Process started(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        for (int i = 0; i < 500; i++) {
            if (sleeping(p.pid()) || child(p.pid()) > 0) {
                return p;
            }
            if (!p.isAlive()) {
                Assumptions.abort("user namespaces are not open here: " + new String(p.getInputStream().readAllBytes()));
            }
            Thread.sleep(10);
        }
        p.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " did not start sleep within 5 s");
    }

    private static boolean sleeping(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("sleep");
        } catch (IOException e) {
            return false;
        }
    }

    /** The sleep that {@code unshare --fork} started, or 0. */
    private static int child(long pid) {
        try {
            String children = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).strip();
            return !children.isEmpty() && sleeping(Long.parseLong(children.split(" ")[0])) ? Integer.parseInt(children.split(" ")[0]) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** A group of 0 is the caller's own: refused while that is seccheck's. */
    @Test
    void theCallersOwnGroupIsSeccheckSWhileItShares() throws Exception {
        int ours = ProcessAttributes.processGroup(); // the caller's, as sleep did not leave it
        SchedulingCalls sharing = new SchedulingCalls(ours, UID, new SignalTargets(SELF), new GroupSignals(ours),
                new UserIdMaps());
        assertThat(sharing.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PGRP, 0)).hasValue(Errno.EPERM);
        assertThat(calls.refusal(callerTid, Sysno.SETPRIORITY, SchedulingCalls.PRIO_PGRP, 0)).as("another group").isEmpty();
    }

}
