package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Signal;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.SeccompNotification;
import dev.seccheck.linux.SeccompReplies;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.linux.Syscalls;
import dev.seccheck.sentry.defense.OutsideProcesses;
import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sink.ExitUnseen;
import dev.seccheck.sink.MadeCall;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.ReachedFile;
import dev.seccheck.sink.ReachedPeer;
import dev.seccheck.state.PointState;
import java.util.function.LongSupplier;

/**
 * Call is one held syscall being emulated: it fires the enter points of the call as seccheck
 * sees it, answers the notification (a value, an installed fd, or an errno) and fires the exit
 * points with the real result, all from the emulation thread that serves it.
 */
final class Call implements Waits.Awaited {

    private final SeccompNotification n;
    private final Task task;
    /** What {@link #enter} returns when a running attempt of the same call answers this one. */
    static final int TAKEN_OVER = -1;

    private final EmulatedPoints points;
    private final Restarts restarts;
    /** How many execs had taken the thread's number as the notification was received ({@link Restarts#execsOf}). */
    private final int execs;
    /** This call as {@link #restarts} knows it, once its enter points were reached. */
    private Restarts.Attempt attempt;
    private SeccompReplies replies;
    private final FdPaths fds;
    /** Moves the rest of this call to a pool thread; null when the call is already on one. */
    private final Handover elsewhere;
    /** The file an open reached, for the sinks while its points fire; null for other calls. */
    private ReachedFile reached;
    /** The directory an open makes its file in, for the sinks while its points fire; null for other calls. */
    private NameChange.Parent creating;
    /** Where a connect or send goes when not where it names, for the sinks while its points fire; else null. */
    private ReachedPeer peer;
    /** What this call holds of the program's files, released before it is answered. */
    private final HeldFiles held = new HeldFiles();
    /** Whether the points fired now report a further message of this call ({@link MadeCall#FURTHER}). */
    private boolean further;
    /** Whether the kernel makes the call once its enter points allow it ({@link #madeByTheKernel}). */
    private boolean unseen;
    /** Whether this open, given up on the notifier, is one the reserve threads take ({@link ReserveThreads}). */
    private boolean reserveTakes;
    /** The running attempt that took this call over, as its repeat ({@link #begin}); else null. */
    private Restarts.Attempt repeated;

    /** What the tracer asks when a signal interrupts the call ({@link SignalledCalls}), once registered; else null. */
    private SignalledCalls.Interruptible registered;
    /**
     * The socket the call is made on, by its cookie ({@link #madeOn}), which a repeat must name
     * too: 0 for a call on none.
     */
    private long socket;

    /** What is left of a call moved to a pool thread, run there with that thread's open emulation. */
    interface Rest {
        void finish(OpenEmulation opens);

        /** No pool thread can take it ({@link Emulator#MAX_WAITING}): fails the call, releasing what it holds. */
        void refuse(int errno);
    }

    /** Moves what is left of a call to a pool thread. */
    interface Handover {
        void take(Call call, Rest rest);
    }

    /**
     * @param execs how many execs had taken the thread's number as the notification was received
     *     ({@link Restarts#execsOf}, read on the notifier thread right after it)
     * @param elsewhere moves what is left of the call to a pool thread (which takes it with
     *     {@link #replyWith}); null when this call is served on a pool thread already
     */
    Call(SeccompNotification n, int execs, Task task, EmulatedPoints points, Restarts restarts,
            SeccompReplies replies, FdPaths fds, Handover elsewhere) {
        this.restarts = restarts;
        this.n = n;
        this.execs = execs;
        this.task = task;
        this.points = points;
        this.replies = replies;
        this.fds = fds;
        this.elsewhere = elsewhere;
    }

    /** Returns whether the call is served on the notifier thread, which must not block. */
    boolean onNotifier() {
        return elsewhere != null;
    }

    /** Says that this open, given up on the notifier, may go to a reserve thread ({@link ReserveThreads}). */
    void reserveMayTake() {
        reserveTakes = true;
    }

