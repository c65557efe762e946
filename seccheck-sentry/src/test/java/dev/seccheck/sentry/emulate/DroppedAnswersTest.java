package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.SeccompNotification;
import org.junit.jupiter.api.Test;

/**
 * How {@link DroppedAnswers} tells the repeat of a call whose answer the kernel dropped from a
 * later call of the same task with the same registers: a bind of fd 3 to the same address, the
 * first answered 0 at notification 10.
 */
class DroppedAnswersTest {

    private static final int TID = 42;
    private static final long[] REGS = {3, 0x7ffd1000, 16, 0, 0, 0};
    private static final SeccompNotification BIND = new SeccompNotification(10, TID, Sysno.BIND,
            Seccomp.AUDIT_ARCH_X86_64, 0, REGS[0], REGS[1], REGS[2], 0, 0, 0);
    private static final Restarts.Key KEY = new Restarts.Key(Sysno.BIND, 3, 0x7ffd1000, 16, 0, 0, 0,
            new byte[] {2, 0, 0, 0, 127, 0, 0, 1}, 0, 4097);
    private static final Restarts.Result.Answer ZERO = new Restarts.Result.Answer(0);

    private final DroppedAnswers dropped = new DroppedAnswers();

    /** The bind was received as notification 10 (after 9, no hole) and answered. */
    private void answered() {
        dropped.received(7, 9);
        dropped.received(TID, 10);
        dropped.sending(BIND, KEY, ZERO, 10);
    }

    private static boolean pending(long id) {
        return true;
    }

    private static boolean gone(long id) {
        return false;
    }

    /** Signal, answer, drop: the tracer's stop comes before any repeat, which gets the answer. */
    @Test
    void theRepeatOfACallWhoseAnswerWasDroppedGetsIt() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue();
        dropped.received(TID, 11);
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::pending)).isEqualTo(ZERO);
    }

    /** The answer reached the task, which binds again: no stop in between, so a new call (natively EINVAL). */
    @Test
    void aSecondCallWithTheSameRegistersAndNoInterruptionIsNew() {
        answered();
        dropped.received(TID, 11);
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::pending)).isNull();
    }

    /**
     * The answer reached the task; its next bind, same registers, was interrupted before seccheck
     * received it (its notification is a hole in the ids), and repeated: a new call.
     */
    @Test
    void aLaterCallInterruptedBeforeItWasReceivedIsNew() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // the stop of notification 11
        dropped.received(TID, 12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /** The task made another call in between (a signal handler's): the answer had reached it. */
    @Test
    void aCallOfTheTaskInBetweenMakesTheNextOneNew() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue();
        dropped.received(TID, 11); // the handler's call
        dropped.received(TID, 12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /** Another socket under the same fd number: the key differs (its cookie), a new call. */
    @Test
    void aCallOnAnotherSocketIsNew() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue();
        dropped.received(TID, 11);
        Restarts.Key other = new Restarts.Key(KEY.nr(), KEY.a1(), KEY.a2(), KEY.a3(), 0, 0, 0, KEY.input(), 0, 4098);
        assertThat(dropped.repeatOf(TID, other, 11, DroppedAnswersTest::pending)).isNull();
    }

    /**
     * The answer reached the task; its next bind, received, was interrupted before it was looked at
     * (gone), then repeated: the tracer marked that call's own stop only, so its repeat is new.
     */
    @Test
    void aLaterCallInterruptedAfterItWasReceivedIsNew() {
        answered();
        dropped.received(TID, 11);
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // notification 11's stop
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::gone)).isNull();
        dropped.received(TID, 12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /** The answer was dropped, and its repeat interrupted again before it was looked at: the next repeat gets it. */
    @Test
    void aRepeatInterruptedAgainLeavesTheAnswerToTheNext() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // the dropped answer's stop
        dropped.received(TID, 11);
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // notification 11's stop
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::gone)).isNull();
        dropped.received(TID, 12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isEqualTo(ZERO);
    }

    /** A stop in a call with other registers is not this one's; an answer refused by the kernel is not recorded. */
    @Test
    void otherRegistersAndRefusedAnswersAreNotMarked() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, new long[] {4, 0x7ffd1000, 16, 0, 0, 0})).isFalse();
        assertThat(dropped.interrupted(TID, Sysno.CONNECT, REGS)).isFalse();
        DroppedAnswers.Sent s = dropped.sending(BIND, KEY, ZERO, 10);
        dropped.unsent(s);
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isFalse();
    }
}
