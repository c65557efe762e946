package dev.seccheck.points;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.Accept;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Chdir;
import dev.seccheck.proto.syscall.Chroot;
import dev.seccheck.proto.syscall.Clone;
import dev.seccheck.proto.syscall.Close;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Dup;
import dev.seccheck.proto.syscall.Eventfd;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Fcntl;
import dev.seccheck.proto.syscall.Fork;
import dev.seccheck.proto.syscall.InotifyAddWatch;
import dev.seccheck.proto.syscall.InotifyInit;
import dev.seccheck.proto.syscall.InotifyRmWatch;
import dev.seccheck.proto.syscall.Listen;
import dev.seccheck.proto.syscall.Mmap;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Pipe;
import dev.seccheck.proto.syscall.Prlimit;
import dev.seccheck.proto.syscall.Ptrace;
import dev.seccheck.proto.syscall.Read;
import dev.seccheck.proto.syscall.Setid;
import dev.seccheck.proto.syscall.Setresid;
import dev.seccheck.proto.syscall.Signalfd;
import dev.seccheck.proto.syscall.Socket;
import dev.seccheck.proto.syscall.SocketPair;
import dev.seccheck.proto.syscall.Syscall;
import dev.seccheck.proto.syscall.TimerfdCreate;
import dev.seccheck.proto.syscall.TimerfdGetTime;
import dev.seccheck.proto.syscall.TimerfdSetTime;
import dev.seccheck.proto.syscall.Write;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * MessageTypes ties each {@link MessageType} of the wire to its protobuf message: its descriptor
 * (to inspect fields by name) and its parser (to decode a payload), and each point to the type
 * it sends.
 */
public final class MessageTypes {
    private MessageTypes() {}

    private record Entry(Descriptor descriptor, Parser<? extends Message> parser) {}

    private static final Map<MessageType, Entry> TYPES = new EnumMap<>(MessageType.class);