    /** Whether a reserve thread may take this open, given up on the notifier ({@link ReserveThreads}). */
    boolean reserveTakes() {
        return reserveTakes;
    }

    /** Finishes the call on a pool thread (only when {@link #onNotifier}). */
    void finishElsewhere(Rest rest) {
        elsewhere.take(this, rest);
    }

    /** The thread that takes the call over answers it with its own reply buffers. */
    void replyWith(SeccompReplies r) {
        this.replies = r;
    }

    int tid() {
        return n.tid();
    }

    int tgid() {
        return task.tgid();
    }

    /**
     * Says that the call is made on the socket whose cookie is {@code cookie} (SO_COOKIE of our
     * copy of the program's fd), before it {@link #begin}s: a call the kernel repeats after a
     * signal is the same one only on the same socket. Without it, a program that closed the
     * listener an interrupted accept waited on and listened anew under the same fd number had
     * the old listener's connection, kept for the repeat, answer its accept on the new one.
     */
    void madeOn(long cookie) {
        this.socket = cookie;
    }

    /** The points this call fires, and what they keep of its task. */
    EmulatedPoints points() {
        return points;
    }

    /** The task's name as its points' {@code process_name} shows it (kept from its exec), which rules decide on. */
    String comm() {
        return task.comm();
    }

    SeccompNotification notification() {
        return n;
    }

    /**
     * What this call holds of the program's files (our descriptors of a walked path, of a copy of
     * the program's descriptor, of its root): released just before the answer, so that no mount
     * the program used is busy and no file it closed still open when its next call runs. Whoever
     * holds something releases it too on a way out with no answer ({@link HeldFiles#release}).
     */
    HeldFiles held() {
        return held;
    }

    /**
     * Runs {@code fired}, points fired about a name the kernel gives the call's own socket
     * ({@link KernelChosenNames}), with no file, peer or directory reached told the sinks: those
     * the call reaches are not that name's. Its result.
     */
    long unreached(LongSupplier fired) {
        ReachedFile file = reached;
        ReachedPeer to = peer;
        NameChange.Parent in = creating;
        reached = null;
        peer = null;
        creating = null;
        try {
            return fired.getAsLong();
        } finally {
            reached = file;
            peer = to;
            creating = in;
        }
    }

    /** Names the file this open reached, for the points fired from now on (see {@link ReachedFile}). */
    void reached(ReachedFile file) {
        this.reached = file;
    }

    /**
     * Names the directory this open makes its file in, for the points fired from now on (see
     * {@link NameChange.Parent#CREATING}).
     */
    void creatingIn(NameChange.Parent dir) {
        this.creating = dir;
    }

    /**
     * Names where the connect or the message being sent goes when it is not the address it names
     * (see {@link ReachedPeer}), for the points fired from now on; null when it is.
     */
    void reachedPeer(ReachedPeer reachedPeer) {
        this.peer = reachedPeer;
    }

    /**
     * Says that the points fired from now on report a further message of this call, one after the
     * first it reported (a sendmmsg's), so that the call is counted once ({@link MadeCall#FURTHER}).
     */
    void furtherMessage() {
        this.further = true;
    }

    /** Asks the sinks deciding on opening files whether they refuse this link or rename's new name. */
    boolean refuses(NameChange change) {
        return points.refuses(change);
    }

    /**
     * Asks the sinks deciding on opening files whether they refuse moving the names a mount
     * covers below a moved directory, {@code change} the move of that mount point.
     */
    boolean refusesCovered(NameChange change) {
        return points.refusesCovered(change);
    }

    /**
     * Asks the sinks deciding on what runs whether the rename {@code move} takes a name they deny
     * executing out of their rules ({@link EmulatedPoints#movesOutOfWhatRuns}).
     */
    boolean movesOutOfWhatRuns(NameChange move) {
        return points.movesOutOfWhatRuns(move);
    }

    /** The run's record of files renamed out of a rule on what runs ({@link ExecutableMoves}). */
    ExecutableMoves executableMoves() {
        return points.executableMoves();
    }

