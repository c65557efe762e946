package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Signal;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.Signals;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

class RestartsTest {

    private final Restarts restarts = new Restarts();
    private static final int TID = 42;

    private static Restarts.Key key(String path) {
        return new Restarts.Key(257, -100, 0x1000, 0101, 0666, 0, 0, path.getBytes(), 0, 0);
    }

    @Test
    void aRepeatWhileTheFirstAttemptStillPerformsTheCallTakesItOver() {
        Restarts.Begun first = restarts.begin(TID, key("f"), 1);
        assertThat(first).isInstanceOf(Restarts.Begun.Fresh.class);
        assertThat(restarts.begin(TID, key("f"), 2)).isInstanceOf(Restarts.Begun.TakenOver.class);
        Restarts.Attempt a = ((Restarts.Begun.Fresh) first).attempt();
        assertThat(restarts.answering(a)).as("the first attempt answers the repeat's notification").isEqualTo(2);
    }

    /**
     * An exec by another thread takes the waiting leader's number, and the new image's first call
     * may have the old call's path, pointer and flags: forgotten at the exec, the old attempt takes
     * nothing over, and its late answer goes to no one.
     */
    @Test
    void anAttemptForgottenAtAnExecTakesNothingOver() {
        Restarts.Attempt old = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        Restarts.forgetEverywhere(TID);
        assertThat(restarts.superseded(old)).isTrue();
        assertThat(restarts.begin(TID, key("f"), 2)).isInstanceOf(Restarts.Begun.Fresh.class);
        assertThat(restarts.giveUp(old, 1)).as("its own notification is dead, and nothing took it over").isTrue();
    }