    static {
        put(MessageType.MESSAGE_CONTAINER_START, Start.getDescriptor(), Start.parser());
        put(MessageType.MESSAGE_SENTRY_CLONE, CloneInfo.getDescriptor(), CloneInfo.parser());
        put(MessageType.MESSAGE_SENTRY_EXEC, ExecveInfo.getDescriptor(), ExecveInfo.parser());
        put(MessageType.MESSAGE_SENTRY_EXIT_NOTIFY_PARENT, ExitNotifyParentInfo.getDescriptor(),
                ExitNotifyParentInfo.parser());
        put(MessageType.MESSAGE_SENTRY_TASK_EXIT, TaskExit.getDescriptor(), TaskExit.parser());
        put(MessageType.MESSAGE_SENTRY_MMAP, MmapInfo.getDescriptor(), MmapInfo.parser());
        put(MessageType.MESSAGE_SYSCALL_RAW, Syscall.getDescriptor(), Syscall.parser());
        put(MessageType.MESSAGE_SYSCALL_OPEN, Open.getDescriptor(), Open.parser());
        put(MessageType.MESSAGE_SYSCALL_CLOSE, Close.getDescriptor(), Close.parser());
        put(MessageType.MESSAGE_SYSCALL_READ, Read.getDescriptor(), Read.parser());
        put(MessageType.MESSAGE_SYSCALL_CONNECT, Connect.getDescriptor(), Connect.parser());
        put(MessageType.MESSAGE_SYSCALL_EXECVE, Execve.getDescriptor(), Execve.parser());
        put(MessageType.MESSAGE_SYSCALL_SOCKET, Socket.getDescriptor(), Socket.parser());
        put(MessageType.MESSAGE_SYSCALL_CHDIR, Chdir.getDescriptor(), Chdir.parser());
        put(MessageType.MESSAGE_SYSCALL_SETID, Setid.getDescriptor(), Setid.parser());
        put(MessageType.MESSAGE_SYSCALL_SETRESID, Setresid.getDescriptor(), Setresid.parser());
        put(MessageType.MESSAGE_SYSCALL_PRLIMIT64, Prlimit.getDescriptor(), Prlimit.parser());
        put(MessageType.MESSAGE_SYSCALL_PIPE, Pipe.getDescriptor(), Pipe.parser());
        put(MessageType.MESSAGE_SYSCALL_FCNTL, Fcntl.getDescriptor(), Fcntl.parser());
        put(MessageType.MESSAGE_SYSCALL_DUP, Dup.getDescriptor(), Dup.parser());
        put(MessageType.MESSAGE_SYSCALL_SIGNALFD, Signalfd.getDescriptor(), Signalfd.parser());
        put(MessageType.MESSAGE_SYSCALL_CHROOT, Chroot.getDescriptor(), Chroot.parser());
        put(MessageType.MESSAGE_SYSCALL_EVENTFD, Eventfd.getDescriptor(), Eventfd.parser());
        put(MessageType.MESSAGE_SYSCALL_CLONE, Clone.getDescriptor(), Clone.parser());
        put(MessageType.MESSAGE_SYSCALL_BIND, Bind.getDescriptor(), Bind.parser());
        put(MessageType.MESSAGE_SYSCALL_ACCEPT, Accept.getDescriptor(), Accept.parser());
        put(MessageType.MESSAGE_SYSCALL_TIMERFD_CREATE, TimerfdCreate.getDescriptor(), TimerfdCreate.parser());
        put(MessageType.MESSAGE_SYSCALL_TIMERFD_SETTIME, TimerfdSetTime.getDescriptor(), TimerfdSetTime.parser());
        put(MessageType.MESSAGE_SYSCALL_TIMERFD_GETTIME, TimerfdGetTime.getDescriptor(), TimerfdGetTime.parser());
        put(MessageType.MESSAGE_SYSCALL_FORK, Fork.getDescriptor(), Fork.parser());
        put(MessageType.MESSAGE_SYSCALL_INOTIFY_INIT, InotifyInit.getDescriptor(), InotifyInit.parser());
        put(MessageType.MESSAGE_SYSCALL_INOTIFY_ADD_WATCH, InotifyAddWatch.getDescriptor(), InotifyAddWatch.parser());
        put(MessageType.MESSAGE_SYSCALL_INOTIFY_RM_WATCH, InotifyRmWatch.getDescriptor(), InotifyRmWatch.parser());
        put(MessageType.MESSAGE_SYSCALL_SOCKETPAIR, SocketPair.getDescriptor(), SocketPair.parser());
        put(MessageType.MESSAGE_SYSCALL_WRITE, Write.getDescriptor(), Write.parser());
        put(MessageType.MESSAGE_SYSCALL_MMAP, Mmap.getDescriptor(), Mmap.parser());
        put(MessageType.MESSAGE_SYSCALL_LISTEN, Listen.getDescriptor(), Listen.parser());
        put(MessageType.MESSAGE_SYSCALL_PTRACE, Ptrace.getDescriptor(), Ptrace.parser());
    }

    private static void put(MessageType type, Descriptor d, Parser<? extends Message> p) {
        TYPES.put(type, new Entry(d, p));
    }

    /** Returns the descriptor of the message carried by this type; empty for unknown types. */
    public static Optional<Descriptor> descriptor(MessageType type) {
        return Optional.ofNullable(TYPES.get(type)).map(Entry::descriptor);
    }

    /** Returns the parser of the message carried by this type; empty for unknown types. */
    public static Optional<Parser<? extends Message>> parser(MessageType type) {
        return Optional.ofNullable(TYPES.get(type)).map(Entry::parser);
    }

    /** Returns the type of message a point sends. */
    public static MessageType forPoint(Point point, Catalog catalog) {
        if (!point.isSyscall()) {
            return switch (point.id()) {
                case 0 -> MessageType.MESSAGE_SENTRY_CLONE;
                case 1 -> MessageType.MESSAGE_CONTAINER_START;
                case 2 -> MessageType.MESSAGE_SENTRY_EXEC;
                case 3 -> MessageType.MESSAGE_SENTRY_EXIT_NOTIFY_PARENT;
                case 4 -> MessageType.MESSAGE_SENTRY_TASK_EXIT;
                case 5 -> MessageType.MESSAGE_SENTRY_MMAP;
                default -> throw new IllegalArgumentException("no message type for " + point.name());
            };
        }
        if (point.syscallType().isRaw()) {
            return MessageType.MESSAGE_SYSCALL_RAW;
        }
        return catalog.schema(point.sysno()).orElseThrow().messageType();
    }
}