    /**
     * Asks the sinks deciding on sockets' unix paths whether {@code change} may give its name
     * (a socket so named is reached there as if bound there): 0, or the errno they chose; a kill
     * verdict kills the process and reads as EPERM, as at {@link #check}.
     */
    int refusedAsBind(NameChange change) {
        int verdict = points.socketNameVerdict(change);
        if (verdict == PointState.KILL) {
            kill();
            return Errno.EPERM;
        }
        return verdict;
    }

    /** Fires the points of {@code ev}, with the raw points of the call as made ({@link #made}). */
    private int fire(SyscallEvent ev, TaskMemory mem) {
        return fire(ev, true, mem);
    }

    /**
     * Fires the points of {@code ev}, those of the call as made too unless {@code raw} is false,
     * with what the sinks are told beside them bound: the file or peer reached, an exit that will
     * not come.
     */
    private int fire(SyscallEvent ev, boolean raw, TaskMemory mem) {
        SyscallEvent made = made(ev);
        ScopedValue.Carrier told = tell(null, ExitUnseen.CURRENT, unseen && !ev.exit() ? true : null);
        told = tell(told, ReachedFile.CURRENT, reached);
        told = tell(told, NameChange.Parent.CREATING, creating);
        told = tell(told, ReachedPeer.CURRENT, peer);
        told = tell(told, MadeCall.FURTHER, further && ev.sysno() != n.nr() ? true : null);
        return told == null ? points.fire(task, ev, made, raw, mem, fds)
                : told.call(() -> points.fire(task, ev, made, raw, mem, fds));
    }

    /** {@code told} with {@code key} bound to {@code value} as well, unless the value is null (nothing to tell). */
    private static <T> ScopedValue.Carrier tell(ScopedValue.Carrier told, ScopedValue<T> key, T value) {
        if (value == null) {
            return told;
        }
        return told == null ? ScopedValue.where(key, value) : told.where(key, value);
    }

    /**
     * Says, before its enter points fire, that once they allow the call the kernel makes it as the
     * program made it ({@link #allowAsMade}): its exit points will not fire, which the sinks are
     * told while its enter points fire ({@link ExitUnseen}).
     */
    void madeByTheKernel() {
        unseen = true;
    }

    /**
     * Fires the enter points of a call that the kernel then makes as the program made it, if they
     * allow it ({@link #madeByTheKernel}, {@link #allowAsMade}).
     */
    void enterThenAllowAsMade(SyscallEvent ev, TaskMemory mem) {
        madeByTheKernel();
        if (enter(ev, mem) == 0) {
            allowAsMade();
        }
    }

    /**
     * The syscall as the program made it (its number and registers), at the enter or exit {@code ev}
     * is at: {@code ev} itself unless it reports the call under another syscall's points (a send
     * under connect's, openat2 under openat's), whose raw points must still see the call made.
     */
    private SyscallEvent made(SyscallEvent ev) {
        if (ev.sysno() == n.nr()) {
            return ev;
        }
        SyscallEvent held = SyscallEvent.held(n);
        return ev.exit() ? held.exited(ev.result()) : held;
    }

    /** Whether an exit point of {@code ev}'s syscall, or of the call as made, is enabled. */
    private boolean wantsExit(SyscallEvent ev) {
        return points.wantsExit(ev.sysno()) || (ev.sysno() != n.nr() && points.wantsExit(n.nr()));
    }

    /**
     * Fires the enter points of {@code ev}, decoded from {@code mem}, unless this call repeats an
     * attempt interrupted by a signal ({@link Restarts}): then the attempt answers it and nothing
     * fires.
     *
     * @return 0 when the call may proceed, else nonzero: it has been answered (failed with that
     *     errno) or will be by the attempt it repeats
     */
    int enter(SyscallEvent ev, TaskMemory mem) {
        if (attempt == null && !begin(ev, mem)) {
            return TAKEN_OVER;
        }
        return answerIfRefused(fire(ev, mem), ev, mem);
    }

