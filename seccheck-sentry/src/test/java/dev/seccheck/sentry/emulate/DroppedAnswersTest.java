package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Seccomp;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.SeccompNotification;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    /** Notification {@code id} of task {@code tid}, a bind with registers {@code regs}. */
    private static SeccompNotification notification(int tid, long id, long... regs) {
        return new SeccompNotification(id, tid, Sysno.BIND, Seccomp.AUDIT_ARCH_X86_64, 0, regs[0], regs[1], regs[2],
                regs[3], regs[4], regs[5]);
    }

    /** Notification {@code id} of task {@code tid}, a bind with registers {@code regs}, is received. */
    private void receive(int tid, long id, long... regs) {
        dropped.received(notification(tid, id, regs));
    }

    private void receive(long id) {
        receive(TID, id, REGS);
    }

    /** The bind was received as notification 10 (after another task's 9, no hole) and answered. */
    private void answered() {
        receive(7, 9, REGS);
        receive(10);
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
        receive(7, 11, REGS); // another task's call in between changes nothing
        receive(12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isEqualTo(ZERO);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).as("looked up, not taken").isEqualTo(ZERO);
        assertThat(dropped.take(TID, 12, ZERO)).isTrue();
        assertThat(dropped.take(TID, 12, ZERO)).as("taken once").isFalse();
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).as("given once").isNull();
    }

    /** A notification judged the repeat takes nothing once a later one of its task was received. */
    @Test
    void onlyTheTasksLatestNotificationTakesTheAnswer() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue();
        receive(11);
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::pending)).isEqualTo(ZERO);
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).as("11 interrupted in turn").isTrue();
        receive(12);
        assertThat(dropped.take(TID, 11, ZERO)).as("11 is dead").isFalse();
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isEqualTo(ZERO);
        assertThat(dropped.take(TID, 12, ZERO)).isTrue();
    }

    /** The answer reached the task, which binds again: no stop in between, so a new call (natively EINVAL). */
    @Test
    void aSecondCallWithTheSameRegistersAndNoInterruptionIsNew() {
        answered();
        receive(11);
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
        receive(12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /** The task made another call in between (a signal handler's): the answer had reached it. */
    @Test
    void aCallOfTheTaskWithOtherRegistersInBetweenMakesTheNextOneNew() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue();
        receive(TID, 11, 4, 0x7ffd2000, 16, 0, 0, 0);
        receive(12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /** Another socket under the same fd number: the key differs (its cookie), a new call. */
    @Test
    void aCallOnAnotherSocketIsNew() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue();
        receive(11);
        Restarts.Key other = new Restarts.Key(KEY.nr(), KEY.a1(), KEY.a2(), KEY.a3(), 0, 0, 0, KEY.input(), 0, 4098);
        assertThat(dropped.repeatOf(TID, other, 11, DroppedAnswersTest::pending)).isNull();
    }

    /**
     * The answer reached the task; its next bind was received, then interrupted: its stop is marked
     * after its receipt, and its repeat is a new call.
     */
    @Test
    void aLaterCallInterruptedAfterItWasReceivedIsNew() {
        answered();
        receive(11);
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).as("nothing recorded any more").isFalse();
        receive(12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /**
     * The same, with the notifier slow to count notification 11: its stop is marked first, so 11
     * may be the repeat, but it is gone when looked at; its repeat, 12, has no second mark.
     */
    @Test
    void aLaterCallMarkedBeforeItWasCountedIsNewAtItsRepeat() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // 11's stop, before 11 is counted
        receive(11);
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::gone)).isNull();
        receive(12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /** The answer was dropped, and its repeat interrupted again before it was looked at: the next repeat gets it. */
    @Test
    void aRepeatInterruptedAgainLeavesTheAnswerToTheNext() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // the dropped answer's stop
        receive(11);
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // notification 11's stop
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::gone)).isNull();
        receive(12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isEqualTo(ZERO);
    }

    /**
     * The answer was dropped, and its repeat interrupted again before seccheck received it (a hole
     * at 11, with its own stop): the next repeat gets the answer. Before, any hole made it a new
     * call, and a bind was made twice (EADDRINUSE in SignalledBindsTest, once in 2,000).
     */
    @Test
    void aRepeatInterruptedBeforeItWasReceivedLeavesTheAnswerToTheNext() {
        answered();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // the dropped answer's stop
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // 11's stop, 11 never received
        receive(12);
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isEqualTo(ZERO);
    }

    /** Two repeats taken back unreceived, then one received and found gone: the one after gets the answer. */
    @Test
    void repeatsInterruptedBeforeAndAfterTheirReceiptLeaveTheAnswerToTheNext() {
        answered();
        dropped.interrupted(TID, Sysno.BIND, REGS); // the dropped answer's stop
        dropped.interrupted(TID, Sysno.BIND, REGS); // 11's, never received
        dropped.interrupted(TID, Sysno.BIND, REGS); // 12's, never received
        receive(13);
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isTrue(); // 13's stop, after its receipt
        assertThat(dropped.repeatOf(TID, KEY, 13, DroppedAnswersTest::gone)).isNull();
        receive(14);
        assertThat(dropped.repeatOf(TID, KEY, 14, DroppedAnswersTest::pending)).isEqualTo(ZERO);
    }

    /**
     * The answer reached the task; its next bind was taken back unreceived twice (two holes, two
     * stops): one mark short of a dropped answer and its two repeats, so a new call.
     */
    @Test
    void aLaterCallTakenBackUnreceivedTwiceIsNew() {
        answered();
        dropped.interrupted(TID, Sysno.BIND, REGS); // 11's stop
        dropped.interrupted(TID, Sysno.BIND, REGS); // 12's stop
        receive(13);
        assertThat(dropped.repeatOf(TID, KEY, 13, DroppedAnswersTest::pending)).isNull();
    }

    /** A hole another task's call left counts against the repeat: a new call, as before (fail safe). */
    @Test
    void aHoleOfAnotherTasksMakesTheRepeatNew() {
        answered();
        dropped.interrupted(TID, Sysno.BIND, REGS); // the dropped answer's stop
        receive(7, 12, REGS); // 11 was another task's, taken back unreceived
        receive(13);
        assertThat(dropped.repeatOf(TID, KEY, 13, DroppedAnswersTest::pending)).isNull();
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

    /**
     * The kernel gave notification 11 out before the task's stop, and the notifier has not counted
     * it yet: the stop's mark waits for the count, which shows a later call (no mark before it).
     */
    @Test
    void aMarkWaitsForTheNotificationBeingTaken() throws Exception {
        DroppedAnswers dropped = new DroppedAnswers(TimeUnit.SECONDS.toNanos(30));
        dropped.received(notification(7, 9, REGS));
        dropped.received(notification(TID, 10, REGS));
        dropped.sending(BIND, KEY, ZERO, 10);
        dropped.receiving();
        CompletableFuture<Boolean> mark = CompletableFuture.supplyAsync(
                () -> dropped.interrupted(TID, Sysno.BIND, REGS));
        Thread.sleep(100);
        assertThat(mark).as("waits while the notification is being taken").isNotDone();
        dropped.received(notification(TID, 11, REGS));
        assertThat(mark.get(5, TimeUnit.SECONDS)).as("the answer had reached the task").isFalse();
        dropped.received(notification(TID, 12, REGS));
        assertThat(dropped.repeatOf(TID, KEY, 12, DroppedAnswersTest::pending)).isNull();
    }

    /** A notifier that does not count what it took in time: nothing is marked, the repeat is a new call. */
    @Test
    void aMarkGivesUpOnANotifierThatDoesNotCountInTime() {
        DroppedAnswers dropped = new DroppedAnswers(TimeUnit.MILLISECONDS.toNanos(1));
        dropped.received(notification(TID, 10, REGS));
        dropped.sending(BIND, KEY, ZERO, 10);
        dropped.receiving();
        assertThat(dropped.interrupted(TID, Sysno.BIND, REGS)).isFalse();
        dropped.received(notification(TID, 11, REGS));
        assertThat(dropped.repeatOf(TID, KEY, 11, DroppedAnswersTest::pending)).isNull();
    }
}
