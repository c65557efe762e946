package dev.seccheck.remote.consumer;

import com.google.protobuf.Message;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Syscall;

/**
 * EventHandler is what a monitoring program implements to receive points from sandboxes. The
 * default {@link #onEvent} dispatches to one typed method per message kind; each default does
 * nothing except {@link #onSyscall}'s fallbacks, so a handler overrides only what it needs.
 *
 * <p>Every call comes from the server's one loop thread, in order for each connection. A slow
 * handler slows all connections: the sandboxes' sockets fill and they retry or drop by their own
 * policy, while the server's memory stays bounded.
 */
public interface EventHandler {

    /** A sandbox connected and handshook. */
    default void onConnect(Connection connection) {}

    /** A sandbox disconnected; its totals are final. */
    default void onDisconnect(Connection connection) {}

    /** A connecting sandbox failed the handshake and was closed; {@code id} was not reused. */
    default void onRefused(int id, String problem) {}

    /**
     * The server ended a handshaked connection itself ({@code reason}: the connection limit or the
     * idle timeout); {@link #onDisconnect} follows.
     */
    default void onCut(Connection connection, String reason) {}

    /** Called about once a second from the loop thread, e.g. to flush rate-limited reports. */
    default void onTick() {}

    /** A packet did not decode and was skipped. */
    default void onMalformed(Connection connection, String problem) {}

    /** A message of a type this program does not know; skipped after this call. */
    default void onUnknown(Connection connection, int type, long dropped, byte[] payload) {}

    /** Receives every decoded message; the default dispatches by type. */
    default void onEvent(Event e) {
        switch (e.message()) {
            case Start m -> onContainerStart(e, m);
            case CloneInfo m -> onClone(e, m);
            case ExecveInfo m -> onExec(e, m);
            case ExitNotifyParentInfo m -> onExitNotifyParent(e, m);
            case TaskExit m -> onTaskExit(e, m);
            case Syscall m -> onRaw(e, m);
            case Open m -> onOpen(e, m);
            case Connect m -> onConnectSyscall(e, m);
            case Execve m -> onExecve(e, m);
            default -> onOther(e, e.message());
        }
    }

    /** {@code container/start}. */
    default void onContainerStart(Event e, Start m) {}

    /** {@code sentry/clone}. */
    default void onClone(Event e, CloneInfo m) {}

    /** {@code sentry/execve}. */
    default void onExec(Event e, ExecveInfo m) {}

    /** {@code sentry/exit_notify_parent}. */
    default void onExitNotifyParent(Event e, ExitNotifyParentInfo m) {}

    /** {@code sentry/task_exit}. */
    default void onTaskExit(Event e, TaskExit m) {}

    /** A raw syscall point. */
    default void onRaw(Event e, Syscall m) {}

    /** open, openat, creat at enter or exit ({@link Event#isExit()}). */
    default void onOpen(Event e, Open m) {}

    /** connect at enter or exit. */
    default void onConnectSyscall(Event e, Connect m) {}

    /** execve, execveat at enter or exit. */
    default void onExecve(Event e, Execve m) {}

    /** Every other known message (the remaining schematized syscalls, sentry/mmap). */
    default void onOther(Event e, Message m) {}
}