    /**
     * Applies the sinks' verdict {@code fired} on the enter of {@code ev}: nothing when they let the
     * call through (returns 0), else the call is failed (its exit points fire with the errno) or its
     * process killed, and the errno is returned.
     */
    private int answerIfRefused(int fired, SyscallEvent ev, TaskMemory mem) {
        if (fired == 0) {
            return 0;
        }
        if (fired == PointState.KILL) {
            kill();
            fail(ev, mem, Errno.EPERM, false);
            return Errno.EPERM;
        }
        fail(ev, mem, fired, true);
        return fired;
    }

    /**
     * Makes this call an attempt {@link Restarts} knows, before anything fires: a call that waits
     * before its enter points fire (an accept, for a peer to decide on) begins here, so that a
     * repeat of it, after a signal, is taken over by it rather than waiting beside it; {@link #enter}
     * begins any other call.
     *
     * @return false when the call repeats an attempt, which answers it (or has already): nothing
     *     is left to do
     */
    boolean begin(SyscallEvent ev, TaskMemory mem) {
        return begin(ev, mem, () -> {});
    }

    /**
     * {@link #begin(SyscallEvent, TaskMemory)}, running {@code ours} first when the call is its
     * thread's attempt from now on (new and pending, or answering with what the attempt it repeats
     * kept), not when an attempt still waiting takes it over or it is dead already.
     */
    boolean begin(SyscallEvent ev, TaskMemory mem, Runnable ours) {
        Restarts.Key key = Restarts.Key.of(ev, mem instanceof Snapshot s ? s.bytes() : null, execs, socket);
        switch (restarts.begin(tid(), key, n.id(), replies::stillValid)) {
            case Restarts.Begun.Fresh f -> {
                attempt = f.attempt();
                // Dead already: served after its thread had moved on (one of several notifications
                // of a task interrupted again and again, served late). Begun, it would take over the
                // thread's next call of the same name: a FIFO open of the next FIFO made at that
                // path then opened the old one, and its writer waited for good.
                if (replies.stillValid(n.id()) || !restarts.giveUp(attempt, n.id())) {
                    ours.run();
                    return true;
                }
                return false;
            }
            case Restarts.Begun.TakenOver t -> {
                repeated = t.by();
                return false;
            }
            case Restarts.Begun.Kept k -> {
                attempt = k.attempt();
                ours.run();
                answerKept(ev, mem, k.result());
                return false;
            }
        }
    }

    /**
     * Whether a call that waits before its points fire ({@link #begin}) is still awaited: its
     * notification, or that of a repeat that took it over, is still pending. When it is not, the
     * attempt ends here, answering and firing nothing.
     */
    boolean stillAwaited() {
        if (attempt == null) {
            return replies.stillValid(n.id());
        }
        while (true) {
            long id = restarts.current(attempt);
            if (replies.stillValid(id)) {
                return true;
            }
            if (restarts.giveUp(attempt, id)) {
                return false;
            }
        }
    }

    /**
     * The notification a call that waits before its points fire ({@link #begin}) answers now: its
     * own, or that of a repeat that took it over. A change tells the waiting attempt that the
     * task's syscall was restarted.
     */
    long awaited() {
        return attempt == null ? n.id() : restarts.current(attempt);
    }

    /**
     * Whether the task is owed a result of this call, once begun: kept, being answered, or
     * ({@code taken}: a connection taken for it) not yet answered. A signal that cuts the answer
     * off must make the task repeat the call to get it ({@link SignalledCalls}).
     */
    boolean owes(boolean taken) {
        return attempt != null && restarts.owes(attempt, taken);
    }

    /**
     * Whether this call repeats an attempt that took it over ({@link #begin}) and still owes its
     * task the answer: not made yet, being answered, or kept for a later repeat.
     */
    boolean repeatOwed() {
        return repeated != null && restarts.owes(repeated, true);
    }

    /** Whether a running attempt took this call over ({@link #begin}): that attempt answers it. */
    boolean takenOver() {
        return repeated != null;
    }

