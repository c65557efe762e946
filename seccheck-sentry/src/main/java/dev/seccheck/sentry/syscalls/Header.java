package dev.seccheck.sentry.syscalls;

import com.google.protobuf.Message;
import dev.seccheck.proto.common.ContextData;
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
import dev.seccheck.proto.syscall.Exit;
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
import dev.seccheck.proto.syscall.TimerfdCreate;
import dev.seccheck.proto.syscall.TimerfdGetTime;
import dev.seccheck.proto.syscall.TimerfdSetTime;
import dev.seccheck.proto.syscall.Write;
import java.util.function.BiConsumer;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;

/**
 * Header sets context_data, exit and sysno, the fields every schematized message starts with,
 * through the generated setters of one message type. The builders share no interface for them,
 * and protobuf's reflective setField doubled the cost of decoding a short call (measured by
 * DecodeBenchmark), hence one constant per message type. Messages about one file descriptor
 * also carry its fd and fd_path setters, for {@link Call#fdHead}.
 */
record Header<B extends Message.Builder>(BiConsumer<B, ContextData> context, BiConsumer<B, Exit> exit,
                                         ObjLongConsumer<B> sysno, ObjIntConsumer<B> fd,
                                         BiConsumer<B, String> fdPath) {

    /** The header of a message that names no file descriptor (fd and fdPath stay null). */
    Header(BiConsumer<B, ContextData> context, BiConsumer<B, Exit> exit, ObjLongConsumer<B> sysno) {
        this(context, exit, sysno, null, null);
    }

    // Messages that name no file descriptor.
    static final Header<Chroot.Builder> CHROOT =
        new Header<>(Chroot.Builder::setContextData, Chroot.Builder::setExit, Chroot.Builder::setSysno);
    static final Header<Clone.Builder> CLONE =
        new Header<>(Clone.Builder::setContextData, Clone.Builder::setExit, Clone.Builder::setSysno);
    static final Header<Dup.Builder> DUP =
        new Header<>(Dup.Builder::setContextData, Dup.Builder::setExit, Dup.Builder::setSysno);
    static final Header<Eventfd.Builder> EVENTFD =
        new Header<>(Eventfd.Builder::setContextData, Eventfd.Builder::setExit, Eventfd.Builder::setSysno);
    static final Header<Execve.Builder> EXECVE =
        new Header<>(Execve.Builder::setContextData, Execve.Builder::setExit, Execve.Builder::setSysno);
    static final Header<Fork.Builder> FORK =
        new Header<>(Fork.Builder::setContextData, Fork.Builder::setExit, Fork.Builder::setSysno);
    static final Header<InotifyInit.Builder> INOTIFY_INIT =
        new Header<>(InotifyInit.Builder::setContextData, InotifyInit.Builder::setExit, InotifyInit.Builder::setSysno);
    static final Header<Mmap.Builder> MMAP =
        new Header<>(Mmap.Builder::setContextData, Mmap.Builder::setExit, Mmap.Builder::setSysno);
    static final Header<Pipe.Builder> PIPE =
        new Header<>(Pipe.Builder::setContextData, Pipe.Builder::setExit, Pipe.Builder::setSysno);
    static final Header<Prlimit.Builder> PRLIMIT =
        new Header<>(Prlimit.Builder::setContextData, Prlimit.Builder::setExit, Prlimit.Builder::setSysno);
    static final Header<Ptrace.Builder> PTRACE =
        new Header<>(Ptrace.Builder::setContextData, Ptrace.Builder::setExit, Ptrace.Builder::setSysno);
    static final Header<Setid.Builder> SETID =
        new Header<>(Setid.Builder::setContextData, Setid.Builder::setExit, Setid.Builder::setSysno);
    static final Header<Setresid.Builder> SETRESID =
        new Header<>(Setresid.Builder::setContextData, Setresid.Builder::setExit, Setresid.Builder::setSysno);
    static final Header<Socket.Builder> SOCKET =
        new Header<>(Socket.Builder::setContextData, Socket.Builder::setExit, Socket.Builder::setSysno);
    static final Header<SocketPair.Builder> SOCKET_PAIR =
        new Header<>(SocketPair.Builder::setContextData, SocketPair.Builder::setExit, SocketPair.Builder::setSysno);
    static final Header<TimerfdCreate.Builder> TIMERFD_CREATE =
        new Header<>(TimerfdCreate.Builder::setContextData, TimerfdCreate.Builder::setExit, TimerfdCreate.Builder::setSysno);

    // Messages about one file descriptor.
    static final Header<Accept.Builder> ACCEPT =
        new Header<>(Accept.Builder::setContextData, Accept.Builder::setExit, Accept.Builder::setSysno,
            Accept.Builder::setFd, Accept.Builder::setFdPath);
    static final Header<Bind.Builder> BIND =
        new Header<>(Bind.Builder::setContextData, Bind.Builder::setExit, Bind.Builder::setSysno,
            Bind.Builder::setFd, Bind.Builder::setFdPath);
    static final Header<Chdir.Builder> CHDIR =
        new Header<>(Chdir.Builder::setContextData, Chdir.Builder::setExit, Chdir.Builder::setSysno,
            Chdir.Builder::setFd, Chdir.Builder::setFdPath);
    static final Header<Close.Builder> CLOSE =
        new Header<>(Close.Builder::setContextData, Close.Builder::setExit, Close.Builder::setSysno,
            Close.Builder::setFd, Close.Builder::setFdPath);
    static final Header<Connect.Builder> CONNECT =
        new Header<>(Connect.Builder::setContextData, Connect.Builder::setExit, Connect.Builder::setSysno,
            Connect.Builder::setFd, Connect.Builder::setFdPath);
    static final Header<Fcntl.Builder> FCNTL =
        new Header<>(Fcntl.Builder::setContextData, Fcntl.Builder::setExit, Fcntl.Builder::setSysno,
            Fcntl.Builder::setFd, Fcntl.Builder::setFdPath);
    static final Header<InotifyAddWatch.Builder> INOTIFY_ADD_WATCH =
        new Header<>(InotifyAddWatch.Builder::setContextData, InotifyAddWatch.Builder::setExit, InotifyAddWatch.Builder::setSysno,
            InotifyAddWatch.Builder::setFd, InotifyAddWatch.Builder::setFdPath);
    static final Header<InotifyRmWatch.Builder> INOTIFY_RM_WATCH =
        new Header<>(InotifyRmWatch.Builder::setContextData, InotifyRmWatch.Builder::setExit, InotifyRmWatch.Builder::setSysno,
            InotifyRmWatch.Builder::setFd, InotifyRmWatch.Builder::setFdPath);
    static final Header<Listen.Builder> LISTEN =
        new Header<>(Listen.Builder::setContextData, Listen.Builder::setExit, Listen.Builder::setSysno,
            Listen.Builder::setFd, Listen.Builder::setFdPath);
    static final Header<Open.Builder> OPEN =
        new Header<>(Open.Builder::setContextData, Open.Builder::setExit, Open.Builder::setSysno,
            Open.Builder::setFd, Open.Builder::setFdPath);
    static final Header<Read.Builder> READ =
        new Header<>(Read.Builder::setContextData, Read.Builder::setExit, Read.Builder::setSysno,
            Read.Builder::setFd, Read.Builder::setFdPath);
    static final Header<Signalfd.Builder> SIGNALFD =
        new Header<>(Signalfd.Builder::setContextData, Signalfd.Builder::setExit, Signalfd.Builder::setSysno,
            Signalfd.Builder::setFd, Signalfd.Builder::setFdPath);
    static final Header<TimerfdGetTime.Builder> TIMERFD_GET_TIME =
        new Header<>(TimerfdGetTime.Builder::setContextData, TimerfdGetTime.Builder::setExit, TimerfdGetTime.Builder::setSysno,
            TimerfdGetTime.Builder::setFd, TimerfdGetTime.Builder::setFdPath);
    static final Header<TimerfdSetTime.Builder> TIMERFD_SET_TIME =
        new Header<>(TimerfdSetTime.Builder::setContextData, TimerfdSetTime.Builder::setExit, TimerfdSetTime.Builder::setSysno,
            TimerfdSetTime.Builder::setFd, TimerfdSetTime.Builder::setFdPath);
    static final Header<Write.Builder> WRITE =
        new Header<>(Write.Builder::setContextData, Write.Builder::setExit, Write.Builder::setSysno,
            Write.Builder::setFd, Write.Builder::setFdPath);
}