    /**
     * An old notification of the thread served after every attempt of the thread ended (answered)
     * is dead: it begins nothing, and the thread's next call with the same key is not taken over
     * by it (before, it began afresh and took the next call over with its own data).
     */
    @Test
    void anOldNotificationServedAfterTheAttemptsEndedIsDead() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 5)).attempt();
        restarts.answering(a);
        restarts.answered(a);
        assertThat(restarts.begin(TID, key("f"), 3)).isEqualTo(new Restarts.Begun.TakenOver(null));
        assertThat(restarts.begin(TID, key("f"), 6)).isInstanceOf(Restarts.Begun.Fresh.class);
    }

    /** A call of a new image (one more exec took the number) is never the repeat of an old image's, served late. */
    @Test
    void aCallOfTheNextImageIsNoRepeat() {
        Restarts.Key old = key("f");
        Restarts.Key next = new Restarts.Key(old.nr(), old.a1(), old.a2(), old.a3(), old.a4(), old.a5(), old.a6(),
                old.input(), old.execs() + 1, 0);
        restarts.begin(TID, old, 1);
        assertThat(restarts.begin(TID, next, 2)).isInstanceOf(Restarts.Begun.Fresh.class);
    }

    @Test
    void aRepeatOfAnAttemptAnsweredTooLateGetsItsResult() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        restarts.answering(a);
        restarts.keep(a, new Restarts.Result.Answer(3));
        assertThat(kept(restarts.begin(TID, key("f"), 2))).isEqualTo(new Restarts.Result.Answer(3));
    }

    /**
     * A thread interrupted every millisecond has several notifications served at once: the result
     * kept went to each repeat that came meanwhile, and each installed the same fd (EBADF for all
     * but the first, and the FIFO's reading end lost). It answers one; the next waits for that
     * answer and, when it too came too late, gets the result in turn.
     */
    @Test
    void aKeptResultAnswersOneRepeat() throws Exception {
        Restarts.Attempt a = answeringAttempt();
        restarts.keep(a, new Restarts.Result.Answer(3));
        Restarts.Begun.Kept first = (Restarts.Begun.Kept) restarts.begin(TID, key("f"), 2);
        CompletableFuture<Restarts.Begun> second = CompletableFuture.supplyAsync(() -> restarts.begin(TID, key("f"), 3));
        Thread.sleep(100);
        assertThat(second).as("waits while the first repeat answers").isNotDone();
        restarts.keep(first.attempt(), first.result()); // interrupted again
        assertThat(kept(second.get(5, TimeUnit.SECONDS))).isEqualTo(new Restarts.Result.Answer(3));
    }

    /** A notification older than the attempt's own is dead: it neither takes the attempt over nor begins anew. */
    @Test
    void anOlderNotificationServedLateTakesNothingOver() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 5)).attempt();
        assertThat(restarts.begin(TID, key("f"), 4)).isInstanceOf(Restarts.Begun.TakenOver.class);
        assertThat(restarts.answering(a)).as("still answers the newer one").isEqualTo(5);
        assertThat(restarts.begin(TID, key("g"), 3)).isInstanceOf(Restarts.Begun.TakenOver.class);
        assertThat(restarts.superseded(a)).isFalse();
    }

    private static final long[] SENDMSG_REGS = {3, 0x7ffd2000, 0};
    private static final byte[] LOOPBACK = {2, 0, 0, 0, 127, 0, 0, 1};
    private static final Restarts.Key SENDMSG = new Restarts.Key(Sysno.SENDMSG, 3, 0x7ffd2000, 0, 0, 0, 0, LOOPBACK, 0, 4097);
    private static final Restarts.Result.Answer EIGHT = new Restarts.Result.Answer(8);

    /** A sendmsg seccheck made, its answer recorded as it went ({@code record}), for its attempt. */
    private record Answered(Restarts.Attempt attempt, DroppedAnswers.Sent record) {}

    /**
     * A datagram send of task {@code tid} (sendmsg, notification 10) made by seccheck and answered
     * 8; the tracer's stop then finds the task interrupted in it (the answer may have been
     * dropped), and the task's notification 11 is received, judged its repeat.
     */
    private Answered answeredThenInterrupted(int tid) {
        return answeredThenInterrupted(restarts, tid);
    }

    private static Answered answeredThenInterrupted(Restarts restarts, int tid) {
        restarts.received(notification(10, tid, SENDMSG_REGS));
        Restarts.Attempt first = ((Restarts.Begun.Fresh) restarts.begin(tid, SENDMSG, 10, id -> true)).attempt();
        long id = restarts.answering(first);
        DroppedAnswers.Sent record = restarts.sending(first, notification(10, tid, SENDMSG_REGS), EIGHT, id);
        assertThat(interruptedInSendmsg(tid)).isTrue();
        restarts.received(notification(11, tid, SENDMSG_REGS));
        return new Answered(first, record);
    }

    /** The tracer's signal stop: task {@code tid} returned ERESTARTSYS from the sendmsg. */
    private static boolean interruptedInSendmsg(int tid) {
        return Restarts.interruptedAfterAnswer(tid, Sysno.SENDMSG, new long[] {3, 0x7ffd2000, 0, 0, 0, 0});
    }

    /**
     * The kernel took the answer to 10 and dropped it: its repeat 11, still its thread's newest
     * notification, gets it without the send being made again, and is the attempt from then on
     * (its own answer refused, the next repeat gets it in turn).
     */
    @Test
    void theRepeatOfADroppedAnswerGetsItWhileItIsTheNewest() {
        int tid = 4243;
        restarts.answered(answeredThenInterrupted(tid).attempt()); // the kernel took the answer
        Restarts.Begun repeat = restarts.begin(tid, SENDMSG, 11, any -> true);
        assertThat(kept(repeat)).isEqualTo(EIGHT);
        restarts.keep(((Restarts.Begun.Kept) repeat).attempt(), EIGHT); // interrupted again
        assertThat(kept(restarts.begin(tid, SENDMSG, 12, any -> true))).isEqualTo(EIGHT);
    }

    /**
     * The same send, whose answer the kernel refused after the tracer had marked it dropped: the
     * attempt keeps it, and the thread's notification 11 is judged its repeat. 11 is served late:
     * while it looks the dropped answer up, the thread's real repeat (12) takes the kept answer,
     * and the thread moves on (13, a sendto). Then 11 took the answer and, its own answer refused,
     * kept it for the thread's next sendmsg (14), which was answered without being sent (a
     * datagram missing in about one run of 30 of {@code SignalledSendsTest} under load). 11 is
     * dead once a newer notification began: it takes nothing, and 14 is a new call.
     */
    @Test
    void aLateRepeatOfADroppedAnswerTakesNothingOnceANewerNotificationBegan() {
        int tid = 4242;
        Restarts.Key sendto = new Restarts.Key(Sysno.SENDTO, 3, 0x7ffd3000, 8, 0, 0x7ffd4000, 16, LOOPBACK, 0, 4097);
        Answered first = answeredThenInterrupted(tid);
        Restarts.Begun late = restarts.begin(tid, SENDMSG, 11, id11 -> {
            // 11 looks the answer up, and is descheduled before it makes its attempt. Meanwhile the
            // kernel refuses the answer to 10 (whose record 11 takes next), which keeps it; the
            // real repeat gets it, and the thread moves on.
            restarts.keep(first.attempt(), EIGHT);
            Restarts.Begun repeat = restarts.begin(tid, SENDMSG, 12, any -> true);
            assertThat(kept(repeat)).isEqualTo(EIGHT);
            restarts.answered(((Restarts.Begun.Kept) repeat).attempt());
            Restarts.Begun next = restarts.begin(tid, sendto, 13, any -> true);
            restarts.answered(((Restarts.Begun.Fresh) next).attempt());
            return true; // the id looked up before the thread moved on
        });
        restarts.unsent(first.record());
        if (late instanceof Restarts.Begun.Kept k) {
            restarts.keep(k.attempt(), k.result()); // its answer refused: the notification is dead
        }
        assertThat(late).as("a notification older than one begun is dead").isEqualTo(new Restarts.Begun.TakenOver(null));
        assertThat(restarts.begin(tid, SENDMSG, 14, any -> true)).as("the next sendmsg is a new call")
                .isInstanceOf(Restarts.Begun.Fresh.class);
    }

    /**
     * The kernel took the answer to 10 and dropped it; 11, judged its repeat, looks the answer up
     * and is descheduled before it takes it. Meanwhile 11 is interrupted too, and the thread's
     * next repeat (12) is received and served. Before, 11 had taken the record with its look: 12
     * found none, was a new call and sent the datagram again, and 11, dead by then, dropped the
     * answer (a datagram sent twice, 0-2 in 20,000 in {@code SignalledSendsTest} runs). The
     * answer is taken only together with the check that its notification is its thread's newest:
     * 12 gets it, 11 takes nothing.
     */
    @Test
    void aRepeatHeldAfterItsLookUpLeavesTheAnswerToTheNextRepeat() {
        int tid = 4244;
        Runnable[] held = {() -> {}};
        Restarts restarts = heldAfterLookUp(held);
        restarts.answered(answeredThenInterrupted(restarts, tid).attempt()); // the kernel took the answer
        Restarts.Begun[] next = new Restarts.Begun[1];
        held[0] = () -> {
            interruptedInSendmsg(tid); // 11's signal stop
            restarts.received(notification(12, tid, SENDMSG_REGS));
            next[0] = restarts.begin(tid, SENDMSG, 12, any -> true);
        };
        Restarts.Begun late = restarts.begin(tid, SENDMSG, 11, any -> true);
        assertThat(next[0]).as("the next repeat gets the answer, the datagram is not sent again")
                .isInstanceOf(Restarts.Begun.Kept.class);
        assertThat(kept(next[0])).isEqualTo(EIGHT);
        assertThat(late).as("a notification older than one begun is dead").isEqualTo(new Restarts.Begun.TakenOver(null));
        restarts.close();
    }

    /**
     * The same send, its answer recorded, then refused by the kernel after all (the attempt keeps
     * it) while its repeat 11, having looked the record up, is descheduled before it takes it. 11,
     * still its thread's newest notification, gets the kept answer; taken for a dead one, it was
     * left unanswered, its task held until a signal.
     */
    @Test
    void aRepeatWhoseRecordWentSinceItsLookUpGetsTheKeptAnswer() {
        int tid = 4245;
        Runnable[] held = {() -> {}};
        Restarts restarts = heldAfterLookUp(held);
        Answered first = answeredThenInterrupted(restarts, tid);
        held[0] = () -> {
            restarts.unsent(first.record());
            restarts.keep(first.attempt(), EIGHT);
        };
        assertThat(kept(restarts.begin(tid, SENDMSG, 11, any -> true))).isEqualTo(EIGHT);
        restarts.close();
    }

    /** Restarts whose next look-up of a dropped answer runs {@code held[0]} before it returns. */
    private static Restarts heldAfterLookUp(Runnable[] held) {
        return new Restarts(new DroppedAnswers() {
            @Override
            Restarts.Result.Answer repeatOf(int t, Restarts.Key key, long id, LongPredicate pending) {
                Restarts.Result.Answer answer = super.repeatOf(t, key, id, pending);
                Runnable then = held[0];
                held[0] = () -> {};
                then.run();
                return answer;
            }
        });
    }

    private static SeccompNotification notification(long id, int tid, long[] regs) {
        return new SeccompNotification(id, tid, Sysno.SENDMSG, Seccomp.AUDIT_ARCH_X86_64, 0, regs[0], regs[1], regs[2],
                0, 0, 0);
    }

    private static Restarts.Result kept(Restarts.Begun begun) {
        assertThat(begun).isInstanceOf(Restarts.Begun.Kept.class);
        return ((Restarts.Begun.Kept) begun).result();
    }

    /**
     * The race a shell met with FIFOs: the repeat of an open whose fd was installed but whose answer
     * the interrupted task missed came in before that answer failed. It was taken for a new call,
     * opened the file again, and the fd installed first stayed in the task. It now waits for the
     * first attempt to settle and gets its result.
     */
    @Test
    void aRepeatArrivingWhileTheFirstAttemptAnswersWaitsForItsResult() throws Exception {
        Restarts.Attempt a = answeringAttempt();
        CompletableFuture<Restarts.Begun> repeat = sameCallMeanwhile();
        assertThat(repeat).as("waits while the first attempt answers").isNotDone();
        restarts.keep(a, new Restarts.Result.Answer(3)); // the answer came too late: the task repeats
        assertThat(kept(repeat.get(5, TimeUnit.SECONDS))).isEqualTo(new Restarts.Result.Answer(3));
    }

    @Test
    void theSameCallAfterTheAnswerReachedTheTaskIsANewCall() throws Exception {
        Restarts.Attempt a = answeringAttempt();
        CompletableFuture<Restarts.Begun> next = sameCallMeanwhile();
        restarts.answered(a);
        assertThat(next.get(5, TimeUnit.SECONDS)).isInstanceOf(Restarts.Begun.Fresh.class);
    }

    /** After an EINTR the thread made another call: the first attempt's repeat can no longer come. */
    @Test
    void anotherCallOfTheThreadSupersedesAnAttempt() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        assertThat(restarts.superseded(a)).as("still the thread's call").isFalse();
        restarts.begin(TID, new Restarts.Key(257, -100, 0x2000, 0, 0, 0, 0, "f".getBytes(), 0, 0), 2);
        assertThat(restarts.superseded(a)).isTrue();
    }

    /** A repeat takes over an attempt that is merely interrupted: it is not superseded. */
    @Test
    void aRepeatDoesNotSupersedeTheAttemptItTakesOver() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        restarts.begin(TID, key("f"), 2);
        assertThat(restarts.superseded(a)).isFalse();
    }

    /**
     * What a signal stop asks of an accept (SignalledCalls): whether the task is owed a result,
     * so that its call is repeated to get it rather than failed with EINTR (the connection then
     * waited for the program's next accept, which a non-blocking server's poll did not make until
     * the next client came: the client waiting for an answer gave up).
     */
    @Test
    void aTaskIsOwedWhatItsAttemptTookKeptOrIsAnswering() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        assertThat(restarts.owes(a, false)).as("nothing taken yet").isFalse();
        assertThat(restarts.owes(a, true)).as("a connection taken").isTrue();
        restarts.answering(a);
        assertThat(restarts.owes(a, false)).as("being answered").isTrue();
        restarts.keep(a, new Restarts.Result.Answer(3));
        assertThat(restarts.owes(a, false)).as("kept").isTrue();
        Restarts.Attempt repeat = ((Restarts.Begun.Kept) restarts.begin(TID, key("f"), 2)).attempt();
        assertThat(restarts.owes(repeat, false)).as("the repeat answering with it").isTrue();
        assertThat(restarts.owes(a, false)).as("the first attempt, handed over").isTrue();
        restarts.answered(repeat);
        assertThat(restarts.owes(repeat, false)).as("answered").isFalse();
        assertThat(restarts.owes(a, true)).as("handed over").isFalse();
    }

    /** An attempt at opening "f" that has begun to answer. */
    private Restarts.Attempt answeringAttempt() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        restarts.answering(a);
        return a;
    }

    /** The same call again from the same thread, begun on another thread 100 ms ago. */
    private CompletableFuture<Restarts.Begun> sameCallMeanwhile() throws InterruptedException {
        CompletableFuture<Restarts.Begun> call = CompletableFuture.supplyAsync(() -> restarts.begin(TID, key("f"), 2));
        Thread.sleep(100);
        return call;
    }

    /**
     * A program whose open failed with EINTR (its answer cut off by a signal) and that calls again
     * makes the same call with other leftovers in the registers it does not pass: still its repeat.
     */
    @Test
    void registersPastTheCallsArgumentsDoNotTellARepeatFromItsCall() {
        SyscallEvent call = new SyscallEvent(TID, Sysno.OPENAT, -100, 0x1000, 01, 0666, 0x7f00, 0x55, false, 0);
        SyscallEvent again = new SyscallEvent(TID, Sysno.OPENAT, -100, 0x1000, 01, 0666, 0x1234, 0, false, 0);
        assertThat(Restarts.Key.of(again, "f".getBytes(), 0, 0)).isEqualTo(Restarts.Key.of(call, "f".getBytes(), 0, 0));
        SyscallEvent otherFlags = new SyscallEvent(TID, Sysno.OPENAT, -100, 0x1000, 02, 0666, 0x7f00, 0x55, false, 0);
        assertThat(Restarts.Key.of(otherFlags, "f".getBytes(), 0, 0)).isNotEqualTo(Restarts.Key.of(call, "f".getBytes(), 0, 0));
        SyscallEvent sendto = new SyscallEvent(TID, Sysno.SENDTO, 3, 0x1000, 5, 0, 0x2000, 16, false, 0);
        SyscallEvent otherPeer = new SyscallEvent(TID, Sysno.SENDTO, 3, 0x1000, 5, 0, 0x2000, 28, false, 0);
        assertThat(Restarts.Key.of(otherPeer, null, 0, 0)).as("sendto's six count")
                .isNotEqualTo(Restarts.Key.of(sendto, null, 0, 0));
    }

    /**
     * An accept on a listener the program closed and made anew under the same fd number, after a
     * signal interrupted the first, is no repeat of it: the old listener's connection, kept for the
     * repeat, must not answer it.
     */
    @Test
    void aCallOnAnotherSocketUnderTheSameNumberIsNoRepeat() {
        SyscallEvent accept = new SyscallEvent(TID, Sysno.ACCEPT, 3, 0, 0, 0, 0, 0, false, 0);
        Restarts.Key onTheFirst = Restarts.Key.of(accept, null, 0, 4097);
        assertThat(Restarts.Key.of(accept, null, 0, 4097)).isEqualTo(onTheFirst);
        restarts.begin(TID, onTheFirst, 1);
        assertThat(restarts.begin(TID, Restarts.Key.of(accept, null, 0, 4098), 2)).isInstanceOf(Restarts.Begun.Fresh.class);
    }

    /**
     * A call failed with EINTR (a handler without SA_RESTART) may never be repeated: the fd kept for
     * its repeat is closed after a while (a FIFO's writing end kept open hung its reader), and a
     * repeat after that is a new call.
     */
    @Test
    void anFdNoRepeatCameForIsClosed() throws Exception {
        int fd = new PathCalls().openat(Fcntl.AT_FDCWD, "/dev/null", Fcntl.O_WRONLY | Fcntl.O_CLOEXEC);
        assertThat(fd).isNotNegative();
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        restarts.answering(a);
        restarts.keep(a, new Restarts.Result.Fd(fd, true));
        Path ours = Path.of("/proc/self/fd/" + fd);
        assertThat(Files.exists(ours, LinkOption.NOFOLLOW_LINKS)).as("kept for its repeat").isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(ours, LinkOption.NOFOLLOW_LINKS) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Files.exists(ours, LinkOption.NOFOLLOW_LINKS)).as("closed after %s ms", Restarts.KEEP_MS).isFalse();
        assertThat(restarts.begin(TID, key("f"), 2)).isInstanceOf(Restarts.Begun.Fresh.class);
        restarts.close();
    }

    /**
     * A task stopped after its call was cut off (its signal stop not answered yet on a loaded
     * machine, a SIGSTOP) is still to repeat it: its fd is kept however long it stays stopped, and
     * closed only once it has been away from the call (running elsewhere) for {@link
     * Restarts#KEEP_MS}. Before, it was closed {@link Restarts#KEEP_MS} after it was kept: an
     * accepted connection ended unanswered, the repeat waited for another.
     */
    @Test
    void anFdKeptForAStoppedTaskWaitsForIt() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            int tid = (int) sleeper.pid();
            awaitState(tid, "S");
            Signals.kill(tid, Signal.SIGSTOP);
            awaitState(tid, "T");
            int fd = devNull();
            Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(tid, key("f"), 1)).attempt();
            restarts.answering(a);
            restarts.keep(a, new Restarts.Result.Fd(fd, true));
            Thread.sleep(3 * Restarts.KEEP_MS);
            assertThat(open(fd)).as("kept while the task is stopped").isTrue();
            Signals.kill(tid, Signal.SIGCONT); // back in clock_nanosleep, away from its openat
            assertThat(closedWithin(fd, 10_000)).as("closed once it was away for %s ms", Restarts.KEEP_MS).isTrue();
        } finally {
            sleeper.destroyForcibly().waitFor();
            restarts.close();
        }
    }

    /** A task back in the very syscall (its repeat waiting for the notifier) keeps its fd; gone, the fd is closed. */
    @Test
    void anFdKeptForATaskInTheSameCallWaitsForItUntilItIsGone() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            int tid = (int) sleeper.pid();
            awaitState(tid, "S");
            int fd = devNull();
            Restarts.Key inSleep = new Restarts.Key(Sysno.CLOCK_NANOSLEEP, 0, 0, 0, 0, 0, 0, null, 0, 0);
            Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(tid, inSleep, 1)).attempt();
            restarts.answering(a);
            restarts.keep(a, new Restarts.Result.Fd(fd, true));
            Thread.sleep(3 * Restarts.KEEP_MS);
            assertThat(open(fd)).as("kept while the task is in the call").isTrue();
            sleeper.destroyForcibly().waitFor();
            assertThat(closedWithin(fd, 5_000)).as("closed once the task is gone").isTrue();
        } finally {
            sleeper.destroyForcibly().waitFor();
            restarts.close();
        }
    }

    private static int devNull() {
        int fd = new PathCalls().openat(Fcntl.AT_FDCWD, "/dev/null", Fcntl.O_WRONLY | Fcntl.O_CLOEXEC);
        assertThat(fd).isNotNegative();
        return fd;
    }

    private static boolean open(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean closedWithin(int fd, long ms) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (open(fd) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return !open(fd);
    }

    /** Waits (up to 10 s) until process {@code pid} is in {@code state} (proc(5)'s stat field 3). */
    private static void awaitState(int pid, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Procfs.statFieldsAfterComm(pid)[0].equals(state)) {
            assertThat(System.nanoTime()).as("process %s reaches state %s", pid, state).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void anotherCallOfTheThreadIsNewAtOnce() {
        Restarts.Attempt a = ((Restarts.Begun.Fresh) restarts.begin(TID, key("f"), 1)).attempt();
        restarts.answering(a);
        assertThat(restarts.begin(TID, key("g"), 2)).isInstanceOf(Restarts.Begun.Fresh.class);
    }
}