    /** Records what the call registered with {@link SignalledCalls}. */
    void registered(SignalledCalls.Interruptible r) {
        this.registered = r;
    }

    /** What the call registered with {@link SignalledCalls}; null when nothing. */
    SignalledCalls.Interruptible registered() {
        return registered;
    }

    /**
     * Whether the attempt this call began has ended (answered, given up) or been superseded by its
     * thread's next call; false before it began.
     */
    boolean superseded() {
        return attempt != null && restarts.superseded(attempt);
    }

    @Override
    public Waits.Standing standing() {
        long id = attempt == null ? n.id() : restarts.current(attempt);
        if (replies.stillValid(id)) {
            return Waits.Standing.AWAITED;
        }
        return attempt == null || restarts.superseded(attempt) ? Waits.Standing.SUPERSEDED
                : Waits.Standing.INTERRUPTED;
    }

    @Override
    public boolean giveUp() {
        if (attempt == null) {
            return !replies.stillValid(n.id());
        }
        long id = restarts.current(attempt);
        return !replies.stillValid(id) && restarts.giveUp(attempt, id);
    }

    /**
     * Fails a call whose path or address could not be read from the program: its enter points
     * fire with that fault in place of the value (a sink may answer first), then it fails with the
     * fault's errno, as the kernel's own copy would have.
     */
    void failUnreadable(SyscallEvent ev, ProgramMemory.Fault f) {
        refuse(ev, Unreadable.of(f), f.errno);
    }

    /**
     * Fails the call with {@code errno} once its enter points have seen it ({@code mem}: what of
     * the program's memory they are shown), as the kernel fails a call it refuses before doing
     * anything; if those points refuse it, their verdict answers it instead. A call whose memory
     * was {@link Unreadable} and whose task no longer waits for it is dropped, unreported.
     */
    void refuse(SyscallEvent ev, TaskMemory mem, int errno) {
        if (mem instanceof Unreadable && attempt == null && !replies.stillValid(n.id())) {
            // The task left the call before its argument was copied: a fatal signal, whose exit
            // then took the memory (the copy's fault comes from that), or a signal it restarts the
            // call after, as a new notification. A call the task never finished is not reported
            // with a missing value: a run's end killing a process mid-open gave deny alerts for a
            // path "unreadable (EFAULT)".
            return;
        }
        if (enter(ev, mem) == 0) {
            fail(ev, mem, errno);
        }
    }

    /** Answers a repeat with what its first attempt, answered too late, left. */
    private void answerKept(SyscallEvent ev, TaskMemory mem, Restarts.Result kept) {
        switch (kept) {
            case Restarts.Result.Fd f -> install(ev, mem, f.fd(), f.cloexec());
            case Restarts.Result.Answer a -> answer(id -> a.value() < 0 ? replies.deny(id, (int) -a.value())
                    : replies.returnValue(id, a.value()), kept);
            case Restarts.Result.AsMade a -> allowAsMade();
        }
    }

    /**
     * Fires the enter points of {@code ev} without answering the call (one of several messages of
     * a sendmmsg). A kill verdict kills the process and reads as EPERM.
     *
     * @return 0 when allowed, else the errno the sinks chose
     */
    int check(SyscallEvent ev, TaskMemory mem) {
        int fired = fire(ev, false, mem);
        if (fired == PointState.KILL) {
            kill();
            return Errno.EPERM;
        }
        return fired;
    }

    /**
     * Lets the held syscall run as the program made it: nothing in it needs checking, or (O_PATH)
     * its enter points allowed it and the kernel must make it itself; its exit is not seen.
     */
    void allowAsMade() {
        answer(replies::allow, new Restarts.Result.AsMade());
    }

    /** Fails the call with {@code errno} and reports that result at the exit points. */
    void fail(SyscallEvent ev, TaskMemory mem, int errno) {
        fail(ev, mem, errno, true);
    }

    // Exit points fire before the answer: the answer resumes the program, whose next syscall must
    // not be reported before this one's exit.
    private void fail(SyscallEvent ev, TaskMemory mem, int errno, boolean report) {
        if (report) {
            exit(ev, mem, -errno);
        }
        answer(id -> replies.deny(id, errno), new Restarts.Result.Answer(-errno));
    }

    /** Completes the call with {@code value} (connect's 0, sendto's count). */
    void complete(SyscallEvent ev, TaskMemory mem, long value) {
        if (value < 0) {
            fail(ev, mem, (int) -value);
            return;
        }
        exit(ev, mem, value);
        answer(id -> replies.returnValue(id, value), new Restarts.Result.Answer(value));
    }

    /** An answer to a notification: false when the notification is gone (ENOENT). */
    private interface Reply {
        boolean send(long id);
    }

    /**
     * Answers the notification this call answers now (a repeat's, if one took the call over);
     * when it is gone, {@code result} is kept for a repeat of the call.
     */
    private void answer(Reply reply, Restarts.Result result) {
        held.release(); // closing costs the same before the answer as after it
        long id = answerId();
        // Recorded before it goes: the kernel may take it and drop it (DroppedAnswers).
        DroppedAnswers.Sent sending = attempt != null && result instanceof Restarts.Result.Answer a
                ? restarts.sending(attempt, n, a, id) : null;
        boolean sent = reply.send(id);
        if (!sent && sending != null) {
            restarts.unsent(sending);
        }
        settle(sent, result);
    }

    private void settle(boolean sent, Restarts.Result result) {
        if (attempt == null) {
            if (!sent && result instanceof Restarts.Result.Fd f) {
                PathCalls.close(f.fd());
            }
            return;
        }
        if (sent) {
            restarts.answered(attempt);
        } else {
            restarts.keep(attempt, result);
        }
    }

    /** The call ended without an answer (an error in seccheck, answered EIO by the caller): no repeat may wait on it. */
    void abandon() {
        held.release();
        if (attempt != null) {
            restarts.answering(attempt);
            restarts.answered(attempt);
        }
    }

    /** Returns the notification the call answers now. */
    long answerId() {
        return attempt == null ? n.id() : restarts.answering(attempt);
    }

    /**
     * Installs our fd {@code fd} in the program and closes ours, reports the program's number at
     * the exit points, then answers the call with it.
     *
     * @return the program's number, or -errno when the install failed (-EMFILE: its table is full)
     */
    long install(SyscallEvent ev, TaskMemory mem, int fd, boolean cloexec) {
        Restarts.Result.Fd ours = new Restarts.Result.Fd(fd, cloexec);
        long id = answerId();
        // Before the install, which in one step is the answer too. The fd installed is not held:
        // ours is closed right after the install, the program's own then holding its file.
        held.release();
        // Held on this CPU, the task installs the fd and waits again for the answer, which wakes it
        // here at once: two wake-ups that cost less than the one of an install-and-answer, which
        // on a VM without halt polling goes through an idle vCPU (docs/emulation.md, "Cost"). The
        // task must not run on before it is let go: it would see the CPU mask of the hold. Not
        // held and with no exit point to fire first, install and answer in one step.
        boolean held = replies.holdHere(tid());
        boolean oneStep = !held && !wantsExit(ev);
        long r;
        try {
            r = oneStep ? replies.installAndAnswer(id, fd, cloexec) : replies.install(id, fd, cloexec);
        } finally {
            if (held) {
                replies.letGo();
            }
        }
        // ENOENT: the notification was gone; ESRCH: the task left it while the fd waited to be
        // installed (the kernel clears such requests). Either way the fd is not the task's: it is
        // kept for the repeat, not closed (an accepted connection was lost so).
        if (r == -Errno.ENOENT || r == -Errno.ESRCH) {
            settle(false, ours);
            return r;
        }
        PathCalls.close(fd);
        if (r >= 0 && oneStep) {
            settle(true, ours);
            return r;
        }
        exit(ev, mem, r);
        if (r < 0) {
            settle(replies.deny(id, (int) -r), new Restarts.Result.Answer(r));
            return r;
        }
        // Interrupted now, the fd stays in the task's table: its repeat is answered with the same number.
        settle(replies.returnValue(id, r), new Restarts.Result.Answer(r));
        return r;
    }

    private void exit(SyscallEvent enter, TaskMemory mem, long result) {
        if (wantsExit(enter) && fire(enter.exited(result), mem) == PointState.KILL) {
            kill();
        }
    }

    /**
     * Fires the exit points of {@code enter}, a point {@link #check} fired for one part of the
     * call (connect's for one message of a sendmsg), with that part's {@code result}; the call's
     * own exit fires when it is answered.
     */
    void checked(SyscallEvent enter, TaskMemory mem, long result) {
        if (points.wantsExit(enter.sysno()) && fire(enter.exited(result), false, mem) == PointState.KILL) {
            kill();
        }
    }

    /**
     * Fires the enter points of the call as the program made it, for a call whose other points
     * fire per part ({@link #check}: a sendmsg's connect points, for each message with an address).
     *
     * @return as {@link #enter}: 0 when the call may proceed, else it has been answered
     */
    int enterMade() {
        SyscallEvent ev = SyscallEvent.held(n);
        if (attempt == null && !begin(ev, Snapshot.NOTHING)) {
            return TAKEN_OVER; // a repeat after a signal: the attempt it repeats answers it
        }
        return answerIfRefused(fire(ev, Snapshot.NOTHING), ev, Snapshot.NOTHING);
    }

    /**
     * Kills the task's process (SIGKILL) through a pidfd, never by number: the sinks that chose
     * the kill may have taken long (an alert written to a terminal whose output is stopped), and
     * meanwhile the process may have exited, been reaped, and its number been given to another
     * process, outside the run even, which a kill by number then reached. The pidfd is the
     * caller's when, opened, the call's notification (or that of the repeat that took it over) is
     * found still pending: the task waits in it. When it is not, the task left the call: gone, or
     * interrupted by a signal and alive; the pidfd is then used only if its process is of the run
     * ({@link OutsideProcesses#pinOfTheRun}), which is the caller unless the caller is gone and a
     * process of the run took its number since.
     */
    private void kill() {
        try (Pidfd process = Pidfd.ofProcess(task.tgid())) {
            if (process == null) {
                return; // gone (or no number: pid 0 would be seccheck's own group)
            }
            if (stillHeld() || OutsideProcesses.ofTheRun(task.tgid(), process)) {
                process.signal(Signal.SIGKILL);
            }
        }
    }

    /**
     * Whether the task still waits in this call: its notification, or that of a repeat that took
     * it over, is pending. A repeat taking over between the read of the attempt's notification and
     * the look at it is looked at in turn.
     */
    private boolean stillHeld() {
        while (true) {
            long id = awaited();
            if (replies.stillValid(id)) {
                return true;
            }
            if (awaited() == id) {
                return false;
            }
        }
    }

    /**
     * A pidfd of the call's thread, opened while the task waits in this call (so it is that
     * thread's, not that of a task that took the number since), for a signal sent it after the
     * answer ({@link #signalThread}). Null when the task left the call, or when the kernel has no
     * thread pidfds (before Linux 6.9).
     */
    Pidfd pinThread() {
        Pidfd thread = Pidfd.ofThread(tid());
        if (thread != null && !stillHeld()) {
            thread.close();
            return null;
        }
        return thread;
    }

    /**
     * Sends {@code sig} to the call's thread through {@code pinned} ({@link #pinThread}). Without
     * one on a kernel with no thread pidfds (before Linux 6.9) the signal goes by the thread's
     * numbers (tgkill), with their race: a thread that left meanwhile, whose numbers a new process
     * took, would get it. Else nothing is sent: the thread left the call.
     */
    void signalThread(Pidfd pinned, int sig) {
        if (pinned != null) {
            pinned.signal(sig);
        } else if (Pidfd.threadsUnsupported()) {
            Syscalls.signalThread(tgid(), tid(), sig);
        }
    }
}
